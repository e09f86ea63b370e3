/* cache: memory cache of decoded chunks for one mount. LRU, capped in bytes, thread-safe and
 * single-flight: concurrent misses on one chunk make one fetch and the others wait for it.
 * Scan-resistant: chunks that a sequential stream (cp, ImageJ loading a stack) has read past are
 * kept only in a small window and dropped first, so one pass over a large file neither flushes
 * the chunks a viewer is using nor makes the daemon grow (and fault in fresh memory) by the
 * size of the file. */
#ifndef OME_CACHE_H
#define OME_CACHE_H

#include "zarr/zarr.h"

typedef struct ome_chunk_cache ome_chunk_cache;

/* How a lookup reads: at random (a viewer, a region; kept by recency), as part of a sequential
 * stream (the reader will not come back soon), or loading ahead of such a stream. */
typedef enum { OME_ACCESS_RANDOM = 0, OME_ACCESS_STREAM, OME_ACCESS_AHEAD } ome_access;

typedef struct ome_cache_stats {
    uint64_t hits, misses, waits, evictions, bytes, entries, fetch_errors;
    uint64_t stream_bytes, stream_evictions; /* chunks a stream has read past */
    uint64_t ahead_skipped; /* chunks read-ahead left to the reader: its share was full */
    uint64_t index_bytes; /* shard indexes kept (part of bytes) */
} ome_cache_stats;

/* `pool` (may be NULL, not owned) decodes the chunks a batch fetched. */
ome_chunk_cache *ome_cache_new(size_t cap_bytes, ome_pool *pool);
void ome_cache_free(ome_chunk_cache *c);
/* Least a stream keeps of what it read past (default 32 MiB; it also keeps twice what one of
 * its reads touched). */
void ome_cache_set_stream_keep(ome_chunk_cache *c, size_t bytes);
void ome_cache_get_stats(ome_chunk_cache *c, ome_cache_stats *out);

/* Like ome_zarr_get_chunks, through the cache (which may be NULL: then it fetches directly).
 * Every chunk handed out must be given back with ome_cache_release. */
void ome_cache_get_chunks(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                          ome_zarr_chunk *chunks, size_t n);
/* The same, saying how the chunks are read (see ome_access). */
void ome_cache_get_chunks_as(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                             ome_zarr_chunk *chunks, size_t n, ome_access access);
void ome_cache_release(ome_chunk_cache *c, ome_zarr_chunk *chunk);

#endif
