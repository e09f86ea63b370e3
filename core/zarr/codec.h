/* codec: bytes-to-bytes decoders (blosc, zlib, gzip, zstd, lz4, crc32c; lzma, bz2 and delta in
 * codec_extra) through the real
 * libraries, with every size a frame claims checked against what the array expects. */
#ifndef OME_CODEC_H
#define OME_CODEC_H

#include "base/buf.h"
#include "base/err.h"
#include "base/json_doc.h"
#include "zarr/codec_extra.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ome_codec_kind {
    OME_CODEC_BLOSC = 1,
    OME_CODEC_ZLIB,
    OME_CODEC_GZIP,
    OME_CODEC_ZSTD,
    OME_CODEC_LZ4,    /* numcodecs framing: uint32le decoded size + LZ4 block */
    OME_CODEC_CRC32C, /* Zarr v3: payload + uint32le CRC-32C */
    OME_CODEC_LZMA,   /* xz or .lzma stream (codec_extra.c) */
    OME_CODEC_BZ2,
    OME_CODEC_DELTA,  /* numcodecs' delta filter: differences of consecutive values */
} ome_codec_kind;

typedef struct ome_codec {
    ome_codec_kind kind;
    ome_delta_type delta; /* the delta filter's values */
} ome_codec;

/* Largest decoded chunk omefs accepts (bounds allocations driven by outside data). */
#define OME_MAX_CHUNK_BYTES ((size_t)1 << 31)

/* Parses a Zarr v2 compressor/filter object ({"id": "blosc", ...}). `where` names the document
 * for error messages. */
int ome_codec_from_v2(json_t *obj, ome_codec *out, const char *where, ome_err *err);
/* Parses a Zarr v3 bytes-to-bytes codec by name ("blosc", "gzip", "zstd", "crc32c"). */
int ome_codec_from_v3(const char *name, json_t *config, ome_codec *out, const char *where,
                      ome_err *err);
const char *ome_codec_name(ome_codec_kind kind);
/* The codec libraries' versions ("c-blosc 1.21.3, zstd 1.5.4, …"), for --version. */
void ome_codec_library_versions(char *out, size_t len);

/* Decodes `in` into `out` (replacing its contents). When `expected` is non-zero the output must
 * be exactly that long; otherwise it is bounded by OME_MAX_CHUNK_BYTES. */
int ome_codec_decode(const ome_codec *c, const uint8_t *in, size_t in_len, size_t expected,
                     ome_buf *out, ome_err *err);
/* For a step whose output size is not known (inside a chain of codecs): the output may be any
 * size up to max_len, whatever the frame claims — a tiny frame cannot make omefs allocate
 * gigabytes. */
int ome_codec_decode_at_most(const ome_codec *c, const uint8_t *in, size_t in_len,
                             size_t max_len, ome_buf *out, ome_err *err);


#endif
