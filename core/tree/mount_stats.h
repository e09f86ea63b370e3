/* mount_stats: the report of a mount's counters that `.omefs/stats` shows: the network, the
 * memory and disk caches, read-ahead and reads, as JSON. */
#ifndef OME_MOUNT_STATS_H
#define OME_MOUNT_STATS_H

#include "base/stats.h"
#include "zarr/chunk_cache.h"

/* Writes a JSON object with every counter; returns its length (like snprintf). `mem` may be
 * NULL (no memory cache yet). */
int ome_mount_stats_json(const ome_stats *s, const ome_cache_stats *mem, char *out,
                         size_t outlen);

#endif
