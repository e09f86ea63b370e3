/* zarr: opening Zarr arrays from a store (v2 .zarray or v3 zarr.json, many at once) and the
 * pipeline that turns stored chunk bytes into native-endian, C-order chunks, fetched
 * concurrently. */
#ifndef OME_ZARR_H
#define OME_ZARR_H

#include "base/pool.h"
#include "store/disk_cache.h"
#include "store/store.h"
#include "zarr/zarr_array.h"

/* Reads `path/.zarray` (or `path/zarr.json`) from the store. */
int ome_zarr_array_open(ome_store *store, const char *path, ome_zarr_array **out, ome_err *err);
/* Opens n arrays with one batch of requests per metadata kind: first every array's zarr.json
 * (v3_first) or .zarray, then the other for those that lack it. On failure none is kept. */
int ome_zarr_arrays_open(ome_store *store, const char *const *paths, int n, bool v3_first,
                         ome_zarr_array **out, ome_err *err);

/* Turns stored bytes into a decoded chunk of chunk_nbytes (native order, C layout). */
int ome_zarr_decode_chunk(const ome_zarr_array *a, const uint8_t *raw, size_t len, ome_buf *out,
                          ome_err *err);

/* How often a chunk whose bytes do not decode is fetched again from the source. */
#define OME_ZARR_REFETCHES 3

/* Fetches n chunks concurrently and decodes them on the pool (NULL: in the calling thread);
 * absent chunks become fill. A chunk that arrives but does not decode is fetched again from the
 * source, bypassing the caches, up to OME_ZARR_REFETCHES times. Each chunk gets its own
 * status. */
void ome_zarr_get_chunks(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                         size_t n, ome_pool *pool);
/* The same; `ready` (when set) is called, in this thread, for each chunk that is final before
 * the others (decoded as its bytes came, in this thread rather than on the pool): chunks[i] is
 * then the caller's. Chunks it was not called for are final on return. */
typedef void (*ome_zarr_ready_fn)(void *ctx, size_t i);
void ome_zarr_get_chunks_ready(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                               size_t n, ome_pool *pool, ome_zarr_ready_fn ready, void *ctx);

/* What a store key holds in Zarr's layout, for the disk cache: metadata documents (.zattrs,
 * .zgroup, .zmetadata), array metadata (.zarray, zarr.json: also a group's zarr.json, which is
 * harmless), else a chunk or shard. */
ome_key_kind ome_zarr_key_kind(const char *key);

#endif
