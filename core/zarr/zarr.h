/* zarr: one Zarr array — its metadata (v2 .zarray; v3 zarr.json), chunk keys, and the pipeline
 * that turns stored chunk bytes into a native-endian, C-order chunk. */
#ifndef OME_ZARR_H
#define OME_ZARR_H

#include "zarr/codec.h"
#include "zarr/dtype.h"
#include "base/pool.h"
#include "store/store.h"

#include <jansson.h>

#define OME_ZARR_MAX_DIMS 16
#define OME_ZARR_MAX_CODECS 8

typedef struct ome_zarr_array {
    char *path;  /* key prefix inside the store ("0", "labels/cells/1"); "" for the root */
    char *where; /* full URL/path of the metadata document, for messages */
    int zarr_format;
    int ndim;
    uint64_t shape[OME_ZARR_MAX_DIMS];
    uint64_t chunks[OME_ZARR_MAX_DIMS];
    ome_dtype dtype;
    bool big_endian;    /* byte order of the stored elements */
    bool transposed;    /* chunks are stored with their axes permuted (v2 order "F", v3
                           transpose): stored axis k is array axis perm[k] */
    int perm[OME_ZARR_MAX_DIMS];
    uint8_t fill[8];    /* fill value, native byte order */
    char separator;     /* '.' or '/' */
    bool key_prefix_c;  /* v3 "default" encoding: keys start with "c" */
    int ncodecs;        /* bytes-to-bytes codecs in encoding order */
    ome_codec codecs[OME_ZARR_MAX_CODECS];
    size_t chunk_nbytes; /* decoded chunk size in bytes */
    /* v3 sharding_indexed: `chunks` above are the inner chunks, stored shard_inner[d] per shard
     * along each dimension; the codecs above are the inner chunks' codecs */
    bool sharded;
    uint64_t shard_inner[OME_ZARR_MAX_DIMS];
    uint64_t inner_per_shard;
    bool index_at_start, index_big_endian, index_crc32c;
    struct ome_shard_cache *shard_cache; /* shard indexes fetched so far (zarr_shard.c) */
} ome_zarr_array;

/* Reads `path/.zarray` (or `path/zarr.json`) from the store. */
int ome_zarr_array_open(ome_store *store, const char *path, ome_zarr_array **out, ome_err *err);
/* Opens n arrays with one batch of requests per metadata kind: first every array's zarr.json
 * (v3_first) or .zarray, then the other for those that lack it. On failure none is kept. */
int ome_zarr_arrays_open(ome_store *store, const char *const *paths, int n, bool v3_first,
                         ome_zarr_array **out, ome_err *err);
/* Parses a Zarr v2 .zarray document. `where` names it in messages. */
int ome_zarr_array_parse_v2(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err);
/* Parses a Zarr v3 array document (zarr.json; zarr_v3.c). */
int ome_zarr_array_parse_v3(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err);
void ome_zarr_array_free(ome_zarr_array *a);

/* Shared by the v2 and v3 parsers. */
ome_zarr_array *ome_zarr_array_new(const char *path, const char *where);
int ome_zarr_parse_dims(json_t *arr, const char *field, uint64_t *out, int *ndim, bool positive,
                        const char *where, ome_err *err);
/* Checks the sizes (chunk bytes, total) for overflow and the chunk cap; sets chunk_nbytes. */
int ome_zarr_finish_sizes(ome_zarr_array *a, ome_err *err);

/* Number of chunks along dimension d. */
uint64_t ome_zarr_grid(const ome_zarr_array *a, int d);
/* Store key of a chunk ("0/1.0.3"); for a sharded array the shard's key and the chunk's place
 * in it ("0/c/0/1#5"). Returns OME_ERANGE when it does not fit. */
int ome_zarr_chunk_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen);
/* Store key of the shard holding inner chunk idx, and the chunk's index inside it. */
int ome_zarr_shard_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen,
                       uint64_t *pos);
/* Turns stored bytes into a decoded chunk of chunk_nbytes (native order, C layout). */
int ome_zarr_decode_chunk(const ome_zarr_array *a, const uint8_t *raw, size_t len, ome_buf *out,
                          ome_err *err);
/* Writes a whole chunk of fill value. */
void ome_zarr_fill_chunk(const ome_zarr_array *a, uint8_t *out);
/* Parses a fill value (number, "NaN", "Infinity", "-Infinity", null, hex string) for dtype. */
int ome_zarr_parse_fill(json_t *v, ome_dtype t, uint8_t out[8], const char *where, ome_err *err);

/* A decoded chunk obtained by ome_zarr_get_chunks. */
typedef struct ome_zarr_chunk {
    uint64_t idx[OME_ZARR_MAX_DIMS];
    int status;    /* OME_OK (data holds the chunk) or an error */
    uint8_t *data; /* chunk_nbytes, owned by the caller after the call */
    void *cache_ref; /* set by the chunk cache: what ome_cache_release gives back */
    ome_err err;
} ome_zarr_chunk;

/* Fetches n chunks concurrently and decodes them on the pool (NULL: in the calling thread);
 * absent chunks become fill. Each chunk gets its own status. */
void ome_zarr_get_chunks(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                         size_t n, ome_pool *pool);

/* Fetches the stored bytes of n inner chunks of a sharded array: shard indexes (one range
 * request per shard, cached), then the chunks' byte ranges, adjacent ones in one request. Each
 * request gets OME_OK and the bytes, OME_ABSENT (empty: fill) or an error (zarr_shard.c). */
void ome_zarr_shard_fetch(ome_store *store, const ome_zarr_array *a, const ome_zarr_chunk *chunks,
                          ome_store_req *reqs, size_t n);
/* Checks and decodes a shard index (inner_per_shard × (offset, nbytes), then an optional
 * CRC-32C) into 2 × inner_per_shard entries. */
int ome_zarr_shard_parse_index(const ome_zarr_array *a, const ome_buf *body, uint64_t *entries,
                               const char *where, ome_err *err);
struct ome_shard_cache *ome_shard_cache_new(void);
void ome_shard_cache_free(struct ome_shard_cache *c);

/* Helpers for JSON metadata documents shared by the format parsers. */
int ome_json_load(ome_store *store, const char *key, json_t **out, ome_err *err);
/* Parses a fetched body as JSON; `where` names it in the message when it is malformed. */
int ome_json_parse(const ome_buf *body, const char *where, json_t **out, ome_err *err);
/* Joins two key parts with '/', skipping empties. */
void ome_key_join(char *out, size_t outlen, const char *a, const char *b);
/* Multiplies with overflow detection; returns false on overflow. */
bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out);

#endif
