/* zarr_array: one Zarr array's description (shape, chunks, data type, codecs, sharding) as both
 * formats' parsers fill it in, its chunk keys and its fill value. */
#ifndef OME_ZARR_ARRAY_H
#define OME_ZARR_ARRAY_H

#include "base/err.h"
#include "base/json_doc.h"
#include "zarr/codec.h"
#include "zarr/dtype.h"

#include <stdbool.h>
#include <stdint.h>

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
    struct ome_shard_cache *shard_cache; /* what is known of its shards (shard_index.c) */
} ome_zarr_array;

/* A decoded chunk obtained by ome_zarr_get_chunks. */
typedef struct ome_zarr_chunk {
    uint64_t idx[OME_ZARR_MAX_DIMS];
    int status;    /* OME_OK (data holds the chunk) or an error */
    uint8_t *data; /* chunk_nbytes, owned by the caller after the call */
    void *cache_ref; /* set by the chunk cache: what ome_cache_release gives back */
    ome_err err;
} ome_zarr_chunk;

/* Shared by the v2 and v3 parsers. */
ome_zarr_array *ome_zarr_array_new(const char *path, const char *where);
int ome_zarr_parse_dims(json_t *arr, const char *field, uint64_t *out, int *ndim, bool positive,
                        const char *where, ome_err *err);
/* Checks the sizes (chunk bytes, total) for overflow and the chunk cap; sets chunk_nbytes. */
int ome_zarr_finish_sizes(ome_zarr_array *a, ome_err *err);
void ome_zarr_array_free(ome_zarr_array *a);

/* Number of chunks along dimension d. */
uint64_t ome_zarr_grid(const ome_zarr_array *a, int d);
/* Store key of a chunk ("0/1.0.3"); for a sharded array the shard's key and the chunk's place
 * in it ("0/c/0/1#5"). Returns OME_ERANGE when it does not fit. */
int ome_zarr_chunk_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen);
/* The room any chunk key of a takes, its NUL included: ome_zarr_chunk_key never fails in it. */
size_t ome_zarr_chunk_key_room(const ome_zarr_array *a);
/* The same as a new string, whatever the path's length (NULL only when out of memory). */
char *ome_zarr_chunk_key_dup(const ome_zarr_array *a, const uint64_t *idx);
/* Store key of the shard holding inner chunk idx, and the chunk's index inside it. */
int ome_zarr_shard_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen,
                       uint64_t *pos);
/* Writes a whole chunk of fill value. */
void ome_zarr_fill_chunk(const ome_zarr_array *a, uint8_t *out);
/* Parses a fill value (number, "NaN", "Infinity", "-Infinity", null, hex string) for dtype. */
int ome_zarr_parse_fill(json_t *v, ome_dtype t, uint8_t out[8], const char *where, ome_err *err);

/* The most bytes one encoded chunk of `a` can take: its decoded size plus the codecs' worst
 * overhead (no codec grows data by more than 1/8 plus a header, and a chunk with no codec is
 * exactly its size). A server's answer above it is cut off. */
uint64_t ome_zarr_max_encoded(const ome_zarr_array *a);

#endif
