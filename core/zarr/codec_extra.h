/* codec_extra: the Zarr v2 codecs that GDAL and numcodecs also write — lzma (xz and .lzma
 * streams), bz2, and the delta filter — for codec.c, which dispatches to them. */
#ifndef OME_CODEC_EXTRA_H
#define OME_CODEC_EXTRA_H

#include "base/buf.h"
#include "base/err.h"
#include "base/json_doc.h"

#include <stdbool.h>
#include <stdint.h>

/* The values the delta filter works on: 'i', 'u' or 'f', their size in bytes, byte order. */
typedef struct ome_delta_type {
    char kind;
    uint8_t size;
    bool big_endian;
} ome_delta_type;

/* Each decodes `in` into `out`, at most `limit` bytes, exactly `expected` when non-zero. */
int ome_codec_decode_lzma(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                          ome_buf *out, ome_err *err);
int ome_codec_decode_bz2(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                         ome_buf *out, ome_err *err);
int ome_codec_decode_delta(ome_delta_type t, const uint8_t *in, size_t in_len, size_t expected,
                           size_t limit, ome_buf *out, ome_err *err);
/* Reads numcodecs' {"id": "delta", "dtype": "<i4", "astype": "<i4"}. */
int ome_codec_delta_parse(json_t *obj, ome_delta_type *t, const char *where, ome_err *err);
/* Checks numcodecs' lzma settings: only the self-describing formats (xz, alone, auto) decode
 * without the filter chain. */
int ome_codec_lzma_check(json_t *obj, const char *where, ome_err *err);

#endif
