/* zarr_array: array descriptions: dimensions, fill values, sizes, chunk keys. */
#include "zarr/zarr_array.h"

#include "base/key.h"
#include "zarr/shard_index_cache.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ome_zarr_parse_dims(json_t *arr, const char *field, uint64_t *out, int *ndim,
                        bool positive, const char *where, ome_err *err)
{
    if (!json_is_array(arr))
        return ome_err_set(err, OME_EINVAL, "%s: \"%s\" is missing or not a list", where, field);
    size_t n = json_array_size(arr);
    if (n > OME_ZARR_MAX_DIMS)
        return ome_err_set(err, OME_ERANGE, "%s: \"%s\" has %zu dimensions (at most %d)", where,
                           field, n, OME_ZARR_MAX_DIMS);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < (positive ? 1 : 0))
            return ome_err_set(err, OME_EINVAL, "%s: \"%s\"[%zu] is not a %s integer", where,
                               field, i, positive ? "positive" : "non-negative");
        out[i] = (uint64_t)json_integer_value(v);
    }
    *ndim = (int)n;
    return OME_OK;
}

static void store_fill(ome_dtype t, double d, long long ll, bool use_int, uint8_t out[8])
{
    memset(out, 0, 8);
    switch (t) {
    case OME_DT_U8: { uint8_t v = (uint8_t)ll; memcpy(out, &v, 1); break; }
    case OME_DT_I8: { int8_t v = (int8_t)ll; memcpy(out, &v, 1); break; }
    case OME_DT_U16: { uint16_t v = (uint16_t)ll; memcpy(out, &v, 2); break; }
    case OME_DT_I16: { int16_t v = (int16_t)ll; memcpy(out, &v, 2); break; }
    case OME_DT_U32: { uint32_t v = (uint32_t)ll; memcpy(out, &v, 4); break; }
    case OME_DT_I32: { int32_t v = (int32_t)ll; memcpy(out, &v, 4); break; }
    case OME_DT_U64: { uint64_t v = (uint64_t)ll; memcpy(out, &v, 8); break; }
    case OME_DT_I64: { int64_t v = (int64_t)ll; memcpy(out, &v, 8); break; }
    case OME_DT_F32: { float v = use_int ? (float)ll : (float)d; memcpy(out, &v, 4); break; }
    case OME_DT_F64: { double v = use_int ? (double)ll : d; memcpy(out, &v, 8); break; }
    default: break;
    }
}

int ome_zarr_parse_fill(json_t *v, ome_dtype t, uint8_t out[8], const char *where, ome_err *err)
{
    memset(out, 0, 8);
    if (!v || json_is_null(v))
        return OME_OK;
    if (json_is_integer(v)) {
        store_fill(t, 0, json_integer_value(v), true, out);
        return OME_OK;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!ome_dtype_is_float(t)) {
            if (d != floor(d) || fabs(d) > 9.2e18)
                return ome_err_set(err, OME_EINVAL, "%s: fill_value %g is not an integer", where,
                                   d);
            store_fill(t, 0, (long long)d, true, out);
        } else {
            store_fill(t, d, 0, false, out);
        }
        return OME_OK;
    }
    if (json_is_boolean(v)) {
        store_fill(t, 0, json_is_true(v) ? 1 : 0, true, out);
        return OME_OK;
    }
    const char *s = json_string_value(v);
    if (!s)
        return ome_err_set(err, OME_EINVAL, "%s: fill_value has an unexpected type", where);
    if (ome_dtype_is_float(t)) {
        double d;
        if (strcmp(s, "NaN") == 0)
            d = NAN;
        else if (strcmp(s, "Infinity") == 0)
            d = INFINITY;
        else if (strcmp(s, "-Infinity") == 0)
            d = -INFINITY;
        else if (strncmp(s, "0x", 2) == 0 && strlen(s) == 2 + 2 * ome_dtype_size(t)) {
            /* Zarr v3: the raw bits, big-endian hex. */
            uint64_t bits = strtoull(s + 2, NULL, 16);
            if (t == OME_DT_F32) {
                uint32_t b32 = (uint32_t)bits;
                memcpy(out, &b32, 4);
            } else {
                memcpy(out, &bits, 8);
            }
            return OME_OK;
        } else
            return ome_err_set(err, OME_EINVAL, "%s: fill_value \"%s\" is not understood", where,
                               s);
        store_fill(t, d, 0, false, out);
        return OME_OK;
    }
    return ome_err_set(err, OME_EINVAL, "%s: fill_value \"%s\" is not valid for %s", where, s,
                       ome_dtype_name(t));
}

int ome_zarr_finish_sizes(ome_zarr_array *a, ome_err *err)
{
    uint64_t n = ome_dtype_size(a->dtype);
    for (int d = 0; d < a->ndim; d++) {
        if (!ome_mul_u64(n, a->chunks[d], &n) || n > OME_MAX_CHUNK_BYTES)
            return ome_err_set(err, OME_ERANGE, "%s: a chunk would exceed %zu bytes", a->where,
                               (size_t)OME_MAX_CHUNK_BYTES);
    }
    uint64_t total = ome_dtype_size(a->dtype);
    for (int d = 0; d < a->ndim; d++)
        if (!ome_mul_u64(total, a->shape[d], &total))
            return ome_err_set(err, OME_ERANGE, "%s: array size overflows 64 bits", a->where);
    a->chunk_nbytes = (size_t)n;
    return OME_OK;
}

ome_zarr_array *ome_zarr_array_new(const char *path, const char *where)
{
    ome_zarr_array *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->path = strdup(path);
    a->where = strdup(where);
    if (!a->path || !a->where) {
        ome_zarr_array_free(a);
        return NULL;
    }
    return a;
}

void ome_zarr_array_free(ome_zarr_array *a)
{
    if (!a)
        return;
    ome_shard_cache_free(a->shard_cache);
    free(a->path);
    free(a->where);
    free(a);
}

uint64_t ome_zarr_grid(const ome_zarr_array *a, int d)
{
    return a->shape[d] / a->chunks[d] + (a->shape[d] % a->chunks[d] ? 1 : 0);
}

/* Appends to a key being built in out[0..outlen): false when it would not fit (with its NUL).
 * Keys are made for every chunk looked up, so without printf. */
typedef struct {
    char *out;
    size_t len, cap;
} key_builder;

static bool key_put(key_builder *k, const char *s, size_t n)
{
    if (n >= k->cap - k->len)
        return false;
    memcpy(k->out + k->len, s, n);
    k->len += n;
    k->out[k->len] = '\0';
    return true;
}

static bool key_put_u64(key_builder *k, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return key_put(k, digits + sizeof digits - n, n);
}

/* Key of the object at grid position idx (a chunk, or a shard of a sharded array). */
static int object_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen)
{
    key_builder k = {out, 0, outlen};
    if (outlen == 0)
        return OME_ERANGE;
    out[0] = '\0';
    bool ok = !a->path[0] || (key_put(&k, a->path, strlen(a->path)) && key_put(&k, "/", 1));
    if (ok && a->key_prefix_c)
        ok = key_put(&k, "c", 1) && (a->ndim == 0 || key_put(&k, &a->separator, 1));
    if (ok && a->ndim == 0 && !a->key_prefix_c)
        ok = key_put(&k, "0", 1);
    for (int d = 0; ok && d < a->ndim; d++)
        ok = (d == 0 || key_put(&k, &a->separator, 1)) && key_put_u64(&k, idx[d]);
    return ok ? OME_OK : OME_ERANGE;
}

int ome_zarr_shard_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen,
                       uint64_t *pos)
{
    uint64_t shard[OME_ZARR_MAX_DIMS] = {0}, p = 0;
    for (int d = 0; d < a->ndim; d++) {
        shard[d] = idx[d] / a->shard_inner[d];
        p = p * a->shard_inner[d] + idx[d] % a->shard_inner[d]; /* C order inside the shard */
    }
    *pos = p;
    return object_key(a, shard, out, outlen);
}

int ome_zarr_chunk_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen)
{
    if (!a->sharded)
        return object_key(a, idx, out, outlen);
    uint64_t pos;
    int rc = ome_zarr_shard_key(a, idx, out, outlen, &pos);
    key_builder k = {out, strlen(out), outlen};
    if (rc == OME_OK && !(key_put(&k, "#", 1) && key_put_u64(&k, pos)))
        rc = OME_ERANGE;
    return rc;
}

void ome_zarr_fill_chunk(const ome_zarr_array *a, uint8_t *out)
{
    size_t es = ome_dtype_size(a->dtype);
    size_t n = a->chunk_nbytes / es;
    bool zero = true;
    for (size_t i = 0; i < es; i++)
        zero = zero && a->fill[i] == 0;
    if (zero) {
        memset(out, 0, a->chunk_nbytes);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * es, a->fill, es);
}


size_t ome_zarr_chunk_key_room(const ome_zarr_array *a)
{
    /* the path, "/c/", every index in decimal with its separator, a shard's "#position" */
    return strlen(a->path) + 4 + (size_t)(a->ndim + 1) * 22;
}

char *ome_zarr_chunk_key_dup(const ome_zarr_array *a, const uint64_t *idx)
{
    size_t len = ome_zarr_chunk_key_room(a);
    char *key = malloc(len);
    if (key && ome_zarr_chunk_key(a, idx, key, len) != OME_OK) {
        free(key);
        key = NULL;
    }
    return key;
}

uint64_t ome_zarr_max_encoded(const ome_zarr_array *a)
{
    uint64_t n = a->chunk_nbytes;
    return a->ncodecs ? n + n / 8 + 65536 : n;
}
