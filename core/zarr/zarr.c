/* zarr: opening arrays and decoding their chunks. */
#include "zarr/zarr.h"

#include "base/cancel.h"
#include "base/key.h"
#include "base/log.h"
#include "store/store_json.h"
#include "zarr/zarr_shard.h"
#include "zarr/zarr_v2.h"
#include "zarr/zarr_v3.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
            if ((rc = ome_key_join(keys[m], sizeof keys[m], paths[i], doc, err)))
                break;
            reqs[m] = (ome_store_req){.key = keys[m], .range = OME_RANGE_ALL};
            which[m++] = i;
        }
    if (rc == OME_OK && m)
        ome_store_get_many(store, reqs, (size_t)m);
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
                                          (size_t)ome_zarr_max_encoded(a), &bufs[next], err);
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
    char **keys;
    bool *undecoded; /* fetched, but the bytes did not decode (or failed their checksum) */
    bool *decoded;   /* done as its request came (see decode_on_arrival) */
    size_t *pending; /* the rest, decoded side by side once the batch is in */
    ome_zarr_ready_fn ready; /* told of each chunk decoded as it came (may be NULL) */
    void *ready_ctx;
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
        j->undecoded[i] = c->status != OME_OK && c->status != OME_ENOMEM;
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

/* A chunk's request is in while others of its batch are still on their way: decoded now (in
 * the fetching thread), its encoded bytes freed and the caller told, rather than held until the
 * slowest has come. Only for callers that take chunks early (ready): the others decode the
 * batch side by side on the pool once it is in. */
static void decode_on_arrival(ome_store_req *r, void *ctx)
{
    decode_job *j = ctx;
    size_t i = (size_t)(r - j->reqs);
    decode_one(j, i);
    j->decoded[i] = true;
    if (j->ready && !j->undecoded[i]) /* final: not to be fetched again */
        j->ready(j->ready_ctx, i);
}

static void decode_pending(void *ctx, size_t k)
{
    decode_job *j = ctx;
    decode_one(j, j->pending[k]);
}

/* Fetches chunks[0..n) (keys given) and decodes them: as each comes when the caller takes
 * chunks early (ready), the rest on the pool once the batch is in; undecoded[i] says which
 * arrived but did not decode. */
static void fetch_and_decode(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                             ome_store_req *reqs, char **keys, bool *undecoded, size_t n,
                             ome_pool *pool, ome_zarr_ready_fn ready, void *ready_ctx)
{
    bool *decoded = calloc(n ? n : 1, sizeof *decoded);
    size_t *pending = calloc(n ? n : 1, sizeof *pending);
    decode_job job = {store, a, chunks, reqs, keys, undecoded, decoded, pending, ready, ready_ctx};
    if (a->sharded) {
        ome_zarr_shard_fetch(store, a, chunks, reqs, n);
    } else {
        for (size_t i = 0; ready && decoded && pending && i < n; i++) {
            reqs[i].on_done = decode_on_arrival;
            reqs[i].on_done_ctx = &job;
        }
        ome_store_get_many(store, reqs, n);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        reqs[i].on_done = NULL;
        if (!decoded || !decoded[i]) {
            if (pending)
                pending[m++] = i;
            else
                decode_one(&job, i);
        }
    }
    ome_pool_for(pool, m, decode_pending, &job);
    ome_store_reqs_free(reqs, n);
    free(decoded);
    free(pending);
}

/* Fetches again, from the source (fresh: no cache keeps or serves the bad copy), the chunks
 * whose bytes did not decode: a body cut short or corrupted in transit is as transient as a 503.
 * Up to OME_ZARR_REFETCHES rounds; what still fails keeps its error. */
static void refetch_undecoded(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                              char **keys, bool *undecoded, size_t n, ome_pool *pool)
{
    size_t *which = calloc(n ? n : 1, sizeof *which);
    ome_zarr_chunk *sub = calloc(n ? n : 1, sizeof *sub);
    ome_store_req *reqs = calloc(n ? n : 1, sizeof *reqs);
    char **subkeys = calloc(n ? n : 1, sizeof *subkeys);
    bool *again = calloc(n ? n : 1, sizeof *again);
    for (int round = 0; which && sub && reqs && subkeys && again && round < OME_ZARR_REFETCHES;
         round++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (undecoded[i]) {
                which[m] = i;
                memset(&sub[m], 0, sizeof sub[m]);
                memcpy(sub[m].idx, chunks[i].idx, sizeof sub[m].idx);
                subkeys[m] = keys[i];
                reqs[m] = (ome_store_req){.key = keys[i], .range = OME_RANGE_ALL, .fresh = true,
                                          .max_bytes = ome_zarr_max_encoded(a)};
                again[m] = false;
                m++;
            }
        if (m == 0 || ome_cancelled())
            break;
        OME_LOGW("%s: %zu chunk(s) did not decode (%s); fetching them again from the source",
                 a->where, m, chunks[which[0]].err.msg);
        fetch_and_decode(store, a, sub, reqs, subkeys, again, m, pool, NULL, NULL);
        for (size_t k = 0; k < m; k++) {
            chunks[which[k]] = sub[k];
            undecoded[which[k]] = again[k];
        }
    }
    free(which), free(sub), free(reqs), free(subkeys), free(again);
}

void ome_zarr_get_chunks(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                         size_t n, ome_pool *pool)
{
    ome_zarr_get_chunks_ready(store, a, chunks, n, pool, NULL, NULL);
}

void ome_zarr_get_chunks_ready(ome_store *store, const ome_zarr_array *a, ome_zarr_chunk *chunks,
                               size_t n, ome_pool *pool, ome_zarr_ready_fn ready, void *ctx)
{
    ome_store_req *reqs = calloc(n ? n : 1, sizeof *reqs);
    char **keys = calloc(n ? n : 1, sizeof *keys);
    bool *undecoded = calloc(n ? n : 1, sizeof *undecoded);
    bool ok = reqs && keys && undecoded;
    for (size_t i = 0; ok && i < n; i++) {
        chunks[i].data = NULL;
        ok = (keys[i] = ome_zarr_chunk_key_dup(a, chunks[i].idx)) != NULL;
        reqs[i].key = keys[i];
        reqs[i].range = OME_RANGE_ALL;
        reqs[i].max_bytes = ome_zarr_max_encoded(a);
    }
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            chunks[i].status = ome_err_set(&chunks[i].err, OME_ENOMEM, "out of memory");
    } else {
        fetch_and_decode(store, a, chunks, reqs, keys, undecoded, n, pool, ready, ctx);
        refetch_undecoded(store, a, chunks, keys, undecoded, n, pool);
    }
    for (size_t i = 0; keys && i < n; i++)
        free(keys[i]);
    free(reqs);
    free(keys);
    free(undecoded);
}

ome_key_kind ome_zarr_key_kind(const char *key)
{
    const char *slash = strrchr(key, '/'), *b = slash ? slash + 1 : key;
    if (strcmp(b, ".zarray") == 0 || strcmp(b, "zarr.json") == 0)
        return OME_KEY_ARRAY_METADATA;
    if (strcmp(b, ".zattrs") == 0 || strcmp(b, ".zgroup") == 0 || strcmp(b, ".zmetadata") == 0)
        return OME_KEY_METADATA;
    return OME_KEY_CHUNK;
}
