/* background: n jobs run by a few threads of their own while the caller goes on (loading a
 * tree's folders ahead of a walk), stopped and waited for on demand. */
#ifndef OME_BACKGROUND_H
#define OME_BACKGROUND_H

typedef struct ome_background ome_background;

/* Starts job(ctx, 0) … job(ctx, n-1), at most `threads` at once; NULL when nothing started. */
ome_background *ome_background_start(int n, int threads, void (*job)(void *ctx, int i),
                                     void *ctx);
/* Starts no new job, cancels those running (base/cancel.h: their transfers and waits end
 * soon), waits for them, frees. NULL does nothing. */
void ome_background_stop(ome_background *b);

#endif
