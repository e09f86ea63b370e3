/* cancel: whether the program a thread works for has given up on its request. The filesystem
 * layer says, for the thread serving a request, how to ask (libfuse's interrupt flag); the layers
 * below ask at the points where they would wait (a transfer in progress, a backoff, a lock or a
 * folder another thread is loading) and give up with OME_EINTR. A thread that set nothing is
 * never cancelled (metadata at mount time); background workers are cancelled when stopped.
 * Threads started for a request follow it through a relay. */
#ifndef OME_CANCEL_H
#define OME_CANCEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef bool (*ome_cancel_fn)(void *ctx);

/* Sets (fn non-NULL) or clears (NULL) the calling thread's check. */
void ome_cancel_set(ome_cancel_fn fn, void *ctx);
/* Whether the calling thread's request has been given up. */
bool ome_cancelled(void);

/* Locks m; OME_OK, or OME_EINTR (m not locked) when the calling thread's request is given up
 * while it waits. */
int ome_cancel_lock(pthread_mutex_t *m);

/* Sleeps `seconds`, in slices; false (early) when the calling thread's request is given up. */
bool ome_cancel_sleep(double seconds);

/* A relay from a thread serving a request to helper threads working for it: the helpers call
 * ome_cancel_follow(relay) first; the requester, while it waits for them, calls
 * ome_cancel_relay_poll(relay), which passes its own cancellation on. */
typedef struct ome_cancel_relay {
    _Atomic bool given_up;
} ome_cancel_relay;

void ome_cancel_follow(ome_cancel_relay *relay);
/* Passes the calling thread's cancellation to the relay; whether it was given up. */
bool ome_cancel_relay_poll(ome_cancel_relay *relay);

#endif
