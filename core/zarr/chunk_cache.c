/* cache: LRU memory cache of decoded chunks with single-flight loading. */
#include "zarr/chunk_cache.h"

#include "base/cancel.h"
#include "base/clock.h"
#include "zarr/shard_index_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A chunk that failed (after all its attempts) fails at once for this long, so the kernel's
 * re-read of a failed page, or its read-ahead, does not start the whole wait again. */
#define FAILED_TTL_S 5.0
/* How often a reader waiting for another's load looks whether its own program gave up. */
#define WAIT_SLICE_S 0.25
/* Rounds a reader makes for chunks whose loader was interrupted (it then loads them itself). */
#define INTERRUPTED_ROUNDS 8
/* Entry keys up to this long are looked up without an allocation. */
#define KEY_ON_STACK 1024

typedef struct cache_entry {
    char *key;
    uint64_t hash;
    uint8_t *data;
    size_t size;
    int refs;
    bool loading, in_table;
    bool ahead; /* loaded by read-ahead and not read since */
    int status; /* of the load, for waiters */
    double failed_until; /* a failed load: its error is given until then (ome_now) */
    ome_err err;
    struct cache_list *list; /* the list holding it once loaded, or NULL */
    struct cache_entry *hnext, *prev, *next; /* hash chain; list neighbours */
} cache_entry;

/* A recency list, most recent at the head. */
typedef struct cache_list {
    cache_entry *head, *tail;
    size_t bytes;
} cache_list;

/* Streams keep at least stream_keep bytes of what they read past (this by default), and always
 * twice the largest set of chunks one streaming read touched, so the band of chunks a stream is
 * in never leaves early. */
#define STREAM_KEEP_DEFAULT ((size_t)32 << 20)

struct ome_chunk_cache {
    pthread_mutex_t lock;
    pthread_cond_t loaded;
    cache_entry **buckets;
    size_t nbuckets, nentries;
    cache_list recent; /* read at random, or loaded ahead and not read yet */
    cache_list passed; /* read by a stream: dropped first */
    cache_list failed; /* loads that failed, kept FAILED_TTL_S (entries of size 0) */
    size_t stream_keep, stream_touch_max;
    size_t bytes, cap;      /* bytes: chunks, loaded or loading, and shard indexes */
    size_t index_bytes;     /* the sharded arrays' indexes (shard_index_cache), at most cap/2 */
    size_t ahead_bytes;     /* chunks loaded (or loading) ahead and not read yet, at most
                               ahead_share(): read-ahead never crowds out what it loaded
                               before the reader took it, nor the band the reader is in */
    int waiting;            /* readers waiting for another's load (woken when one settles) */
    ome_cache_stats stats;
    ome_pool *pool; /* decodes fetched chunks (not owned) */
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

ome_chunk_cache *ome_cache_new(size_t cap_bytes, ome_pool *pool)
{
    ome_chunk_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nbuckets = 1024;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    c->cap = cap_bytes;
    c->stream_keep = STREAM_KEEP_DEFAULT;
    c->pool = pool;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the timed waits use ome_now's clock */
    pthread_cond_init(&c->loaded, &ca);
    pthread_condattr_destroy(&ca);
    return c;
}

static void entry_free(cache_entry *e)
{
    free(e->key);
    free(e->data);
    free(e);
}

void ome_cache_free(ome_chunk_cache *c)
{
    if (!c)
        return;
    for (size_t b = 0; b < c->nbuckets; b++) {
        for (cache_entry *e = c->buckets[b], *next; e; e = next) {
            next = e->hnext;
            entry_free(e);
        }
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->loaded);
    free(c);
}

void ome_cache_set_stream_keep(ome_chunk_cache *c, size_t bytes)
{
    pthread_mutex_lock(&c->lock);
    c->stream_keep = bytes;
    pthread_mutex_unlock(&c->lock);
}

void ome_cache_get_stats(ome_chunk_cache *c, ome_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    out->bytes = c->bytes;
    out->stream_bytes = c->passed.bytes;
    out->entries = c->nentries;
    out->index_bytes = c->index_bytes;
    pthread_mutex_unlock(&c->lock);
}

static void list_unlink(cache_entry *e)
{
    cache_list *l = e->list;
    if (!l)
        return;
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    l->bytes -= e->size;
    e->prev = e->next = NULL;
    e->list = NULL;
}

static void list_push_front(cache_list *l, cache_entry *e)
{
    list_unlink(e);
    e->list = l;
    e->prev = NULL;
    e->next = l->head;
    if (l->head)
        l->head->prev = e;
    l->head = e;
    if (!l->tail)
        l->tail = e;
    l->bytes += e->size;
}

/* The entry is no longer ahead of its reader: read, dropped, or failed. */
static void clear_ahead(ome_chunk_cache *c, cache_entry *e)
{
    if (e->ahead) {
        e->ahead = false;
        c->ahead_bytes -= e->size;
    }
}

/* Where a loaded entry goes when read: a stream moves what it reads past (of its own or loaded
 * ahead for it) to the short-lived list; anything read at random is kept by recency. Read-ahead
 * finding an entry leaves it where it is. */
static void touch(ome_chunk_cache *c, cache_entry *e, ome_access access)
{
    if (access == OME_ACCESS_AHEAD)
        return;
    if (access == OME_ACCESS_STREAM && (e->ahead || e->list == &c->passed)) {
        clear_ahead(c, e);
        list_push_front(&c->passed, e);
        return;
    }
    clear_ahead(c, e);
    list_push_front(&c->recent, e);
}

static void table_remove(ome_chunk_cache *c, cache_entry *e)
{
    cache_entry **pp = &c->buckets[e->hash % c->nbuckets];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    e->hnext = NULL;
    e->in_table = false;
    c->nentries--;
    clear_ahead(c, e);
    c->bytes -= e->size; /* every entry in the table is counted, loaded or loading */
    list_unlink(e);
}

static void table_grow(ome_chunk_cache *c)
{
    size_t nb = c->nbuckets * 4;
    cache_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        for (cache_entry *e = c->buckets[i], *next; e; e = next) {
            next = e->hnext;
            e->hnext = b[e->hash % nb];
            b[e->hash % nb] = e;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

static cache_entry *table_find(ome_chunk_cache *c, const char *key, uint64_t h)
{
    for (cache_entry *e = c->buckets[h % c->nbuckets]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* Takes an entry out of the table (freed now, or when its last reference goes). */
static void drop_entry(ome_chunk_cache *c, cache_entry *e)
{
    table_remove(c, e);
    if (e->refs == 0)
        entry_free(e);
}

static void evict_entry(ome_chunk_cache *c, cache_entry *e)
{
    drop_entry(c, e);
    c->stats.evictions++;
}

/* The bytes of what a stream read last that are kept whatever else comes: twice the largest
 * set of chunks one streaming read touched, so the band of chunks it is in stays. */
static size_t stream_window(const ome_chunk_cache *c)
{
    return 2 * c->stream_touch_max;
}

/* The oldest entry of a list that no read is copying from right now (dropping one in use
 * would only make the next read of its band fetch it again), and that is not ahead unless
 * `ahead_too`; NULL when none. */
static cache_entry *oldest_idle(const cache_list *l, bool ahead_too)
{
    for (cache_entry *e = l->tail; e; e = e->prev)
        if (e->refs == 0 && (ahead_too || !e->ahead))
            return e;
    return NULL;
}

/* The most recently loaded entry ahead of its reader that no read uses: needed last. */
static cache_entry *newest_ahead(const cache_list *l)
{
    for (cache_entry *e = l->head; e; e = e->next)
        if (e->refs == 0 && e->ahead)
            return e;
    return NULL;
}

/* The next entry to drop when over the cap: what streams read past beyond their window, then
 * the least recent read at random, then what was loaded ahead and not read yet (the furthest
 * ahead first), then the stream's window, which its reader is in; entries in use last of all. */
static cache_entry *victim(ome_chunk_cache *c)
{
    cache_entry *e = NULL;
    if (c->passed.bytes > stream_window(c))
        e = oldest_idle(&c->passed, true);
    if (!e)
        e = oldest_idle(&c->recent, false);
    if (!e)
        e = newest_ahead(&c->recent);
    if (!e)
        e = oldest_idle(&c->passed, true);
    if (!e)
        e = c->passed.tail ? c->passed.tail : c->recent.tail;
    return e;
}

/* What read-ahead may hold loaded and not read yet: half the cap, and never the room of the
 * stream's window, which its reader is in. */
static size_t ahead_share(const ome_chunk_cache *c)
{
    size_t half = c->cap / 2, beside = c->cap > stream_window(c) ? c->cap - stream_window(c) : 0;
    return half < beside ? half : beside;
}

/* Bytes that can be dropped for read-ahead: neither the stream's window nor what was loaded
 * ahead and not read yet. */
static size_t droppable_for_ahead(const ome_chunk_cache *c)
{
    size_t n = c->passed.bytes > stream_window(c) ? c->passed.bytes - stream_window(c) : 0;
    for (const cache_entry *r = c->recent.tail; r; r = r->prev)
        if (!r->ahead)
            n += r->size;
    return n;
}

/* Drops what streams read past beyond their keep, then by victim() under the cap. */
static void evict(ome_chunk_cache *c)
{
    size_t keep = stream_window(c) > c->stream_keep ? stream_window(c) : c->stream_keep;
    while (c->passed.bytes > keep && c->passed.tail) {
        c->stats.stream_evictions++;
        evict_entry(c, c->passed.tail);
    }
    while (c->bytes > c->cap) {
        cache_entry *e = victim(c);
        if (!e)
            break;
        evict_entry(c, e);
    }
}

static void release_locked(cache_entry *e)
{
    if (--e->refs == 0 && !e->in_table)
        entry_free(e);
}

void ome_cache_get_chunks(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                          ome_zarr_chunk *chunks, size_t n)
{
    ome_cache_get_chunks_as(c, store, a, chunks, n, OME_ACCESS_RANDOM);
}

/* Looks chunk ch up, called with the lock held: a hit or a load under way takes a reference; a
 * miss gets an entry marked loading (so others wait for it) and returns true: fetch it. */
static bool claim(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                  ome_zarr_chunk *ch, ome_access access)
{
    ch->data = NULL;
    ch->cache_ref = NULL;
    ch->status = OME_OK;
    /* The entry's key, "ROOT\nCHUNK_KEY", built on the stack when it fits (lookups are
     * mostly hits); a copy is made for a new entry. */
    char stack_key[KEY_ON_STACK];
    size_t root_len = strlen(store->root), room = root_len + 1 + ome_zarr_chunk_key_room(a);
    char *heap_key = room > sizeof stack_key ? malloc(room) : NULL;
    char *key = room > sizeof stack_key ? heap_key : stack_key;
    if (!key) {
        ch->status = ome_err_set(&ch->err, OME_ENOMEM, "out of memory");
        return false;
    }
    memcpy(key, store->root, root_len);
    key[root_len] = '\n';
    ome_zarr_chunk_key(a, ch->idx, key + root_len + 1, room - root_len - 1);
    uint64_t h = fnv1a(key);
    cache_entry *e = table_find(c, key, h);
    if (e && e->failed_until > 0) {
        if (ome_now() < e->failed_until) { /* failed a moment ago: fail at once */
            free(heap_key);
            ch->status = e->status;
            ch->err = e->err;
            return false;
        }
        drop_entry(c, e); /* a failure that has had its time: not an eviction */
        e = NULL;
    }
    if (e) {
        free(heap_key);
        e->refs++;
        ch->cache_ref = e;
        if (e->loading) {
            c->stats.waits++; /* touched once loaded (wait_for_others) */
        } else {
            c->stats.hits++;
            ch->data = e->data;
            touch(c, e, access);
        }
        return false;
    }
    if (access == OME_ACCESS_AHEAD &&
        (c->ahead_bytes + a->chunk_nbytes > ahead_share(c) ||
         (c->bytes + a->chunk_nbytes > c->cap &&
          c->bytes + a->chunk_nbytes - droppable_for_ahead(c) > c->cap))) {
        /* read-ahead has its share loaded and not read yet, or it would push out what the reader
     * is about to take: the reader fetches this one itself */
        free(heap_key);
        c->stats.ahead_skipped++;
        ch->status = ome_err_set(&ch->err, OME_ERANGE, "read-ahead's share of the cache is "
                                 "full");
        return false;
    }
    if (!heap_key && !(heap_key = strdup(key))) {
        ch->status = ome_err_set(&ch->err, OME_ENOMEM, "out of memory");
        return false;
    }
    key = heap_key;
    e = calloc(1, sizeof *e);
    if (!e) {
        free(key);
        ch->status = ome_err_set(&ch->err, OME_ENOMEM, "out of memory");
        return false;
    }
    e->key = key;
    e->hash = h;
    e->loading = e->in_table = true;
    e->refs = 1;
    e->hnext = c->buckets[h % c->nbuckets];
    c->buckets[h % c->nbuckets] = e;
    if (++c->nentries > 2 * c->nbuckets)
        table_grow(c);
    c->stats.misses++;
    e->size = a->chunk_nbytes; /* counted from now: chunks being loaded take memory too */
    c->bytes += e->size;
    if (access == OME_ACCESS_AHEAD) {
        e->ahead = true;
        c->ahead_bytes += e->size;
    }
    ch->cache_ref = e;
    return true;
}

/* Puts what was fetched for a claimed chunk into its entry, called with the lock held. */
static void settle(ome_chunk_cache *c, ome_zarr_chunk *ch, ome_zarr_chunk *fetched,
                   ome_access access)
{
    cache_entry *e = ch->cache_ref;
    e->loading = false;
    e->status = fetched->status;
    if (fetched->status == OME_OK) {
        e->data = fetched->data;
        ch->data = e->data;
        list_push_front(access == OME_ACCESS_STREAM ? &c->passed : &c->recent, e);
    } else {
        clear_ahead(c, e);
        e->err = fetched->err;
        ch->status = fetched->status;
        ch->err = fetched->err;
        if (fetched->status == OME_EINTR || fetched->status == OME_ENOMEM) {
            table_remove(c, e); /* not the chunk's fault: the next read tries again */
            return;
        }
        c->stats.fetch_errors++;
        c->bytes -= e->size; /* kept a short while, holding no data */
        e->size = 0;
        e->failed_until = ome_now() + FAILED_TTL_S;
        list_push_front(&c->failed, e);
    }
}

/* Forgets failures older than FAILED_TTL_S, called with the lock held. */
static void forget_failures(ome_chunk_cache *c)
{
    double now = ome_now();
    while (c->failed.tail && c->failed.tail->failed_until <= now)
        drop_entry(c, c->failed.tail);
}

/* Waits up to WAIT_SLICE_S for a load to settle, called with the lock held. */
static void wait_slice(ome_chunk_cache *c)
{
    double until = ome_now() + WAIT_SLICE_S;
    struct timespec ts = {(time_t)until, (long)((until - (double)(time_t)until) * 1e9)};
    c->waiting++;
    pthread_cond_timedwait(&c->loaded, &c->lock, &ts);
    c->waiting--;
}

/* Waits for the chunks that other readers were loading, called with the lock held; each is
 * then where this reader's access puts it (loaded ahead and now read: no longer ahead). */
static void wait_for_others(ome_chunk_cache *c, ome_zarr_chunk *chunks, size_t n,
                            ome_access access)
{
    for (size_t i = 0; i < n; i++) {
        ome_zarr_chunk *ch = &chunks[i];
        cache_entry *e = ch->cache_ref;
        if (!e || ch->data || ch->status != OME_OK)
            continue;
        while (e->loading && !ome_cancelled())
            wait_slice(c);
        if (e->loading) { /* our own program gave up: the loader goes on for the others */
            ch->status = ome_err_set(&ch->err, OME_EINTR, "interrupted");
        } else if (e->status == OME_OK) {
            ch->data = e->data;
            if (e->in_table && e->list)
                touch(c, e, access);
        } else {
            ch->status = e->status;
            ch->err = e->err;
        }
    }
}

/* The budget of the shard indexes (shard_index_cache.h): they take the memory of chunks,
 * evicted for them, up to half of the cap. */
static bool charge_indexes(void *ctx, int64_t delta)
{
    ome_chunk_cache *c = ctx;
    pthread_mutex_lock(&c->lock);
    bool ok = delta <= 0 || c->index_bytes + (size_t)delta <= c->cap / 2;
    if (ok) {
        c->index_bytes = (size_t)((int64_t)c->index_bytes + delta);
        c->bytes = (size_t)((int64_t)c->bytes + delta);
        evict(c);
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

/* The misses of a round being fetched: each is settled as soon as it is final, so that readers
 * waiting for it go on while the rest of the batch is on its way. */
typedef struct {
    ome_chunk_cache *c;
    ome_zarr_chunk *chunks, *fetch;
    const size_t *miss;
    bool *settled;
    ome_access access;
} round_misses;

static void settle_ready(void *ctx, size_t k)
{
    round_misses *rm = ctx;
    pthread_mutex_lock(&rm->c->lock);
    settle(rm->c, &rm->chunks[rm->miss[k]], &rm->fetch[k], rm->access);
    rm->settled[k] = true;
    if (rm->c->waiting)
        pthread_cond_broadcast(&rm->c->loaded);
    pthread_mutex_unlock(&rm->c->lock);
}

/* One round of ome_cache_get_chunks_as: claims every chunk, fetches the misses, waits for the
 * chunks others are loading. */
static void get_round(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                      ome_zarr_chunk *chunks, size_t n, ome_access access, size_t *miss,
                      ome_zarr_chunk *fetch, bool *settled)
{
    size_t nmiss = 0;
    pthread_mutex_lock(&c->lock);
    forget_failures(c);
    if (access == OME_ACCESS_STREAM && n * a->chunk_nbytes > c->stream_touch_max)
        c->stream_touch_max = n * a->chunk_nbytes;
    for (size_t i = 0; i < n; i++) {
        if (claim(c, store, a, &chunks[i], access)) {
            memset(&fetch[nmiss], 0, sizeof fetch[nmiss]);
            memcpy(fetch[nmiss].idx, chunks[i].idx, sizeof chunks[i].idx);
            miss[nmiss++] = i;
        }
    }
    if (nmiss)
        evict(c); /* make room before the memory is used */
    pthread_mutex_unlock(&c->lock);

    if (nmiss && a->shard_cache)
        ome_shard_cache_set_budget(a->shard_cache, charge_indexes, c);
    round_misses rm = {c, chunks, fetch, miss, settled, access};
    memset(settled, 0, nmiss * sizeof *settled);
    /* Read-ahead settles each chunk as it comes (its workers are the parallelism); a reader's
     * own batch is decoded on the pool once it is in. */
    if (nmiss)
        ome_zarr_get_chunks_ready(store, a, fetch, nmiss, c->pool,
                                  access == OME_ACCESS_AHEAD ? settle_ready : NULL, &rm);

    pthread_mutex_lock(&c->lock);
    for (size_t k = 0; k < nmiss; k++)
        if (!settled[k])
            settle(c, &chunks[miss[k]], &fetch[k], access);
    if (nmiss && c->waiting)
        pthread_cond_broadcast(&c->loaded);
    wait_for_others(c, chunks, n, access);
    evict(c);
    pthread_mutex_unlock(&c->lock);
}

/* Gathers the chunks whose loader (another reader) was interrupted while this reader was not:
 * their references are given back, and this reader loads them itself. Returns how many. */
static size_t take_interrupted(ome_chunk_cache *c, ome_zarr_chunk *chunks, size_t n,
                               size_t *which, ome_zarr_chunk *again)
{
    if (ome_cancelled())
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (chunks[i].status != OME_EINTR)
            continue;
        ome_cache_release(c, &chunks[i]);
        memset(&again[m], 0, sizeof again[m]);
        memcpy(again[m].idx, chunks[i].idx, sizeof chunks[i].idx);
        which[m++] = i;
    }
    return m;
}

void ome_cache_get_chunks_as(ome_chunk_cache *c, ome_store *store, const ome_zarr_array *a,
                             ome_zarr_chunk *chunks, size_t n, ome_access access)
{
    if (!c) {
        ome_zarr_get_chunks(store, a, chunks, n, NULL);
        for (size_t i = 0; i < n; i++)
            chunks[i].cache_ref = NULL;
        return;
    }
    size_t *miss = calloc(n ? n : 1, sizeof *miss), *which = calloc(n ? n : 1, sizeof *which);
    ome_zarr_chunk *fetch = calloc(n ? n : 1, sizeof *fetch);
    ome_zarr_chunk *again = calloc(n ? n : 1, sizeof *again);
    bool *settled = calloc(n ? n : 1, sizeof *settled);
    if (!miss || !fetch || !which || !again || !settled) {
        free(miss), free(fetch), free(which), free(again), free(settled);
        for (size_t i = 0; i < n; i++)
            chunks[i].status = ome_err_set(&chunks[i].err, OME_ENOMEM, "out of memory");
        return;
    }
    get_round(c, store, a, chunks, n, access, miss, fetch, settled);
    size_t m;
    for (int round = 1; round < INTERRUPTED_ROUNDS &&
                        (m = take_interrupted(c, chunks, n, which, again)) > 0;
         round++) {
        get_round(c, store, a, again, m, access, miss, fetch, settled);
        for (size_t k = 0; k < m; k++)
            chunks[which[k]] = again[k];
    }
    free(miss), free(fetch), free(which), free(again), free(settled);
}

void ome_cache_release(ome_chunk_cache *c, ome_zarr_chunk *chunk)
{
    if (!c) {
        free(chunk->data);
    } else if (chunk->cache_ref) {
        pthread_mutex_lock(&c->lock);
        release_locked(chunk->cache_ref);
        pthread_mutex_unlock(&c->lock);
    }
    chunk->data = NULL;
    chunk->cache_ref = NULL;
}
