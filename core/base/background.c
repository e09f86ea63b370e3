/* background: a few threads taking jobs by number until none is left or they are stopped. */
#include "base/background.h"

#include "base/cancel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#define MOST_THREADS 16

struct ome_background {
    void (*job)(void *ctx, int i);
    void *ctx;
    int n, nthreads;
    _Atomic int next;
    _Atomic bool stop;
    pthread_t threads[MOST_THREADS];
};

/* A job's waits (transfers, backoffs, locks) end when the background is stopped. */
static bool stopping(void *ctx)
{
    return atomic_load(&((ome_background *)ctx)->stop);
}

static void *worker(void *arg)
{
    ome_background *b = arg;
    ome_cancel_set(stopping, b);
    while (!atomic_load(&b->stop)) {
        int i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n)
            break;
        b->job(b->ctx, i);
    }
    return NULL;
}

ome_background *ome_background_start(int n, int threads, void (*job)(void *ctx, int i),
                                     void *ctx)
{
    ome_background *b = n > 0 ? calloc(1, sizeof *b) : NULL;
    if (!b)
        return NULL;
    b->job = job;
    b->ctx = ctx;
    b->n = n;
    int want = threads < n ? threads : n;
    if (want > MOST_THREADS)
        want = MOST_THREADS;
    for (int i = 0; i < want; i++)
        if (pthread_create(&b->threads[b->nthreads], NULL, worker, b) == 0)
            b->nthreads++;
    if (b->nthreads == 0) {
        free(b);
        return NULL;
    }
    return b;
}

void ome_background_stop(ome_background *b)
{
    if (!b)
        return;
    atomic_store(&b->stop, true);
    for (int i = 0; i < b->nthreads; i++)
        pthread_join(b->threads[i], NULL);
    free(b);
}
