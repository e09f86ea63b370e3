/* codec_extra: lzma and bz2 through liblzma and libbz2, and numcodecs' delta filter. */
#include "zarr/codec_extra.h"

#include <bzlib.h>
#include <jansson.h>
#include <limits.h>
#include <lzma.h>
#include <string.h>

static int reserve(ome_buf *out, size_t n, ome_err *err)
{
    out->len = 0;
    if (ome_buf_reserve(out, n ? n : 1))
        return ome_err_set(err, OME_ENOMEM, "out of memory for a %zu-byte chunk", n);
    return OME_OK;
}

static int check_expected(const char *name, size_t got, size_t expected, ome_err *err)
{
    if (expected && got != expected)
        return ome_err_set(err, OME_EINVAL, "%s stream decodes to %zu bytes, expected %zu", name,
                           got, expected);
    return OME_OK;
}

int ome_codec_decode_lzma(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                          ome_buf *out, ome_err *err)
{
    /* the output never grows past limit + 1 (one byte more proves "too large") */
    size_t cap = expected ? expected + 1 : (4 * in_len + 4096 < limit ? 4 * in_len + 4096 : limit + 1);
    int rc = reserve(out, cap, err);
    if (rc)
        return rc;
    lzma_stream s = LZMA_STREAM_INIT;
    /* xz and .lzma ("alone") streams, as numcodecs' FORMAT_XZ, FORMAT_ALONE and FORMAT_AUTO
     * write them; a memory limit that no chunk-sized stream needs */
    if (lzma_auto_decoder(&s, (uint64_t)1 << 30, LZMA_CONCATENATED) != LZMA_OK)
        return ome_err_set(err, OME_ENOMEM, "lzma: cannot start the decoder");
    s.next_in = in;
    s.avail_in = in_len;
    lzma_ret r = LZMA_OK;
    while (rc == OME_OK && r == LZMA_OK) {
        if (out->len == out->cap) {
            if (out->cap > limit) {
                rc = ome_err_set(err, OME_ERANGE, "lzma stream decodes to more than %zu bytes",
                                 limit);
                break;
            }
            size_t more = out->cap < limit + 1 - out->cap ? out->cap : limit + 1 - out->cap;
            if (ome_buf_reserve(out, more)) {
                rc = ome_err_set(err, OME_ENOMEM, "out of memory");
                break;
            }
        }
        s.next_out = out->data + out->len;
        s.avail_out = out->cap - out->len;
        r = lzma_code(&s, LZMA_FINISH);
        out->len = out->cap - s.avail_out;
    }
    lzma_end(&s);
    if (rc)
        return rc;
    if (r != LZMA_STREAM_END)
        return ome_err_set(err, OME_EINVAL, "lzma stream is corrupt or truncated (liblzma code %d)",
                           (int)r);
    if (out->len > limit)
        return ome_err_set(err, OME_ERANGE, "lzma stream decodes to more than %zu bytes", limit);
    return check_expected("lzma", out->len, expected, err);
}

int ome_codec_decode_bz2(const uint8_t *in, size_t in_len, size_t expected, size_t limit,
                         ome_buf *out, ome_err *err)
{
    if (in_len > UINT_MAX || limit >= UINT_MAX)
        return ome_err_set(err, OME_ERANGE, "bz2 stream of %zu bytes is too large", in_len);
    size_t cap = expected ? expected + 1 : limit + 1;
    int rc = reserve(out, cap, err);
    if (rc)
        return rc;
    unsigned int n = (unsigned int)cap;
    int r = BZ2_bzBuffToBuffDecompress((char *)out->data, &n, (char *)(uintptr_t)in,
                                       (unsigned int)in_len, 0, 0);
    if (r == BZ_OUTBUFF_FULL || (r == BZ_OK && n > limit))
        return ome_err_set(err, OME_ERANGE, "bz2 stream decodes to more than %zu bytes",
                           expected ? expected : limit);
    if (r != BZ_OK)
        return ome_err_set(err, OME_EINVAL, "bz2 stream is corrupt or truncated (libbz2 code %d)",
                           r);
    out->len = n;
    return check_expected("bz2", n, expected, err);
}

/* A numpy type string of the delta filter ("<i4", "|u1", ">f8"): kind, size, byte order. */
static bool parse_type(const char *t, char *kind, uint8_t *size, bool *big_endian)
{
    if (!t || strlen(t) != 3 || !strchr("<>|=", t[0]) || !strchr("iuf", t[1]))
        return false;
    int n = t[2] - '0';
    if (t[1] == 'f' ? n != 4 && n != 8 : n != 1 && n != 2 && n != 4 && n != 8)
        return false;
    if (n > 1 && t[0] == '|')
        return false;
    *kind = t[1];
    *size = (uint8_t)n;
    *big_endian = t[0] == '>';
    return true;
}

int ome_codec_delta_parse(json_t *obj, ome_delta_type *c, const char *where, ome_err *err)
{
    const char *dtype = json_string_value(json_object_get(obj, "dtype"));
    json_t *as = json_object_get(obj, "astype");
    const char *astype = as && !json_is_null(as) ? json_string_value(as) : dtype;
    if (!parse_type(dtype, &c->kind, &c->size, &c->big_endian))
        return ome_err_set(err, OME_EINVAL, "%s: delta filter has no valid \"dtype\"", where);
    if (!astype || strcmp(astype + 1, dtype + 1) != 0 ||
        (c->size > 1 && astype[0] != dtype[0]))
        return ome_err_set(err, OME_EUNSUPPORTED,
                           "%s: delta filter with \"astype\" %s different from \"dtype\" %s",
                           where, astype ? astype : "?", dtype);
    return OME_OK;
}

static uint64_t load_uint(const uint8_t *p, int n, bool be)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
    return v;
}

static void store_uint(uint8_t *p, int n, bool be, uint64_t v)
{
    for (int i = 0; i < n; i++)
        p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

int ome_codec_decode_delta(ome_delta_type t, const uint8_t *in, size_t in_len, size_t expected,
                           size_t limit, ome_buf *out, ome_err *err)
{
    const ome_delta_type *c = &t;
    size_t es = c->size ? c->size : 1;
    if (in_len % es)
        return ome_err_set(err, OME_EINVAL, "delta: %zu bytes are not whole %zu-byte values",
                           in_len, es);
    if (in_len > limit)
        return ome_err_set(err, OME_ERANGE, "delta: %zu bytes (at most %zu)", in_len, limit);
    int rc = check_expected("delta", in_len, expected, err);
    if (rc || (rc = reserve(out, in_len, err)))
        return rc;
    /* the running sum, as numpy's cumsum in the filter's dtype: integers wrap around */
    uint64_t isum = 0;
    double fsum = 0;
    float f4sum = 0;
    for (size_t i = 0; i < in_len; i += es) {
        uint64_t v = load_uint(in + i, (int)es, c->big_endian);
        if (c->kind != 'f') {
            isum += v;
            store_uint(out->data + i, (int)es, c->big_endian, isum);
        } else if (es == 4) {
            uint32_t u = (uint32_t)v;
            float f;
            memcpy(&f, &u, 4);
            f4sum += f;
            memcpy(&u, &f4sum, 4);
            store_uint(out->data + i, 4, c->big_endian, u);
        } else {
            double d;
            memcpy(&d, &v, 8);
            fsum += d;
            memcpy(&v, &fsum, 8);
            store_uint(out->data + i, 8, c->big_endian, v);
        }
    }
    out->len = in_len;
    return OME_OK;
}

int ome_codec_lzma_check(json_t *obj, const char *where, ome_err *err)
{
    json_t *format = json_object_get(obj, "format");
    /* numcodecs: FORMAT_AUTO 0, FORMAT_XZ 1, FORMAT_ALONE 2, FORMAT_RAW 3 */
    if (format && !json_is_null(format) &&
        (!json_is_integer(format) || json_integer_value(format) < 0 ||
         json_integer_value(format) > 2))
        return ome_err_set(err, OME_EUNSUPPORTED,
                           "%s: lzma \"format\" %lld (raw streams need their filter chain) is "
                           "not supported",
                           where, json_is_integer(format) ? (long long)json_integer_value(format) : -1LL);
    return OME_OK;
}
