/* cache: memory cache of decoded chunks for one mount. LRU, capped in bytes, thread-safe and
 * single-flight: concurrent misses on one chunk make one fetch and the others wait for it. */
#ifndef OME_CACHE_H
#define OME_CACHE_H

#include "zarr.h"

typedef struct ome_chunk_cache ome_chunk_cache;

typedef struct ome_cache_stats {
    uint64_t hits, misses, waits, evictions, bytes, entries, fetch_errors;
} ome_cache_stats;

/* `pool` (may be NULL, not owned) decodes the chunks a batch fetched. */
ome_chunk_cache *ome_cache_new(size_t cap_bytes, ome_pool *pool);
void ome_cache_free(ome_chunk_cache *c);
void ome_cache_get_stats(ome_chunk_cache *c, ome_cache_stats *out);

/* Like ome_zarr_get_chunks, through the cache (which may be NULL: then it fetches directly).
 * Every chunk handed out must be given back with ome_cache_release. */
void ome_cache_get_chunks(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                          ome_zarr_chunk *chunks, size_t n);
void ome_cache_release(ome_chunk_cache *c, ome_zarr_chunk *chunk);

#endif
