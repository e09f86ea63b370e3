/* cache: LRU memory cache of decoded chunks with single-flight loading. */
#include "zarr/chunk_cache.h"

#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_entry {
    char *key;
    uint64_t hash;
    uint8_t *data;
    size_t size;
    int refs;
    bool loading, in_table;
    bool ahead; /* loaded by read-ahead and not read since */
    int status; /* of the load, for waiters */
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
    size_t stream_keep, stream_touch_max;
    size_t bytes, cap;
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
    pthread_cond_init(&c->loaded, NULL);
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

/* Where a loaded entry goes when read: a stream moves what it reads past (of its own or loaded
 * ahead for it) to the short-lived list; anything read at random is kept by recency. Read-ahead
 * finding an entry leaves it where it is. */
static void touch(ome_chunk_cache *c, cache_entry *e, ome_access access)
{
    if (access == OME_ACCESS_AHEAD)
        return;
    if (access == OME_ACCESS_STREAM && (e->ahead || e->list == &c->passed)) {
        e->ahead = false;
        list_push_front(&c->passed, e);
        return;
    }
    e->ahead = false;
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

static void evict_entry(ome_chunk_cache *c, cache_entry *e)
{
    table_remove(c, e);
    c->stats.evictions++;
    if (e->refs == 0)
        entry_free(e);
}

/* Drops what streams read past beyond their window, then the least recent under the cap. */
static void evict(ome_chunk_cache *c)
{
    size_t keep = 2 * c->stream_touch_max > c->stream_keep ? 2 * c->stream_touch_max
                                                            : c->stream_keep;
    while (c->passed.bytes > keep && c->passed.tail) {
        c->stats.stream_evictions++;
        evict_entry(c, c->passed.tail);
    }
    while (c->bytes > c->cap) {
        cache_entry *e = c->passed.tail ? c->passed.tail : c->recent.tail;
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
    char *chunk_key = ome_zarr_chunk_key_dup(a, ch->idx);
    size_t len = chunk_key ? strlen(store->root) + strlen(chunk_key) + 2 : 0;
    char *key = chunk_key ? malloc(len) : NULL;
    if (!key) {
        free(chunk_key);
        ch->status = ome_err_set(&ch->err, OME_ENOMEM, "out of memory");
        return false;
    }
    snprintf(key, len, "%s\n%s", store->root, chunk_key);
    free(chunk_key);
    uint64_t h = fnv1a(key);
    cache_entry *e = table_find(c, key, h);
    if (e) {
        free(key);
        e->refs++;
        ch->cache_ref = e;
        if (e->loading) {
            c->stats.waits++;
        } else {
            c->stats.hits++;
            ch->data = e->data;
            touch(c, e, access);
        }
        return false;
    }
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
        e->ahead = access == OME_ACCESS_AHEAD;
        list_push_front(access == OME_ACCESS_STREAM ? &c->passed : &c->recent, e);
    } else {
        /* Failures are not cached: the next read tries again. */
        e->err = fetched->err;
        ch->status = fetched->status;
        ch->err = fetched->err;
        c->stats.fetch_errors++;
        table_remove(c, e);
    }
}

/* Waits for the chunks that other readers were loading, called with the lock held. */
static void wait_for_others(ome_chunk_cache *c, ome_zarr_chunk *chunks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ome_zarr_chunk *ch = &chunks[i];
        cache_entry *e = ch->cache_ref;
        if (!e || ch->data || ch->status != OME_OK)
            continue;
        while (e->loading)
            pthread_cond_wait(&c->loaded, &c->lock);
        if (e->status == OME_OK) {
            ch->data = e->data;
        } else {
            ch->status = e->status;
            ch->err = e->err;
        }
    }
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
    size_t *miss = calloc(n ? n : 1, sizeof *miss);
    ome_zarr_chunk *fetch = calloc(n ? n : 1, sizeof *fetch);
    if (!miss || !fetch) {
        free(miss);
        free(fetch);
        for (size_t i = 0; i < n; i++)
            chunks[i].status = ome_err_set(&chunks[i].err, OME_ENOMEM, "out of memory");
        return;
    }
    size_t nmiss = 0;
    pthread_mutex_lock(&c->lock);
    if (access == OME_ACCESS_STREAM && n * a->chunk_nbytes > c->stream_touch_max)
        c->stream_touch_max = n * a->chunk_nbytes;
    for (size_t i = 0; i < n; i++) {
        if (claim(c, store, a, &chunks[i], access)) {
            memcpy(fetch[nmiss].idx, chunks[i].idx, sizeof chunks[i].idx);
            miss[nmiss++] = i;
        }
    }
    if (nmiss)
        evict(c); /* make room before the memory is used */
    pthread_mutex_unlock(&c->lock);

    if (nmiss)
        ome_zarr_get_chunks(store, a, fetch, nmiss, c->pool);

    pthread_mutex_lock(&c->lock);
    for (size_t k = 0; k < nmiss; k++)
        settle(c, &chunks[miss[k]], &fetch[k], access);
    if (nmiss)
        pthread_cond_broadcast(&c->loaded);
    wait_for_others(c, chunks, n);
    evict(c);
    pthread_mutex_unlock(&c->lock);
    free(miss);
    free(fetch);
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
