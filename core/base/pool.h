/* pool: a small fixed set of worker threads for CPU work (decoding chunks). One pool per mount;
 * the calling thread works too, so a pool of 0 threads is plain serial execution. */
#ifndef OME_POOL_H
#define OME_POOL_H

#include <stddef.h>

typedef struct ome_pool ome_pool;

/* nthreads < 0: one per online CPU, at most 8. Returns NULL on failure. */
ome_pool *ome_pool_new(int nthreads);
void ome_pool_free(ome_pool *p);

/* Runs fn(ctx, i) for every i in [0, n), spread over the pool and the caller; returns when all
 * calls have returned. p may be NULL (serial). */
void ome_pool_for(ome_pool *p, size_t n, void (*fn)(void *ctx, size_t i), void *ctx);

#endif
