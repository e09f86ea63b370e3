/* zarr_shard: reading inner chunks of Zarr v3 sharded arrays: their shard index entries
 * (shard_index.h), then their byte ranges. */
#ifndef OME_ZARR_SHARD_H
#define OME_ZARR_SHARD_H

#include "store/store.h"
#include "zarr/zarr_array.h"

/* Fetches the stored bytes of n inner chunks of a sharded array: their index entries (small
 * indexes fetched whole and cached, large ones read in parts), then the chunks' byte ranges,
 * adjacent ones in one request. Each request gets OME_OK and the bytes, OME_ABSENT (empty:
 * fill) or an error (zarr_shard.c). */
void ome_zarr_shard_fetch(ome_store *store, const ome_zarr_array *a, const ome_zarr_chunk *chunks,
                          ome_store_req *reqs, size_t n);

#endif
