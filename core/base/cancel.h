/* cancel: whether the program a thread works for has given up on its request. The filesystem
 * layer says, for the thread serving a read, how to ask (libfuse's interrupt flag); the layers
 * below ask at the points where they would wait (a transfer in progress, a backoff, a chunk
 * another thread is loading) and give up with OME_EINTR. A thread that set nothing is never
 * cancelled (read-ahead, metadata). */
#ifndef OME_CANCEL_H
#define OME_CANCEL_H

#include <stdbool.h>

typedef bool (*ome_cancel_fn)(void *ctx);

/* Sets (fn non-NULL) or clears (NULL) the calling thread's check. */
void ome_cancel_set(ome_cancel_fn fn, void *ctx);
/* Whether the calling thread's request has been given up. */
bool ome_cancelled(void);

#endif
