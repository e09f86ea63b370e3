/* zarr_shard: reading inner chunks of Zarr v3 sharded arrays (sharding_indexed). The entries
 * (offset, nbytes) of the inner chunks asked for come from the shards' indexes — little- or
 * big-endian, optionally followed by their CRC-32C, at the end or the start of the shard — found
 * within bounded memory by shard_index.c; inner chunks are then fetched as byte ranges, runs of
 * adjacent ones in one request. An entry of all ones marks an empty inner chunk (read as the
 * fill value). */
#include "zarr/zarr_shard.h"

#include "base/key.h"
#include "zarr/shard_index.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RUN_BYTES ((uint64_t)16 << 20) /* coalesced range requests stay below this */
#define EMPTY UINT64_MAX

static int by_position(const void *x, const void *y)
{
    const ome_shard_want *a = x, *b = y;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
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

/* The shards the chunks live in, each once, and the chunks wanted from each (want, grouped by
 * shard, sorted by position). Returns the number of shards. */
static size_t find_shards(const ome_zarr_array *a, const ome_zarr_chunk *chunks,
                          ome_store_req *reqs, size_t n, int *shard_of, ome_shard_ref *shards,
                          ome_shard_want *want)
{
    size_t nshards = 0;
    uint64_t *pos = calloc(n ? n : 1, sizeof *pos);
    if (!pos) {
        fail_all(reqs, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char key[1024];
        reqs[i].body.len = 0;
        shard_of[i] = -1;
        if (ome_zarr_shard_key(a, chunks[i].idx, key, sizeof key, &pos[i])) {
            reqs[i].status = ome_err_set(&reqs[i].err, OME_ERANGE, "%s: shard key too long",
                                         a->where);
            continue;
        }
        size_t s = 0;
        while (s < nshards && strcmp(shards[s].key, key) != 0)
            s++;
        if (s == nshards)
            memcpy(shards[nshards++].key, key, sizeof key);
        shard_of[i] = (int)s;
        shards[s].count++;
    }
    for (size_t s = 0, at = 0; s < nshards; s++) {
        shards[s].first = at;
        at += shards[s].count;
        shards[s].count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (shard_of[i] < 0)
            continue;
        ome_shard_ref *sh = &shards[shard_of[i]];
        want[sh->first + sh->count++] = (ome_shard_want){.pos = pos[i], .chunk = i};
    }
    for (size_t s = 0; s < nshards; s++)
        qsort(want + shards[s].first, shards[s].count, sizeof *want, by_position);
    free(pos);
    return nshards;
}

/* Each wanted chunk from its shard's index: empty (fill), failed with its shard, or a byte
 * range to fetch (into ranges). Returns the number of ranges. */
static size_t locate_chunks(const ome_shard_ref *shards, size_t nshards,
                            const ome_shard_want *want, ome_store_req *reqs, range_ref *ranges)
{
    size_t nranges = 0;
    for (size_t s = 0; s < nshards; s++) {
        const ome_shard_ref *sh = &shards[s];
        for (size_t w = sh->first; w < sh->first + sh->count; w++) {
            ome_store_req *r = &reqs[want[w].chunk];
            if (sh->failed) {
                r->status = sh->err.code ? sh->err.code : OME_EIO;
                r->err = sh->err;
            } else if (sh->absent || (want[w].off == EMPTY && want[w].len == EMPTY)) {
                r->status = OME_ABSENT;
            } else {
                ranges[nranges++] = (range_ref){want[w].chunk, (int)s, want[w].off, want[w].len};
            }
        }
    }
    return nranges;
}

/* Fetches the ranges, runs of adjacent ones of a shard as one request, and cuts every run back
 * into its chunks. */
static void fetch_ranges(ome_store *store, const ome_shard_ref *shards, range_ref *ranges,
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
    int *shard_of = calloc(n ? n : 1, sizeof *shard_of);
    ome_shard_ref *shards = calloc(n ? n : 1, sizeof *shards);
    ome_shard_want *want = calloc(n ? n : 1, sizeof *want);
    range_ref *ranges = calloc(n ? n : 1, sizeof *ranges);
    if (!shard_of || !shards || !want || !ranges) {
        fail_all(reqs, n);
    } else {
        size_t nshards = find_shards(a, chunks, reqs, n, shard_of, shards, want);
        ome_shard_index_locate(store, a, shards, nshards, want);
        size_t nranges = locate_chunks(shards, nshards, want, reqs, ranges);
        fetch_ranges(store, shards, ranges, nranges, reqs);
    }
    free(shard_of), free(shards), free(want), free(ranges);
}
