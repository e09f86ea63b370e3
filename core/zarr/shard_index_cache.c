/* shard_index_cache: what is known of the shards of one array fetched so far, by shard key. */
#include "zarr/shard_index_cache.h"

#include "base/cancel.h"
#include "base/clock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARD_CACHE_SLOTS 4096  /* indexes kept per array (16 bytes per inner chunk each) */
#define WAIT_SLICE_S 0.25 /* how often a waiting reader looks whether its program gave up */

/* A large index being read in parts by one reader. */
typedef struct flight {
    char *key;
    struct flight *next;
} flight;

typedef struct {
    char *key;      /* the shard's store key; NULL: free slot */
    bool absent;    /* the shard does not exist: every inner chunk is fill */
    uint64_t *entries; /* 2 × inner_per_shard: offset, nbytes; NULL: absent or sized */
    bool sized;     /* an index read in pieces: its checksum held, the shard has `size` bytes */
    uint64_t size;
    int64_t bytes;  /* of entries, charged to the budget */
} shard_slot;

struct ome_shard_cache {
    pthread_mutex_t lock;
    shard_slot slots[SHARD_CACHE_SLOTS];
    ome_budget_fn charge; /* NULL: no budget set yet */
    void *charge_ctx;
    int64_t bytes; /* of the entries kept */
    flight *flights; /* large indexes being read */
    pthread_cond_t landed; /* a flight ended */
};

void ome_shard_cache_free(struct ome_shard_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SHARD_CACHE_SLOTS; i++) {
        free(c->slots[i].key);
        free(c->slots[i].entries);
    }
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->landed);
    free(c);
}

static size_t slot_of(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = key; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return (size_t)(h % SHARD_CACHE_SLOTS);
}

bool ome_shard_cache_get_some(struct ome_shard_cache *c, const char *key, const uint64_t *pos,
                              size_t npos, uint64_t *entries, bool *absent)
{
    pthread_mutex_lock(&c->lock);
    shard_slot *s = &c->slots[slot_of(key)];
    bool hit = s->key && strcmp(s->key, key) == 0 && !s->sized;
    if (hit) {
        *absent = s->absent;
        for (size_t i = 0; i < npos && !s->absent; i++) {
            entries[2 * i] = s->entries[2 * pos[i]];
            entries[2 * i + 1] = s->entries[2 * pos[i] + 1];
        }
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

bool ome_shard_cache_get_size(struct ome_shard_cache *c, const char *key, uint64_t *size)
{
    pthread_mutex_lock(&c->lock);
    shard_slot *s = &c->slots[slot_of(key)];
    bool hit = s->key && strcmp(s->key, key) == 0 && s->sized;
    if (hit)
        *size = s->size;
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void ome_shard_cache_put_size(struct ome_shard_cache *c, const char *key, uint64_t size)
{
    char *k = strdup(key);
    if (!k)
        return;
    pthread_mutex_lock(&c->lock);
    shard_slot *s = &c->slots[slot_of(key)];
    if (s->entries && c->charge) /* what it held is given back */
        c->charge(c->charge_ctx, -s->bytes);
    c->bytes -= s->bytes;
    free(s->key);
    free(s->entries);
    *s = (shard_slot){.key = k, .sized = true, .size = size};
    pthread_mutex_unlock(&c->lock);
}

void ome_shard_cache_put(struct ome_shard_cache *c, const char *key, const uint64_t *entries,
                         size_t n, bool absent)
{
    char *k = strdup(key);
    uint64_t *e = absent ? NULL : malloc(n * 2 * sizeof *e);
    if (!k || (!absent && !e)) {
        free(k);
        free(e);
        return;
    }
    if (e)
        memcpy(e, entries, n * 2 * sizeof *e);
    pthread_mutex_lock(&c->lock);
    shard_slot *s = &c->slots[slot_of(key)];
    int64_t old = s->bytes, now = e ? (int64_t)(n * 2 * sizeof *e) : 0;
    if (c->charge && !c->charge(c->charge_ctx, now - old)) { /* no room: not kept */
        pthread_mutex_unlock(&c->lock);
        free(k);
        free(e);
        return;
    }
    c->bytes += now - old;
    free(s->key);
    free(s->entries);
    *s = (shard_slot){.key = k, .absent = absent, .entries = e, .bytes = now};
    pthread_mutex_unlock(&c->lock);
}

void ome_shard_cache_set_budget(struct ome_shard_cache *c, ome_budget_fn charge, void *ctx)
{
    pthread_mutex_lock(&c->lock);
    if (c->charge != charge || c->charge_ctx != ctx) { /* a first budget, or another cache's */
        c->charge = charge;
        c->charge_ctx = ctx;
        if (c->bytes && !charge(ctx, c->bytes)) /* what was kept before: dropped */
            for (size_t i = 0; i < SHARD_CACHE_SLOTS; i++) {
                free(c->slots[i].key);
                free(c->slots[i].entries);
                c->slots[i] = (shard_slot){0};
                c->bytes = 0;
            }
    }
    pthread_mutex_unlock(&c->lock);
}

struct ome_shard_cache *ome_shard_cache_new(void)
{
    struct ome_shard_cache *c = calloc(1, sizeof *c);
    if (c) {
        pthread_mutex_init(&c->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* ome_now's clock */
        pthread_cond_init(&c->landed, &ca);
        pthread_condattr_destroy(&ca);
    }
    return c;
}

static flight *find_flight(struct ome_shard_cache *c, const char *key)
{
    flight *f = c->flights;
    while (f && strcmp(f->key, key) != 0)
        f = f->next;
    return f;
}

bool ome_shard_cache_claim(struct ome_shard_cache *c, const char *key)
{
    pthread_mutex_lock(&c->lock);
    if (find_flight(c, key)) {
        while (find_flight(c, key) && !ome_cancelled()) {
            double until = ome_now() + WAIT_SLICE_S;
            struct timespec ts = {(time_t)until, (long)((until - (double)(time_t)until) * 1e9)};
            pthread_cond_timedwait(&c->landed, &c->lock, &ts);
        }
        pthread_mutex_unlock(&c->lock);
        return false;
    }
    flight *f = calloc(1, sizeof *f);
    if (f && (f->key = strdup(key))) {
        f->next = c->flights;
        c->flights = f;
    } else { /* out of memory: the caller reads it unannounced */
        free(f);
    }
    pthread_mutex_unlock(&c->lock);
    return true;
}

void ome_shard_cache_release(struct ome_shard_cache *c, const char *key)
{
    pthread_mutex_lock(&c->lock);
    for (flight **p = &c->flights; *p; p = &(*p)->next) {
        if (strcmp((*p)->key, key) == 0) {
            flight *f = *p;
            *p = f->next;
            free(f->key);
            free(f);
            break;
        }
    }
    pthread_cond_broadcast(&c->landed);
    pthread_mutex_unlock(&c->lock);
}
