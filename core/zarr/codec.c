/* codec: blosc, zlib, gzip, zstd, lz4 and crc32c decoding with size validation; the others
 * (codec_extra.c) dispatched from here. */
#include "zarr/codec.h"

#include "base/crc32c.h"

#include <jansson.h>

#include <blosc.h>
#include <bzlib.h>
#include <lzma.h>
#include <stdio.h>
#include <lz4.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static const struct {
    ome_codec_kind kind;
    const char *name;
} codec_names[] = {
    {OME_CODEC_BLOSC, "blosc"}, {OME_CODEC_ZLIB, "zlib"}, {OME_CODEC_GZIP, "gzip"},
    {OME_CODEC_ZSTD, "zstd"},   {OME_CODEC_LZ4, "lz4"},   {OME_CODEC_CRC32C, "crc32c"},
    {OME_CODEC_LZMA, "lzma"},   {OME_CODEC_BZ2, "bz2"},   {OME_CODEC_DELTA, "delta"},
};

const char *ome_codec_name(ome_codec_kind kind)
{
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
        if (codec_names[i].kind == kind)
            return codec_names[i].name;
    return "?";
}

static int codec_by_name(const char *name, ome_codec *out)
{
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++) {
        if (strcmp(codec_names[i].name, name) == 0) {
            out->kind = codec_names[i].kind;
            return OME_OK;
        }
    }
    return OME_EUNSUPPORTED;
}

int ome_codec_from_v2(json_t *obj, ome_codec *out, const char *where, ome_err *err)
{
    if (!json_is_object(obj))
        return ome_err_set(err, OME_EINVAL, "%s: compressor/filter is not an object", where);
    const char *id = json_string_value(json_object_get(obj, "id"));
    if (!id)
        return ome_err_set(err, OME_EINVAL, "%s: codec has no string \"id\"", where);
    memset(out, 0, sizeof *out);
    if (strcmp(id, "crc32c") == 0 || codec_by_name(id, out) != OME_OK)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported codec \"%s\"", where, id);
    if (out->kind == OME_CODEC_DELTA)
        return ome_codec_delta_parse(obj, &out->delta, where, err);
    if (out->kind == OME_CODEC_LZMA)
        return ome_codec_lzma_check(obj, where, err);
    return OME_OK;
}

int ome_codec_from_v3(const char *name, json_t *config, ome_codec *out, const char *where,
                      ome_err *err)
{
    (void)config; /* decoding needs no parameters: every frame describes itself */
    memset(out, 0, sizeof *out);
    if (strcmp(name, "lz4") == 0 || strcmp(name, "zlib") == 0 || codec_by_name(name, out) ||
        out->kind >= OME_CODEC_LZMA) /* no v3 codec of these names */
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported codec \"%s\"", where, name);
    return OME_OK;
}

static int out_size(ome_buf *out, size_t n, ome_err *err)
{
    out->len = 0;
    if (ome_buf_reserve(out, n ? n : 1))
        return ome_err_set(err, OME_ENOMEM, "out of memory for a %zu-byte chunk", n);
    return OME_OK;
}

static int decode_blosc(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                        ome_buf *out, ome_err *err)
{
    size_t nbytes = 0, cbytes = 0, blocksize = 0;
    if (in_len < BLOSC_MIN_HEADER_LENGTH)
        return ome_err_set(err, OME_EINVAL, "blosc frame of %zu bytes is shorter than its header",
                           in_len);
    blosc_cbuffer_sizes(in, &nbytes, &cbytes, &blocksize);
    if (cbytes != in_len)
        return ome_err_set(err, OME_EINVAL, "blosc frame says %zu bytes but %zu were read",
                           cbytes, in_len);
    if (blosc_cbuffer_validate(in, in_len, &nbytes) != 0)
        return ome_err_set(err, OME_EINVAL, "blosc frame header is invalid");
    if (expected && nbytes != expected)
        return ome_err_set(err, OME_EINVAL, "blosc frame decodes to %zu bytes, expected %zu",
                           nbytes, expected);
    if (nbytes > limit)
        return ome_err_set(err, OME_ERANGE, "blosc frame claims %zu bytes (at most %zu)", nbytes,
                           limit);
    int rc = out_size(out, nbytes, err);
    if (rc)
        return rc;
    int n = blosc_decompress_ctx(in, out->data, out->cap, 1);
    if (n < 0 || (size_t)n != nbytes)
        return ome_err_set(err, OME_EINVAL, "blosc frame is corrupt (decompressor returned %d)", n);
    out->len = (size_t)n;
    return OME_OK;
}

/* zlib (windowBits 15) or gzip (windowBits 31) streams. */
static int decode_inflate(const uint8_t *in, size_t in_len, size_t expected, size_t max_len,
                          int window_bits, ome_buf *out, ome_err *err)
{
    const char *what = window_bits == 31 ? "gzip" : "zlib";
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, window_bits) != Z_OK)
        return ome_err_set(err, OME_ENOMEM, "%s: cannot initialise", what);
    size_t limit = expected ? expected : max_len;
    size_t guess = 4 * in_len + 1024;
    int rc = out_size(out, expected ? expected : guess < limit ? guess : limit, err);
    int zrc = Z_OK;
    zs.next_in = (Bytef *)in;
    while (rc == OME_OK) {
        size_t chunk_in = in_len - (size_t)((const uint8_t *)zs.next_in - in);
        zs.avail_in = chunk_in > UINT32_MAX ? UINT32_MAX : (uInt)chunk_in;
        if (out->len == out->cap) {
            if (out->cap >= limit + 1) {
                rc = ome_err_set(err, OME_EINVAL, "%s stream decodes to more than %zu bytes",
                                 what, limit);
                break;
            }
            if (ome_buf_reserve(out, out->cap)) {
                rc = ome_err_set(err, OME_ENOMEM, "%s: out of memory", what);
                break;
            }
        }
        /* Allow one byte beyond the limit so an overlong stream is detected. */
        size_t room = out->cap - out->len;
        if (out->len + room > limit + 1)
            room = limit + 1 - out->len;
        zs.next_out = out->data + out->len;
        zs.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        uInt before = zs.avail_out;
        zrc = inflate(&zs, Z_NO_FLUSH);
        out->len += before - zs.avail_out;
        if (zrc == Z_STREAM_END)
            break;
        if (zrc == Z_BUF_ERROR && zs.avail_in == 0) {
            rc = ome_err_set(err, OME_EINVAL, "%s stream is truncated", what);
            break;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = ome_err_set(err, OME_EINVAL, "%s stream is corrupt (%s)", what,
                             zs.msg ? zs.msg : "inflate failed");
            break;
        }
        if (out->len > limit) {
            rc = ome_err_set(err, OME_EINVAL, "%s stream decodes to more than %zu bytes", what,
                             limit);
            break;
        }
    }
    inflateEnd(&zs);
    if (rc == OME_OK && expected && out->len != expected)
        rc = ome_err_set(err, OME_EINVAL, "%s stream decodes to %zu bytes, expected %zu", what,
                         out->len, expected);
    return rc;
}

static int decode_zstd(const uint8_t *in, size_t in_len, size_t expected, size_t max_len,
                       ome_buf *out, ome_err *err)
{
    unsigned long long content = ZSTD_getFrameContentSize(in, in_len);
    if (content == ZSTD_CONTENTSIZE_ERROR)
        return ome_err_set(err, OME_EINVAL, "zstd frame header is invalid");
    size_t limit = expected;
    if (content != ZSTD_CONTENTSIZE_UNKNOWN) {
        if (expected && content != expected)
            return ome_err_set(err, OME_EINVAL, "zstd frame decodes to %llu bytes, expected %zu",
                               content, expected);
        if (content > max_len)
            return ome_err_set(err, OME_ERANGE, "zstd frame claims %llu bytes (at most %zu)",
                               content, max_len);
        limit = (size_t)content;
    } else if (!expected) {
        /* Stream without a size: decode by streaming with a growing buffer. */
        ZSTD_DStream *ds = ZSTD_createDStream();
        if (!ds)
            return ome_err_set(err, OME_ENOMEM, "zstd: out of memory");
        size_t guess = 4 * in_len + 1024;
        int rc = out_size(out, guess < max_len ? guess : max_len, err);
        ZSTD_inBuffer ib = {in, in_len, 0};
        size_t zr = 1;
        while (rc == OME_OK && (ib.pos < ib.size || zr != 0)) {
            if (out->len == out->cap) {
                if (out->cap >= max_len || ome_buf_reserve(out, out->cap)) {
                    rc = ome_err_set(err, OME_ERANGE, "zstd stream too large");
                    break;
                }
            }
            ZSTD_outBuffer ob = {out->data + out->len, out->cap - out->len, 0};
            zr = ZSTD_decompressStream(ds, &ob, &ib);
            out->len += ob.pos;
            if (ZSTD_isError(zr))
                rc = ome_err_set(err, OME_EINVAL, "zstd stream is corrupt (%s)",
                                 ZSTD_getErrorName(zr));
            else if (ob.pos == 0 && ib.pos == ib.size && zr != 0)
                rc = ome_err_set(err, OME_EINVAL, "zstd stream is truncated");
        }
        ZSTD_freeDStream(ds);
        return rc;
    }
    int rc = out_size(out, limit, err);
    if (rc)
        return rc;
    size_t n = ZSTD_decompress(out->data, limit, in, in_len);
    if (ZSTD_isError(n))
        return ome_err_set(err, OME_EINVAL, "zstd frame is corrupt (%s)", ZSTD_getErrorName(n));
    if (expected && n != expected)
        return ome_err_set(err, OME_EINVAL, "zstd frame decodes to %zu bytes, expected %zu", n,
                           expected);
    out->len = n;
    return OME_OK;
}

static int decode_lz4(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                      ome_buf *out, ome_err *err)
{
    if (in_len < 4)
        return ome_err_set(err, OME_EINVAL, "lz4 frame of %zu bytes has no size header", in_len);
    uint32_t n = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
                 (uint32_t)in[3] << 24;
    if (expected && n != expected)
        return ome_err_set(err, OME_EINVAL, "lz4 frame says %u bytes, expected %zu", n, expected);
    if (n > limit || n > (uint32_t)INT32_MAX || in_len - 4 > (size_t)INT32_MAX)
        return ome_err_set(err, OME_ERANGE, "lz4 frame claims %u bytes", n);
    int rc = out_size(out, n, err);
    if (rc)
        return rc;
    int got = LZ4_decompress_safe((const char *)in + 4, (char *)out->data, (int)(in_len - 4),
                                  (int)n);
    if (got < 0 || (uint32_t)got != n)
        return ome_err_set(err, OME_EINVAL, "lz4 block is corrupt or truncated");
    out->len = n;
    return OME_OK;
}

static int decode_crc32c(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                         ome_buf *out, ome_err *err)
{
    if (in_len < 4)
        return ome_err_set(err, OME_EINVAL, "crc32c: %zu bytes cannot hold a checksum", in_len);
    size_t n = in_len - 4;
    if (expected && n != expected)
        return ome_err_set(err, OME_EINVAL, "crc32c payload is %zu bytes, expected %zu", n,
                           expected);
    if (n > limit)
        return ome_err_set(err, OME_ERANGE, "crc32c payload of %zu bytes (at most %zu)", n, limit);
    uint32_t stored = (uint32_t)in[n] | (uint32_t)in[n + 1] << 8 | (uint32_t)in[n + 2] << 16 |
                      (uint32_t)in[n + 3] << 24;
    if (ome_crc32c(in, n) != stored)
        return ome_err_set(err, OME_EINVAL, "crc32c checksum mismatch");
    int rc = out_size(out, n, err);
    if (rc)
        return rc;
    memcpy(out->data, in, n);
    out->len = n;
    return OME_OK;
}

static int decode(const ome_codec *c, const uint8_t *in, size_t in_len, size_t expected,
                  size_t limit, ome_buf *out, ome_err *err)
{
    switch (c->kind) {
    case OME_CODEC_BLOSC: return decode_blosc(in, in_len, expected, limit, out, err);
    case OME_CODEC_ZLIB: return decode_inflate(in, in_len, expected, limit, 15, out, err);
    case OME_CODEC_GZIP: return decode_inflate(in, in_len, expected, limit, 31, out, err);
    case OME_CODEC_ZSTD: return decode_zstd(in, in_len, expected, limit, out, err);
    case OME_CODEC_LZ4: return decode_lz4(in, in_len, expected, limit, out, err);
    case OME_CODEC_CRC32C: return decode_crc32c(in, in_len, expected, limit, out, err);
    case OME_CODEC_LZMA: return ome_codec_decode_lzma(in, in_len, expected, limit, out, err);
    case OME_CODEC_BZ2: return ome_codec_decode_bz2(in, in_len, expected, limit, out, err);
    case OME_CODEC_DELTA:
        return ome_codec_decode_delta(c->delta, in, in_len, expected, limit, out, err);
    }
    return ome_err_set(err, OME_EUNSUPPORTED, "unknown codec");
}

int ome_codec_decode(const ome_codec *c, const uint8_t *in, size_t in_len, size_t expected,
                     ome_buf *out, ome_err *err)
{
    return decode(c, in, in_len, expected, expected ? expected : OME_MAX_CHUNK_BYTES, out, err);
}

int ome_codec_decode_at_most(const ome_codec *c, const uint8_t *in, size_t in_len,
                             size_t max_len, ome_buf *out, ome_err *err)
{
    return decode(c, in, in_len, 0, max_len < OME_MAX_CHUNK_BYTES ? max_len : OME_MAX_CHUNK_BYTES,
                  out, err);
}

void ome_codec_library_versions(char *out, size_t len)
{
    const char *bz = BZ2_bzlibVersion(); /* "1.0.8, 13-Jul-2019" */
    snprintf(out, len, "c-blosc %s, zstd %s, lz4 %s, zlib %s, liblzma %s, libbz2 %.*s",
             blosc_get_version_string(), ZSTD_versionString(), LZ4_versionString(), zlibVersion(),
             lzma_version_string(), (int)strcspn(bz, ","), bz);
}
