/* shard_index: the entries of the inner chunks a batch reads (shard_index.h). What one batch
 * holds at once stays small whatever the index size: whole indexes up to WHOLE_AT_ONCE bytes,
 * pieces of a large index up to PIECES_AT_ONCE × PIECE, entry ranges up to WHOLE_AT_ONCE. */
#include "zarr/shard_index.h"

#include "base/cancel.h"
#include "base/crc32c.h"
#include "base/key.h"
#include "zarr/shard_index_cache.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY UINT64_MAX
#define WHOLE_AT_ONCE ((uint64_t)4 << 20) /* bytes of indexes or entries one batch fetches at once */
#define PIECE ((uint64_t)1 << 20)         /* a large index is verified in pieces of this */
#define PIECES_AT_ONCE 4
#define ENTRY_GAP 4096 /* wanted entries this close (bytes) are read in one range */

typedef struct {
    bool located; /* every wanted entry is set */
    bool sized;   /* large index: the shard's size is known (or not needed) */
    bool checked; /* large index: its checksum held (or it has none) */
    uint64_t size;
} shard_state;

typedef struct {
    ome_store *store;
    const ome_zarr_array *a;
    ome_shard_ref *shards;
    size_t nshards;
    ome_shard_want *want;
    shard_state *st;
    uint64_t index_len, data_len; /* the index's bytes; of them, its entries */
} batch;

static uint64_t get_u64(const uint8_t *p, bool big)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[big ? 7 - i : i] << (8 * i);
    return v;
}

int ome_shard_index_check_entry(const ome_zarr_array *a, uint64_t i, uint64_t off, uint64_t len,
                                const char *where, ome_err *err)
{
    bool empty = off == EMPTY && len == EMPTY;
    if (!empty && (len > ome_zarr_max_encoded(a) || off > UINT64_MAX - len))
        return ome_err_set(err, OME_EINVAL,
                           "%s: shard index entry %llu is out of range (%llu bytes from %llu; "
                           "an inner chunk takes at most %llu)",
                           where, (unsigned long long)i, (unsigned long long)len,
                           (unsigned long long)off, (unsigned long long)ome_zarr_max_encoded(a));
    return OME_OK;
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
        if (ome_shard_index_check_entry(a, i, off, len, where, err))
            return err->code;
        entries[2 * i] = off;
        entries[2 * i + 1] = len;
    }
    return OME_OK;
}

static bool pending(const batch *b, size_t s)
{
    const ome_shard_ref *sh = &b->shards[s];
    return sh->count && !sh->absent && !sh->failed && !b->st[s].located;
}

static void fail_shard(batch *b, size_t s, const ome_err *err)
{
    b->shards[s].failed = true;
    b->shards[s].err = *err;
}

static void fail_shard_msg(batch *b, size_t s, int code, const char *what)
{
    char where[4096];
    ome_store_describe(b->store, b->shards[s].key, where, sizeof where);
    b->shards[s].failed = true;
    ome_err_set(&b->shards[s].err, code, "%s: %s", where, what);
}

/* Sets the entries of shard s's wanted chunks whose records lie in bytes [at, at + len) of its
 * index, from `bytes`; false (the shard failed) when one is out of range. */
static bool take_entries(batch *b, size_t s, uint64_t at, const uint8_t *bytes, uint64_t len)
{
    ome_shard_ref *sh = &b->shards[s];
    for (size_t w = sh->first; w < sh->first + sh->count; w++) {
        ome_shard_want *x = &b->want[w];
        if (x->pos * 16 < at || x->pos * 16 + 16 > at + len)
            continue;
        const uint8_t *p = bytes + (x->pos * 16 - at);
        x->off = get_u64(p, b->a->index_big_endian);
        x->len = get_u64(p + 8, b->a->index_big_endian);
        char where[4096];
        ome_store_describe(b->store, sh->key, where, sizeof where);
        if (ome_shard_index_check_entry(b->a, x->pos, x->off, x->len, where, &sh->err)) {
            sh->failed = true;
            return false;
        }
    }
    return true;
}

/* What the array's shard cache knows: whole indexes, absences, large indexes' sizes. */
static void from_cache(batch *b)
{
    size_t most = 0;
    for (size_t s = 0; s < b->nshards; s++)
        most = b->shards[s].count > most ? b->shards[s].count : most;
    uint64_t *pos = malloc((most ? most : 1) * sizeof *pos);
    uint64_t *ent = malloc((most ? most : 1) * 2 * sizeof *ent);
    for (size_t s = 0; pos && ent && s < b->nshards; s++) {
        ome_shard_ref *sh = &b->shards[s];
        for (size_t w = 0; w < sh->count; w++)
            pos[w] = b->want[sh->first + w].pos;
        if (ome_shard_cache_get_some(b->a->shard_cache, sh->key, pos, sh->count, ent,
                                     &sh->absent)) {
            for (size_t w = 0; w < sh->count && !sh->absent; w++) {
                b->want[sh->first + w].off = ent[2 * w];
                b->want[sh->first + w].len = ent[2 * w + 1];
            }
            b->st[s].located = true;
        } else if (b->index_len > SHARD_INDEX_WHOLE_MAX &&
                   ome_shard_cache_get_size(b->a->shard_cache, sh->key, &b->st[s].size)) {
            b->st[s].sized = b->st[s].checked = true;
        }
    }
    free(pos), free(ent);
}

/* Fetches, checks and keeps the small indexes not cached, WHOLE_AT_ONCE bytes at a time. */
static void load_whole(batch *b)
{
    size_t n = (size_t)b->a->inner_per_shard, group = (size_t)(WHOLE_AT_ONCE / b->index_len);
    group = group ? group : 1;
    ome_store_req *reqs = calloc(group, sizeof *reqs);
    size_t *which = calloc(group, sizeof *which);
    uint64_t *entries = calloc(n * 2, sizeof *entries);
    /* a server that ignores the range sends the whole shard: at most every inner chunk at its
     * largest, and the index */
    uint64_t shard_max = 0;
    if (!ome_mul_u64(b->a->inner_per_shard, ome_zarr_max_encoded(b->a), &shard_max) ||
        shard_max > OME_MAX_OBJECT_BYTES - b->index_len)
        shard_max = OME_MAX_OBJECT_BYTES - b->index_len;
    for (size_t s = 0; s < b->nshards;) {
        size_t nreq = 0;
        for (; s < b->nshards && nreq < group; s++) {
            if (!pending(b, s))
                continue;
            if (!reqs || !which || !entries) {
                fail_shard_msg(b, s, OME_ENOMEM, "out of memory");
                continue;
            }
            reqs[nreq] = (ome_store_req){
                .key = b->shards[s].key,
                .range = b->a->index_at_start ? OME_RANGE_SPAN : OME_RANGE_SUFFIX,
                .off = 0, .len = b->index_len, .max_bytes = shard_max + b->index_len};
            which[nreq++] = s;
        }
        if (nreq)
            ome_store_get_many(b->store, reqs, nreq);
        for (size_t k = 0; k < nreq; k++) {
            ome_shard_ref *sh = &b->shards[which[k]];
            char where[4096];
            ome_store_describe(b->store, sh->key, where, sizeof where);
            if (reqs[k].status == OME_ABSENT) {
                sh->absent = true;
                ome_shard_cache_put(b->a->shard_cache, sh->key, NULL, n, true);
            } else if (reqs[k].status < 0) {
                fail_shard(b, which[k], &reqs[k].err);
            } else if (ome_zarr_shard_parse_index(b->a, &reqs[k].body, entries, where,
                                                  &sh->err)) {
                sh->failed = true;
            } else {
                ome_shard_cache_put(b->a->shard_cache, sh->key, entries, n, false);
                for (size_t w = sh->first; w < sh->first + sh->count; w++) {
                    b->want[w].off = entries[2 * b->want[w].pos];
                    b->want[w].len = entries[2 * b->want[w].pos + 1];
                }
                b->st[which[k]].located = true;
            }
        }
        ome_store_reqs_free(reqs, nreq);
    }
    free(reqs), free(which), free(entries);
}

/* Large indexes at the end of their shard: the shards' sizes, from a 16-byte suffix each (asked
 * again past any cache when the answer did not say it). */
static void probe_sizes(batch *b)
{
    ome_store_req *reqs = calloc(b->nshards ? b->nshards : 1, sizeof *reqs);
    size_t *which = calloc(b->nshards ? b->nshards : 1, sizeof *which);
    for (int round = 0; round < 2; round++) {
        size_t nreq = 0;
        for (size_t s = 0; s < b->nshards; s++) {
            if (!pending(b, s) || b->st[s].sized)
                continue;
            if (b->a->index_at_start) {
                b->st[s].sized = true; /* where the index is does not depend on the size */
            } else if (!reqs || !which) {
                fail_shard_msg(b, s, OME_ENOMEM, "out of memory");
            } else {
                reqs[nreq] = (ome_store_req){.key = b->shards[s].key, .range = OME_RANGE_SUFFIX,
                                             .len = 16, .max_bytes = 16, .fresh = round > 0};
                which[nreq++] = s;
            }
        }
        if (nreq)
            ome_store_get_many(b->store, reqs, nreq);
        for (size_t k = 0; k < nreq; k++) {
            size_t s = which[k];
            if (reqs[k].status == OME_ABSENT) {
                b->shards[s].absent = true;
                ome_shard_cache_put(b->a->shard_cache, b->shards[s].key, NULL, 0, true);
            } else if (reqs[k].status < 0) {
                fail_shard(b, s, &reqs[k].err);
            } else if (reqs[k].size >= b->index_len) {
                b->st[s].sized = true;
                b->st[s].size = reqs[k].size;
            } else if (reqs[k].size) {
                fail_shard_msg(b, s, OME_EINVAL, "the shard is smaller than its index");
            } else if (round > 0) {
                fail_shard_msg(b, s, OME_EIO,
                               "the server did not say the shard's size (no Content-Range), "
                               "needed to read its large index in parts");
            }
        }
        ome_store_reqs_free(reqs, nreq);
    }
    free(reqs), free(which);
}

static uint64_t index_start(const batch *b, size_t s)
{
    return b->a->index_at_start ? 0 : b->st[s].size - b->index_len;
}

/* Verifies the checksum of shard s's large index, reading it in pieces, and takes the wanted
 * entries on the way; the shard's size is then kept (the next batch reads only entries). */
static void verify_one(batch *b, size_t s)
{
    ome_store_req reqs[PIECES_AT_ONCE];
    uint32_t crc = 0;
    uint8_t stored[4] = {0};
    for (uint64_t at = 0; at < b->index_len && !b->shards[s].failed;) {
        size_t nreq = 0;
        for (; nreq < PIECES_AT_ONCE && at < b->index_len; nreq++, at += PIECE) {
            uint64_t len = b->index_len - at < PIECE ? b->index_len - at : PIECE;
            reqs[nreq] = (ome_store_req){.key = b->shards[s].key, .range = OME_RANGE_SPAN,
                                         .off = index_start(b, s) + at, .len = len};
        }
        ome_store_get_many(b->store, reqs, nreq);
        for (size_t k = 0; k < nreq && !b->shards[s].failed; k++) {
            uint64_t from = reqs[k].off - index_start(b, s);
            if (reqs[k].status < 0) {
                fail_shard(b, s, &reqs[k].err);
            } else if (reqs[k].status != OME_OK || reqs[k].body.len != reqs[k].len) {
                fail_shard_msg(b, s, OME_EINVAL, "shard shorter than its index says");
            } else {
                uint64_t data = from < b->data_len ? b->data_len - from : 0;
                data = data < reqs[k].len ? data : reqs[k].len;
                crc = ome_crc32c_update(crc, reqs[k].body.data, (size_t)data);
                for (uint64_t i = data; i < reqs[k].len; i++) /* the checksum's bytes */
                    stored[from + i - b->data_len] = reqs[k].body.data[i];
                take_entries(b, s, from, reqs[k].body.data, data);
            }
        }
        ome_store_reqs_free(reqs, nreq);
    }
    if (b->shards[s].failed)
        return;
    uint32_t want = (uint32_t)stored[0] | (uint32_t)stored[1] << 8 | (uint32_t)stored[2] << 16 |
                    (uint32_t)stored[3] << 24;
    if (crc != want) {
        fail_shard_msg(b, s, OME_EINVAL, "shard index checksum mismatch");
        return;
    }
    b->st[s].checked = b->st[s].located = true;
    ome_shard_cache_put_size(b->a->shard_cache, b->shards[s].key, b->st[s].size);
}

/* Whether this reader is to verify shard s's large index: not when another reader verified it
 * while this one waited (the cache then holds the shard's size), nor once this reader's program
 * gave up (the shard fails: interrupted). */
static bool my_turn(batch *b, size_t s)
{
    for (;;) {
        if (ome_shard_cache_get_size(b->a->shard_cache, b->shards[s].key, &b->st[s].size)) {
            b->st[s].checked = true;
            return false;
        }
        if (ome_shard_cache_claim(b->a->shard_cache, b->shards[s].key))
            return true;
        if (ome_cancelled()) {
            fail_shard_msg(b, s, OME_EINTR, "interrupted");
            return false;
        }
    }
}

/* A run of a shard's wanted entries read as one range: want[w0 .. w1). */
typedef struct {
    size_t shard, w0, w1;
} entry_run;

/* Reads the wanted entries of the large indexes that need no (more) checking, as byte ranges
 * of wanted entries close together, WHOLE_AT_ONCE bytes at a time. */
static void read_entries(batch *b)
{
    size_t total = 0;
    for (size_t s = 0; s < b->nshards; s++)
        total += b->shards[s].count;
    entry_run *runs = calloc(total ? total : 1, sizeof *runs);
    ome_store_req *reqs = calloc(total ? total : 1, sizeof *reqs);
    size_t nruns = 0;
    for (size_t s = 0; s < b->nshards; s++) {
        if (!pending(b, s))
            continue;
        if (!runs || !reqs) {
            fail_shard_msg(b, s, OME_ENOMEM, "out of memory");
            continue;
        }
        const ome_shard_ref *sh = &b->shards[s];
        for (size_t w = sh->first; w < sh->first + sh->count; w++) {
            entry_run *last = nruns ? &runs[nruns - 1] : NULL;
            if (last && last->shard == s &&
                (b->want[w].pos - b->want[last->w1 - 1].pos) * 16 <= ENTRY_GAP &&
                (b->want[w].pos - b->want[last->w0].pos + 1) * 16 <= PIECE)
                last->w1 = w + 1;
            else
                runs[nruns++] = (entry_run){s, w, w + 1};
        }
    }
    for (size_t r = 0; r < nruns;) {
        size_t nreq = 0;
        for (uint64_t bytes = 0; r + nreq < nruns && bytes < WHOLE_AT_ONCE; nreq++) {
            const entry_run *run = &runs[r + nreq];
            uint64_t p0 = b->want[run->w0].pos, p1 = b->want[run->w1 - 1].pos + 1;
            reqs[nreq] = (ome_store_req){.key = b->shards[run->shard].key,
                                         .range = OME_RANGE_SPAN,
                                         .off = index_start(b, run->shard) + p0 * 16,
                                         .len = (p1 - p0) * 16};
            bytes += reqs[nreq].len;
        }
        ome_store_get_many(b->store, reqs, nreq);
        for (size_t k = 0; k < nreq; k++) {
            size_t s = runs[r + k].shard;
            if (b->shards[s].failed)
                continue;
            if (reqs[k].status < 0)
                fail_shard(b, s, &reqs[k].err);
            else if (reqs[k].status != OME_OK || reqs[k].body.len != reqs[k].len)
                fail_shard_msg(b, s, OME_EINVAL, "shard shorter than its index says");
            else
                take_entries(b, s, reqs[k].off - index_start(b, s), reqs[k].body.data,
                             reqs[k].len);
        }
        ome_store_reqs_free(reqs, nreq);
        r += nreq;
    }
    for (size_t s = 0; s < b->nshards; s++) {
        if (!pending(b, s))
            continue;
        b->st[s].located = true;
        if (!b->a->index_crc32c) /* its size, so the next batch need not ask */
            ome_shard_cache_put_size(b->a->shard_cache, b->shards[s].key, b->st[s].size);
    }
    free(runs), free(reqs);
}

void ome_shard_index_locate(ome_store *store, const ome_zarr_array *a, ome_shard_ref *shards,
                            size_t nshards, ome_shard_want *want)
{
    batch b = {store, a, shards, nshards, want, calloc(nshards ? nshards : 1, sizeof *b.st),
               a->inner_per_shard * 16 + (a->index_crc32c ? 4 : 0), a->inner_per_shard * 16};
    if (!b.st) {
        for (size_t s = 0; s < nshards; s++)
            fail_shard_msg(&b, s, OME_ENOMEM, "out of memory");
        return;
    }
    from_cache(&b);
    if (b.index_len <= SHARD_INDEX_WHOLE_MAX) {
        load_whole(&b);
    } else {
        probe_sizes(&b);
        for (size_t s = 0; s < nshards; s++) {
            if (pending(&b, s) && a->index_crc32c && !b.st[s].checked && my_turn(&b, s)) {
                verify_one(&b, s);
                ome_shard_cache_release(a->shard_cache, shards[s].key);
            }
        }
        read_entries(&b);
    }
    free(b.st);
}
