/* cache: LRU memory cache of decoded chunks with single-flight loading. */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_entry {
    char *key;
    uint64_t hash;
    uint8_t *data;
    size_t size;
    int refs;
    bool loading, in_table, in_lru;
    int status; /* of the load, for waiters */
    ome_err err;
    struct cache_entry *hnext, *prev, *next; /* hash chain; LRU list (loaded entries) */
} cache_entry;

struct ome_chunk_cache {
    pthread_mutex_t lock;
    pthread_cond_t loaded;
    cache_entry **buckets;
    size_t nbuckets, nentries;
    cache_entry *lru_head, *lru_tail; /* head = most recent */
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

void ome_cache_get_stats(ome_chunk_cache *c, ome_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    out->bytes = c->bytes;
    out->entries = c->nentries;
    pthread_mutex_unlock(&c->lock);
}

static void lru_unlink(ome_chunk_cache *c, cache_entry *e)
{
    if (!e->in_lru)
        return;
    e->in_lru = false;
    if (e->prev)
        e->prev->next = e->next;
    else if (c->lru_head == e)
        c->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else if (c->lru_tail == e)
        c->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(ome_chunk_cache *c, cache_entry *e)
{
    e->in_lru = true;
    e->prev = NULL;
    e->next = c->lru_head;
    if (c->lru_head)
        c->lru_head->prev = e;
    c->lru_head = e;
    if (!c->lru_tail)
        c->lru_tail = e;
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
    lru_unlink(c, e);
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

static void evict(ome_chunk_cache *c)
{
    cache_entry *e = c->lru_tail;
    while (c->bytes > c->cap && e) {
        cache_entry *prev = e->prev;
        table_remove(c, e);
        c->stats.evictions++;
        if (e->refs == 0)
            entry_free(e);
        e = prev;
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
    for (size_t i = 0; i < n; i++) {
        char key[4096];
        ome_zarr_chunk *ch = &chunks[i];
        ch->data = NULL;
        ch->cache_ref = NULL;
        ch->status = OME_OK;
        int w = snprintf(key, sizeof key, "%s\n", store->root);
        if (ome_zarr_chunk_key(a, ch->idx, key + w, sizeof key - (size_t)w)) {
            ch->status = ome_err_set(&ch->err, OME_ERANGE, "%s: chunk key too long", a->where);
            continue;
        }
        uint64_t h = fnv1a(key);
        cache_entry *e = table_find(c, key, h);
        if (e) {
            e->refs++;
            ch->cache_ref = e;
            if (e->loading) {
                c->stats.waits++;
            } else {
                c->stats.hits++;
                ch->data = e->data;
                lru_unlink(c, e);
                lru_push_front(c, e);
            }
            continue;
        }
        e = calloc(1, sizeof *e);
        if (!e || !(e->key = strdup(key))) {
            free(e);
            ch->status = ome_err_set(&ch->err, OME_ENOMEM, "out of memory");
            continue;
        }
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
        memcpy(fetch[nmiss].idx, ch->idx, sizeof ch->idx);
        miss[nmiss++] = i;
    }
    if (nmiss)
        evict(c); /* make room before the memory is used */
    pthread_mutex_unlock(&c->lock);

    if (nmiss)
        ome_zarr_get_chunks(store, a, fetch, nmiss, c->pool);

    pthread_mutex_lock(&c->lock);
    for (size_t k = 0; k < nmiss; k++) {
        ome_zarr_chunk *ch = &chunks[miss[k]];
        cache_entry *e = ch->cache_ref;
        e->loading = false;
        e->status = fetch[k].status;
        if (fetch[k].status == OME_OK) {
            e->data = fetch[k].data;
            ch->data = e->data;
            lru_push_front(c, e);
        } else {
            /* Failures are not cached: the next read tries again. */
            e->err = fetch[k].err;
            ch->status = fetch[k].status;
            ch->err = fetch[k].err;
            c->stats.fetch_errors++;
            table_remove(c, e);
        }
    }
    if (nmiss)
        pthread_cond_broadcast(&c->loaded);
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
