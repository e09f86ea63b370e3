/* zarr: Zarr array metadata (v2), chunk keys and the chunk decoding pipeline. */
#include "zarr/zarr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

void ome_key_join(char *out, size_t outlen, const char *a, const char *b)
{
    if (!a[0])
        snprintf(out, outlen, "%s", b);
    else if (!b[0])
        snprintf(out, outlen, "%s", a);
    else
        snprintf(out, outlen, "%s/%s", a, b);
}

int ome_json_parse(const ome_buf *body, const char *where, json_t **out, ome_err *err)
{
    json_error_t je;
    *out = json_loadb((const char *)body->data, body->len, 0, &je);
    if (!*out)
        return ome_err_set(err, OME_EINVAL, "%s: malformed JSON at line %d: %s", where, je.line,
                           je.text);
    return OME_OK;
}

int ome_json_load(ome_store *store, const char *key, json_t **out, ome_err *err)
{
    ome_buf body = {0};
    int rc = ome_store_get(store, key, &body, err);
    char where[4096];
    ome_store_describe(store, key, where, sizeof where);
    if (rc == OME_ABSENT) {
        ome_buf_free(&body);
        ome_err_set(err, OME_ABSENT, "%s: not found", where);
        return OME_ABSENT;
    }
    if (rc == OME_OK)
        rc = ome_json_parse(&body, where, out, err);
    ome_buf_free(&body);
    return rc;
}

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

int ome_zarr_array_parse_v2(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err)
{
    if (!json_is_object(doc))
        return ome_err_set(err, OME_EINVAL, "%s: not a JSON object", where);
    json_t *fmt = json_object_get(doc, "zarr_format");
    if (fmt && (!json_is_integer(fmt) || json_integer_value(fmt) != 2))
        return ome_err_set(err, OME_EINVAL, "%s: zarr_format is not 2", where);
    ome_zarr_array *a = ome_zarr_array_new(path, where);
    if (!a)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    a->zarr_format = 2;
    int rc, nchunks = 0;
    if ((rc = ome_zarr_parse_dims(json_object_get(doc, "shape"), "shape", a->shape, &a->ndim, false,
                                  where, err)) ||
        (rc = ome_zarr_parse_dims(json_object_get(doc, "chunks"), "chunks", a->chunks, &nchunks,
                                  true, where, err)))
        goto fail;
    if (nchunks != a->ndim) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"chunks\" has %d dimensions but \"shape\" has %d",
                         where, nchunks, a->ndim);
        goto fail;
    }
    json_t *dt = json_object_get(doc, "dtype");
    if (!json_is_string(dt)) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"dtype\" is missing or not a string", where);
        goto fail;
    }
    a->dtype = ome_dtype_parse_v2(json_string_value(dt), &a->big_endian);
    if (a->dtype == OME_DT_NONE) {
        rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported dtype \"%s\"", where,
                         json_string_value(dt));
        goto fail;
    }
    json_t *order = json_object_get(doc, "order");
    const char *ord = order ? json_string_value(order) : "C";
    if (!ord || (strcmp(ord, "C") && strcmp(ord, "F"))) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"order\" must be \"C\" or \"F\"", where);
        goto fail;
    }
    a->transposed = ord[0] == 'F' && a->ndim > 1; /* Fortran order: the axes reversed */
    for (int d = 0; d < a->ndim; d++)
        a->perm[d] = a->transposed ? a->ndim - 1 - d : d;
    json_t *sep = json_object_get(doc, "dimension_separator");
    a->separator = '.';
    if (sep && !json_is_null(sep)) {
        const char *s = json_string_value(sep);
        if (!s || (strcmp(s, ".") && strcmp(s, "/"))) {
            rc = ome_err_set(err, OME_EINVAL, "%s: \"dimension_separator\" must be \".\" or \"/\"",
                             where);
            goto fail;
        }
        a->separator = s[0];
    }
    json_t *filters = json_object_get(doc, "filters");
    if (filters && !json_is_null(filters)) {
        if (!json_is_array(filters)) {
            rc = ome_err_set(err, OME_EINVAL, "%s: \"filters\" is not a list", where);
            goto fail;
        }
        if (json_array_size(filters) > 0) {
            const char *id = json_string_value(json_object_get(json_array_get(filters, 0), "id"));
            rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported filter \"%s\"", where,
                             id ? id : "?");
            goto fail;
        }
    }
    json_t *comp = json_object_get(doc, "compressor");
    if (comp && !json_is_null(comp)) {
        if ((rc = ome_codec_from_v2(comp, &a->codecs[0], where, err)))
            goto fail;
        a->ncodecs = 1;
    }
    if ((rc = ome_zarr_parse_fill(json_object_get(doc, "fill_value"), a->dtype, a->fill, where,
                                  err)) ||
        (rc = ome_zarr_finish_sizes(a, err)))
        goto fail;
    *out = a;
    return OME_OK;
fail:
    ome_zarr_array_free(a);
    return rc;
}

/* One round of ome_zarr_arrays_open: asks for `doc` of every array still pending (pending[i]),
 * in one batch; parses what is found and leaves pending what is absent. */
static int arrays_round(ome_store *store, const char *const *paths, int n, const char *doc,
                        bool *pending, ome_zarr_array **out, ome_err *err)
{
    ome_store_req *reqs = calloc((size_t)n, sizeof *reqs);
    char(*keys)[2048] = calloc((size_t)n, sizeof *keys);
    int *which = calloc((size_t)n, sizeof *which), m = 0, rc = OME_OK;
    if (!reqs || !keys || !which)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int i = 0; rc == OME_OK && i < n; i++)
        if (pending[i]) {
            ome_key_join(keys[m], sizeof keys[m], paths[i], doc);
            reqs[m] = (ome_store_req){.key = keys[m], .range = OME_RANGE_ALL};
            which[m++] = i;
        }
    if (rc == OME_OK && m)
        store->ops->get_many(store, reqs, (size_t)m);
    bool v3 = strcmp(doc, "zarr.json") == 0;
    for (int k = 0; rc == OME_OK && k < m; k++) {
        ome_store_req *r = &reqs[k];
        if (r->status == OME_ABSENT)
            continue;
        if (r->status < 0) {
            *err = r->err;
            rc = r->status;
            break;
        }
        char where[4096];
        ome_store_describe(store, keys[k], where, sizeof where);
        json_t *json;
        if ((rc = ome_json_parse(&r->body, where, &json, err)))
            break;
        int i = which[k];
        rc = v3 ? ome_zarr_array_parse_v3(json, paths[i], where, &out[i], err)
                : ome_zarr_array_parse_v2(json, paths[i], where, &out[i], err);
        json_decref(json);
        pending[i] = false;
    }
    if (reqs)
        ome_store_reqs_free(reqs, (size_t)m);
    free(reqs), free(keys), free(which);
    return rc;
}

int ome_zarr_arrays_open(ome_store *store, const char *const *paths, int n, bool v3_first,
                         ome_zarr_array **out, ome_err *err)
{
    bool *pending = calloc(n > 0 ? (size_t)n : 1, sizeof *pending);
    if (!pending)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        pending[i] = true;
        out[i] = NULL;
    }
    const char *docs[2] = {v3_first ? "zarr.json" : ".zarray", v3_first ? ".zarray" : "zarr.json"};
    int rc = OME_OK;
    for (int round = 0; round < 2 && rc == OME_OK; round++)
        rc = arrays_round(store, paths, n, docs[round], pending, out, err);
    for (int i = 0; rc == OME_OK && i < n; i++)
        if (pending[i]) {
            char where[4096];
            ome_store_describe(store, paths[i], where, sizeof where);
            rc = ome_err_set(err, OME_EINVAL,
                             "%s: array metadata not found (no .zarray or zarr.json)", where);
        }
    if (rc)
        for (int i = 0; i < n; i++) {
            ome_zarr_array_free(out[i]);
            out[i] = NULL;
        }
    free(pending);
    return rc;
}

int ome_zarr_array_open(ome_store *store, const char *path, ome_zarr_array **out, ome_err *err)
{
    return ome_zarr_arrays_open(store, &path, 1, false, out, err);
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

/* Key of the object at grid position idx (a chunk, or a shard of a sharded array). */
static int object_key(const ome_zarr_array *a, const uint64_t *idx, char *out, size_t outlen)
{
    size_t n = 0;
    int w = 0;
    if (a->path[0])
        w = snprintf(out, outlen, "%s/", a->path);
    if (w < 0 || (size_t)w >= outlen)
        return OME_ERANGE;
    n = (size_t)w;
    if (a->key_prefix_c) {
        w = a->ndim ? snprintf(out + n, outlen - n, "c%c", a->separator)
                    : snprintf(out + n, outlen - n, "c");
        if (w < 0 || (size_t)w >= outlen - n)
            return OME_ERANGE;
        n += (size_t)w;
    }
    if (a->ndim == 0 && !a->key_prefix_c) {
        w = snprintf(out + n, outlen - n, "0");
        return w < 0 || (size_t)w >= outlen - n ? OME_ERANGE : OME_OK;
    }
    for (int d = 0; d < a->ndim; d++) {
        if (d)
            w = snprintf(out + n, outlen - n, "%c%llu", a->separator, (unsigned long long)idx[d]);
        else
            w = snprintf(out + n, outlen - n, "%llu", (unsigned long long)idx[d]);
        if (w < 0 || (size_t)w >= outlen - n)
            return OME_ERANGE;
        n += (size_t)w;
    }
    return OME_OK;
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
    size_t n = strlen(out);
    if (rc == OME_OK && (size_t)snprintf(out + n, outlen - n, "#%llu", (unsigned long long)pos) >=
                            outlen - n)
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

/* Rewrites a Fortran-order chunk into C order. */
/* Reorders a chunk stored with permuted axes (stored axis k = array axis perm[k]) into C order. */
static int transpose_to_c(const ome_zarr_array *a, ome_buf *buf, ome_err *err)
{
    size_t es = ome_dtype_size(a->dtype);
    uint8_t *dst = malloc(buf->len ? buf->len : 1);
    if (!dst)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    /* stride in the stored chunk of each array axis */
    uint64_t stride[OME_ZARR_MAX_DIMS], idx[OME_ZARR_MAX_DIMS] = {0}, s = 1;
    for (int k = a->ndim - 1; k >= 0; k--) {
        stride[a->perm[k]] = s;
        s *= a->chunks[a->perm[k]];
    }
    size_t n = buf->len / es;
    for (size_t i = 0; i < n; i++) {
        uint64_t src = 0;
        for (int d = 0; d < a->ndim; d++)
            src += idx[d] * stride[d];
        memcpy(dst + i * es, buf->data + src * es, es);
        for (int d = a->ndim - 1; d >= 0; d--) {
            if (++idx[d] < a->chunks[d])
                break;
            idx[d] = 0;
        }
    }
    free(buf->data);
    buf->data = dst;
    buf->cap = buf->len;
    return OME_OK;
}

int ome_zarr_decode_chunk(const ome_zarr_array *a, const uint8_t *raw, size_t len, ome_buf *out,
                          ome_err *err)
{
    /* Codecs run in reverse order, each from the previous output into the other buffer. */
    ome_buf bufs[2] = {{0}, {0}};
    const uint8_t *cur = raw;
    size_t cur_len = len;
    int rc = OME_OK, next = 0;
    for (int i = a->ncodecs - 1; i >= 0 && rc == OME_OK; i--, next ^= 1) {
        /* the last step gives the chunk; an inner step gives an encoded form of it, which no
         * codec makes much larger than the chunk itself */
        if (i == 0)
            rc = ome_codec_decode(&a->codecs[i], cur, cur_len, a->chunk_nbytes, &bufs[next], err);
        else
            rc = ome_codec_decode_at_most(&a->codecs[i], cur, cur_len,
                                          a->chunk_nbytes + a->chunk_nbytes / 8 + 65536,
                                          &bufs[next], err);
        if (rc)
            ome_err_prefix(err, "%s codec", ome_codec_name(a->codecs[i].kind));
        cur = bufs[next].data;
        cur_len = bufs[next].len;
    }
    if (rc == OME_OK && cur_len != a->chunk_nbytes)
        rc = ome_err_set(err, OME_EINVAL, "chunk holds %zu bytes, expected %zu", cur_len,
                         a->chunk_nbytes);
    if (rc == OME_OK) {
        ome_buf_free(out);
        if (a->ncodecs > 0) {
            *out = bufs[next ^ 1];
            bufs[next ^ 1] = (ome_buf){0};
        } else if (ome_buf_append(out, raw, len)) {
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        }
    }
    ome_buf_free(&bufs[0]);
    ome_buf_free(&bufs[1]);
    if (rc)
        return rc;
    if (a->transposed && (rc = transpose_to_c(a, out, err)))
        return rc;
    size_t es = ome_dtype_size(a->dtype);
    if (es > 1 && a->big_endian != ome_host_is_big_endian())
        ome_bswap(out->data, out->len / es, es);
    return OME_OK;
}

typedef struct {
    ome_store *store;
    const ome_zarr_array *a;
    ome_zarr_chunk *chunks;
    ome_store_req *reqs;
    char (*keys)[1024];
} decode_job;

static void decode_one(void *ctx, size_t i)
{
    decode_job *j = ctx;
    const ome_zarr_array *a = j->a;
    ome_zarr_chunk *c = &j->chunks[i];
    ome_store_req *r = &j->reqs[i];
    if (r->status < 0) {
        c->status = r->status;
        c->err = r->err;
        return;
    }
    ome_buf decoded = {0};
    if (r->status == OME_ABSENT) {
        if (ome_buf_reserve(&decoded, a->chunk_nbytes ? a->chunk_nbytes : 1)) {
            c->status = ome_err_set(&c->err, OME_ENOMEM, "out of memory");
            return;
        }
        ome_zarr_fill_chunk(a, decoded.data);
        decoded.len = a->chunk_nbytes;
        c->status = OME_OK;
    } else {
        c->status = ome_zarr_decode_chunk(a, r->body.data, r->body.len, &decoded, &c->err);
        if (c->status) {
            char where[4096];
            ome_store_describe(j->store, j->keys[i], where, sizeof where);
            ome_err_prefix(&c->err, "%s", where);
        }
    }
    ome_buf_free(&r->body); /* the encoded bytes are no longer needed */
    if (c->status == OME_OK)
        c->data = ome_buf_steal(&decoded, NULL);
    ome_buf_free(&decoded);
}

void ome_zarr_get_chunks(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                         size_t n, ome_pool *pool)
{
    ome_store_req *reqs = calloc(n ? n : 1, sizeof *reqs);
    char(*keys)[1024] = calloc(n ? n : 1, sizeof *keys);
    if (!reqs || !keys) {
        for (size_t i = 0; i < n; i++)
            chunks[i].status = ome_err_set(&chunks[i].err, OME_ENOMEM, "out of memory");
        free(reqs);
        free(keys);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        chunks[i].data = NULL;
        if (ome_zarr_chunk_key(a, chunks[i].idx, keys[i], sizeof keys[i]) != OME_OK)
            keys[i][0] = '\0';
        reqs[i].key = keys[i];
        reqs[i].range = OME_RANGE_ALL;
    }
    if (a->sharded)
        ome_zarr_shard_fetch(store, a, chunks, reqs, n);
    else
        store->ops->get_many(store, reqs, n);
    decode_job job = {store, a, chunks, reqs, keys};
    ome_pool_for(pool, n, decode_one, &job);
    ome_store_reqs_free(reqs, n);
    free(reqs);
    free(keys);
}
