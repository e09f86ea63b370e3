/* mount_stats: the report of a mount's counters that `.omefs/stats` shows: the network, the
 * memory and disk caches, read-ahead and reads, as JSON. */
#ifndef OME_MOUNT_STATS_H
#define OME_MOUNT_STATS_H

#include "base/stats.h"
#include "zarr/chunk_cache.h"

/* Writes a JSON object with every counter; returns its length (like snprintf). `mem` may be
 * NULL (no memory cache yet). */
int ome_mount_stats_json(const ome_stats *s, const ome_cache_stats *mem, const char *source,
                         long long mounted_at, char *out, size_t outlen);
/* What `omefs status` prints: the report (stats_json, as written above) and the log's latest
 * lines (log_text, may be NULL) as sentences for people; previous (NULL, or the report of
 * `seconds` earlier) adds the current rates. Returns the length, like snprintf. */
int ome_mount_status_text(const char *mountpoint, const char *stats_json, const char *log_text,
                          const char *previous, double seconds, char *out, size_t outlen);

#endif
