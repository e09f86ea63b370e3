/* zarr_shard: reading inner chunks of Zarr v3 sharded arrays (sharding_indexed). A shard's
 * index — (offset, nbytes) per inner chunk, little- or big-endian, optionally followed by its
 * CRC-32C — is fetched with one range request (the last or the first bytes of the shard) and
 * kept per array; inner chunks are then fetched as byte ranges, runs of adjacent ones in one
 * request. An entry of all ones marks an empty inner chunk (read as the fill value). */
#include "zarr/zarr_shard.h"

#include "base/key.h"

#include "base/crc32c.h"
#include "zarr/shard_index_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUN_BYTES ((uint64_t)16 << 20) /* coalesced range requests stay below this */
#define EMPTY UINT64_MAX

static uint64_t get_u64(const uint8_t *p, bool big)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[big ? 7 - i : i] << (8 * i);
    return v;
}

int ome_zarr_shard_parse_index(const ome_zarr_array *a, const ome_buf *body, uint64_t *entries,
                               const char *where, ome_err *err)
{
    size_t n = (size_t)a->inner_per_shard, want = n * 16 + (a->index_crc32c ? 4 : 0);
    if (body->len != want)
        return ome_err_set(err, OME_EINVAL, "%s: shard index of %zu bytes, expected %zu", where,
                           body->len, want);
    if (a->index_crc32c) {
        const uint8_t *c = body->data + n * 16;
        uint32_t stored = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
                          (uint32_t)c[3] << 24;
        if (ome_crc32c(body->data, n * 16) != stored)
            return ome_err_set(err, OME_EINVAL, "%s: shard index checksum mismatch", where);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t off = get_u64(body->data + 16 * i, a->index_big_endian);
        uint64_t len = get_u64(body->data + 16 * i + 8, a->index_big_endian);
        bool empty = off == EMPTY && len == EMPTY;
        if (!empty && (len > ome_zarr_max_encoded(a) || off > UINT64_MAX - len))
            return ome_err_set(err, OME_EINVAL,
                               "%s: shard index entry %zu is out of range (%llu bytes from "
                               "%llu; an inner chunk takes at most %llu)",
                               where, i, (unsigned long long)len, (unsigned long long)off,
                               (unsigned long long)ome_zarr_max_encoded(a));
        entries[2 * i] = off;
        entries[2 * i + 1] = len;
    }
    return OME_OK;
}

typedef struct {
    char key[1024];    /* shard key */
    uint64_t pos;      /* inner chunk index in the shard */
    int shard;         /* index into the shard list */
} chunk_ref;

typedef struct {
    char key[1024];
    bool absent, failed;
    ome_err err;
    uint64_t *entries;
} shard_ref;

/* Fetches the indexes of the shards not cached yet, as one batch. */
static void load_indexes(ome_store *store, const ome_zarr_array *a, shard_ref *shards,
                         size_t nshards)
{
    size_t n = (size_t)a->inner_per_shard, index_len = n * 16 + (a->index_crc32c ? 4 : 0);
    ome_store_req *reqs = calloc(nshards ? nshards : 1, sizeof *reqs);
    size_t *which = calloc(nshards ? nshards : 1, sizeof *which), nreq = 0;
    if (!reqs || !which) {
        for (size_t s = 0; s < nshards; s++) {
            shards[s].failed = true;
            ome_err_set(&shards[s].err, OME_ENOMEM, "out of memory");
        }
        free(reqs), free(which);
        return;
    }
    for (size_t s = 0; s < nshards; s++) {
        if (ome_shard_cache_get(a->shard_cache, shards[s].key, shards[s].entries, n, &shards[s].absent))
            continue;
        /* a server that ignores the range sends the whole shard: at most every inner chunk
         * at its largest, and the index */
        uint64_t shard_max = 0;
        if (!ome_mul_u64(a->inner_per_shard, ome_zarr_max_encoded(a), &shard_max) ||
            shard_max > OME_MAX_OBJECT_BYTES - index_len)
            shard_max = OME_MAX_OBJECT_BYTES - index_len;
        reqs[nreq] = (ome_store_req){.key = shards[s].key,
                                     .range = a->index_at_start ? OME_RANGE_SPAN : OME_RANGE_SUFFIX,
                                     .off = 0, .len = index_len,
                                     .max_bytes = shard_max + index_len};
        which[nreq++] = s;
    }
    if (nreq)
        ome_store_get_many(store, reqs, nreq);
    for (size_t k = 0; k < nreq; k++) {
        shard_ref *sh = &shards[which[k]];
        char where[4096];
        ome_store_describe(store, sh->key, where, sizeof where);
        if (reqs[k].status == OME_ABSENT) {
            sh->absent = true;
            ome_shard_cache_put(a->shard_cache, sh->key, NULL, n, true);
        } else if (reqs[k].status < 0) {
            sh->failed = true;
            sh->err = reqs[k].err;
        } else if (ome_zarr_shard_parse_index(a, &reqs[k].body, sh->entries, where, &sh->err)) {
            sh->failed = true;
        } else {
            ome_shard_cache_put(a->shard_cache, sh->key, sh->entries, n, false);
        }
    }
    ome_store_reqs_free(reqs, nreq);
    free(reqs), free(which);
}

typedef struct {
    size_t chunk;  /* index into the caller's arrays */
    int shard;
    uint64_t off, len;
} range_ref;

static int by_shard_offset(const void *x, const void *y)
{
    const range_ref *a = x, *b = y;
    if (a->shard != b->shard)
        return a->shard < b->shard ? -1 : 1;
    return a->off < b->off ? -1 : a->off > b->off;
}

static void fail_all(ome_store_req *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        reqs[i].status = ome_err_set(&reqs[i].err, OME_ENOMEM, "out of memory");
}

/* The shards the chunks live in, each once; refs[i] says which and where in it. Returns the
 * number of shards. */
static size_t find_shards(const ome_zarr_array *a, const ome_zarr_chunk *chunks,
                          ome_store_req *reqs, size_t n, chunk_ref *refs, shard_ref *shards)
{
    size_t nshards = 0;
    for (size_t i = 0; i < n; i++) {
        reqs[i].body.len = 0;
        if (ome_zarr_shard_key(a, chunks[i].idx, refs[i].key, sizeof refs[i].key,
                               &refs[i].pos)) {
            reqs[i].status = ome_err_set(&reqs[i].err, OME_ERANGE, "%s: shard key too long",
                                         a->where);
            refs[i].shard = -1;
            continue;
        }
        size_t s = 0;
        while (s < nshards && strcmp(shards[s].key, refs[i].key) != 0)
            s++;
        if (s == nshards)
            memcpy(shards[nshards++].key, refs[i].key, sizeof shards[s].key);
        refs[i].shard = (int)s;
    }
    return nshards;
}

/* Each chunk from its shard's index: empty (fill), failed with its shard, or a byte range to
 * fetch (into ranges). Returns the number of ranges. */
static size_t locate_chunks(const chunk_ref *refs, const shard_ref *shards, ome_store_req *reqs,
                            size_t n, range_ref *ranges)
{
    size_t nranges = 0;
    for (size_t i = 0; i < n; i++) {
        if (refs[i].shard < 0)
            continue;
        const shard_ref *sh = &shards[refs[i].shard];
        uint64_t off = sh->entries[2 * refs[i].pos], len = sh->entries[2 * refs[i].pos + 1];
        if (sh->failed) {
            reqs[i].status = sh->err.code ? sh->err.code : OME_EIO;
            reqs[i].err = sh->err;
        } else if (sh->absent || (off == EMPTY && len == EMPTY)) {
            reqs[i].status = OME_ABSENT;
        } else {
            ranges[nranges++] = (range_ref){i, refs[i].shard, off, len};
        }
    }
    return nranges;
}

/* Fetches the ranges, runs of adjacent ones of a shard as one request, and cuts every run back
 * into its chunks. */
static void fetch_ranges(ome_store *store, const shard_ref *shards, range_ref *ranges,
                         size_t nranges, ome_store_req *reqs)
{
    qsort(ranges, nranges, sizeof *ranges, by_shard_offset);
    ome_store_req *fetch = calloc(nranges ? nranges : 1, sizeof *fetch);
    size_t *run_start = calloc(nranges ? nranges : 1, sizeof *run_start), nfetch = 0;
    if (!fetch || !run_start) {
        for (size_t r = 0; r < nranges; r++)
            reqs[ranges[r].chunk].status =
                ome_err_set(&reqs[ranges[r].chunk].err, OME_ENOMEM, "out of memory");
        free(fetch), free(run_start);
        return;
    }
    for (size_t r = 0; r < nranges; r++) {
        ome_store_req *last = nfetch ? &fetch[nfetch - 1] : NULL;
        if (last && ranges[r].shard == ranges[r - 1].shard &&
            last->fresh == reqs[ranges[r].chunk].fresh &&
            ranges[r].off == last->off + last->len && last->len + ranges[r].len <= MAX_RUN_BYTES) {
            last->len += ranges[r].len;
            continue;
        }
        run_start[nfetch] = r;
        fetch[nfetch++] = (ome_store_req){.key = shards[ranges[r].shard].key,
                                          .range = OME_RANGE_SPAN, .off = ranges[r].off,
                                          .len = ranges[r].len,
                                          .fresh = reqs[ranges[r].chunk].fresh};
    }
    if (nfetch)
        ome_store_get_many(store, fetch, nfetch);
    for (size_t f = 0; f < nfetch; f++) {
        size_t end = f + 1 < nfetch ? run_start[f + 1] : nranges;
        for (size_t r = run_start[f]; r < end; r++) {
            ome_store_req *q = &reqs[ranges[r].chunk];
            uint64_t rel = ranges[r].off - fetch[f].off;
            if (fetch[f].status < 0) {
                q->status = fetch[f].status;
                q->err = fetch[f].err;
            } else if (fetch[f].status != OME_OK || rel + ranges[r].len > fetch[f].body.len) {
                char where[4096];
                ome_store_describe(store, fetch[f].key, where, sizeof where);
                q->status = ome_err_set(&q->err, OME_EINVAL,
                                        "%s: shard shorter than its index says", where);
            } else if (ome_buf_append(&q->body, fetch[f].body.data + rel, (size_t)ranges[r].len)) {
                q->status = ome_err_set(&q->err, OME_ENOMEM, "out of memory");
            } else {
                q->status = OME_OK;
            }
        }
    }
    ome_store_reqs_free(fetch, nfetch);
    free(fetch), free(run_start);
}

void ome_zarr_shard_fetch(ome_store *store, const ome_zarr_array *a, const ome_zarr_chunk *chunks,
                          ome_store_req *reqs, size_t n)
{
    chunk_ref *refs = calloc(n ? n : 1, sizeof *refs);
    shard_ref *shards = calloc(n ? n : 1, sizeof *shards);
    range_ref *ranges = calloc(n ? n : 1, sizeof *ranges);
    uint64_t *entries = NULL;
    size_t nshards = refs && shards && ranges ? find_shards(a, chunks, reqs, n, refs, shards) : 0;
    if (refs && shards && ranges)
        entries = calloc((nshards ? nshards : 1) * 2 * (size_t)a->inner_per_shard, sizeof *entries);
    if (!entries) {
        fail_all(reqs, n);
    } else {
        for (size_t s = 0; s < nshards; s++)
            shards[s].entries = entries + s * 2 * (size_t)a->inner_per_shard;
        load_indexes(store, a, shards, nshards);
        size_t nranges = locate_chunks(refs, shards, reqs, n, ranges);
        fetch_ranges(store, shards, ranges, nranges, reqs);
    }
    free(refs), free(shards), free(ranges), free(entries);
}
