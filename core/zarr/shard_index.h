/* shard_index: finding the index entries (offset, nbytes) of the inner chunks a batch reads,
 * shard by shard, within bounded memory. An index up to SHARD_INDEX_WHOLE_MAX bytes is fetched
 * whole (one range request) and kept in the array's shard_index_cache; a larger one is never
 * held: its checksum, when it has one, is verified once by reading it in pieces (by one reader
 * at a time: others wait for it), and the entries wanted are read as small byte ranges. */
#ifndef OME_SHARD_INDEX_H
#define OME_SHARD_INDEX_H

#include "store/store.h"
#include "zarr/zarr_array.h"

/* Largest index fetched whole and kept. */
#define SHARD_INDEX_WHOLE_MAX ((uint64_t)1 << 20)

/* One inner chunk wanted: its position in its shard, then its entry. */
typedef struct {
    uint64_t pos;
    uint64_t off, len; /* set by ome_shard_index_locate; both all ones: empty (fill) */
    size_t chunk;      /* the caller's own */
} ome_shard_want;

/* One shard of a batch: its key, its wanted chunks want[first .. first + count) sorted by
 * position; then whether it is absent (every chunk fill) or failed. */
typedef struct {
    char key[1024];
    size_t first, count;
    bool absent, failed;
    ome_err err;
} ome_shard_ref;

/* Sets the entries of every wanted chunk of shards that are neither absent nor failed. */
void ome_shard_index_locate(ome_store *store, const ome_zarr_array *a, ome_shard_ref *shards,
                            size_t nshards, ome_shard_want *want);
/* Checks and decodes a whole shard index (inner_per_shard × (offset, nbytes), then an optional
 * CRC-32C) into 2 × inner_per_shard entries. */
int ome_zarr_shard_parse_index(const ome_zarr_array *a, const ome_buf *body, uint64_t *entries,
                               const char *where, ome_err *err);
/* Whether an entry is empty or in range for the array; an error naming `where` otherwise. */
int ome_shard_index_check_entry(const ome_zarr_array *a, uint64_t i, uint64_t off, uint64_t len,
                                const char *where, ome_err *err);

#endif
