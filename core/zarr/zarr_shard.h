/* zarr_shard: reading inner chunks of Zarr v3 sharded arrays: shard indexes (cached per array),
 * then the chunks' byte ranges. */
#ifndef OME_ZARR_SHARD_H
#define OME_ZARR_SHARD_H

#include "store/store.h"
#include "zarr/zarr_array.h"

/* Fetches the stored bytes of n inner chunks of a sharded array: shard indexes (one range
 * request per shard, cached), then the chunks' byte ranges, adjacent ones in one request. Each
 * request gets OME_OK and the bytes, OME_ABSENT (empty: fill) or an error (zarr_shard.c). */
void ome_zarr_shard_fetch(ome_store *store, const ome_zarr_array *a, const ome_zarr_chunk *chunks,
                          ome_store_req *reqs, size_t n);
/* Checks and decodes a shard index (inner_per_shard × (offset, nbytes), then an optional
 * CRC-32C) into 2 × inner_per_shard entries. */
int ome_zarr_shard_parse_index(const ome_zarr_array *a, const ome_buf *body, uint64_t *entries,
                               const char *where, ome_err *err);

#endif
