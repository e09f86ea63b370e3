/* pool: worker threads running parallel-for tasks. Tasks are queued in a list; any thread (a
 * worker or the caller) claims the next index of a task until all are claimed. */
#include "base/pool.h"
#include "base/platform.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct pool_task {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n, next, done;
    struct pool_task *qnext;
} pool_task;

struct ome_pool {
    pthread_mutex_t lock;
    pthread_cond_t work, finished;
    pool_task *head, *tail;
    bool stop;
    int nthreads;
    pthread_t *threads;
};

/* Claims and runs indices of t until none are left; called with the lock held. */
static void run_some(ome_pool *p, pool_task *t)
{
    while (t->next < t->n) {
        size_t i = t->next++;
        if (t->next == t->n) { /* fully claimed: leave the queue */
            pool_task **pp = &p->head, *prev = NULL;
            while (*pp && *pp != t)
                prev = *pp, pp = &(*pp)->qnext;
            if (*pp)
                *pp = t->qnext;
            if (p->tail == t)
                p->tail = prev;
        }
        pthread_mutex_unlock(&p->lock);
        t->fn(t->ctx, i);
        pthread_mutex_lock(&p->lock);
        if (++t->done == t->n)
            pthread_cond_broadcast(&p->finished);
    }
}

static void *worker(void *arg)
{
    ome_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        if (p->head)
            run_some(p, p->head);
        else
            pthread_cond_wait(&p->work, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

ome_pool *ome_pool_new(int nthreads)
{
    if (nthreads < 0) {
        int cpus = ome_cpu_count();
        nthreads = cpus > 8 ? 8 : cpus;
    }
    ome_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->threads = calloc((size_t)nthreads + 1, sizeof *p->threads))) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->finished, NULL);
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) == 0)
            p->nthreads++;
    return p;
}

void ome_pool_free(ome_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->finished);
    free(p->threads);
    free(p);
}

void ome_pool_for(ome_pool *p, size_t n, void (*fn)(void *ctx, size_t i), void *ctx)
{
    if (!p || p->nthreads == 0 || n < 2) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    pool_task t = {.fn = fn, .ctx = ctx, .n = n};
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->qnext = &t;
    else
        p->head = &t;
    p->tail = &t;
    pthread_cond_broadcast(&p->work);
    run_some(p, &t);
    while (t.done < t.n)
        pthread_cond_wait(&p->finished, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
