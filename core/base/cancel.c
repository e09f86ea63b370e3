/* cancel: the calling thread's "has my request been given up?" check, and waits that end when
 * it is. */
#include "base/cancel.h"

#include "base/clock.h"
#include "base/err.h"

#include <errno.h>
#include <stddef.h>
#include <time.h>

/* How long a cancellable wait sleeps between two looks at its request, seconds. */
#define CANCEL_SLICE_S 0.05

/* One per thread: each FUSE worker serves one request at a time. */
static _Thread_local ome_cancel_fn cancel_fn;
static _Thread_local void *cancel_ctx;

void ome_cancel_set(ome_cancel_fn fn, void *ctx)
{
    cancel_fn = fn;
    cancel_ctx = fn ? ctx : NULL;
}

bool ome_cancelled(void)
{
    return cancel_fn && cancel_fn(cancel_ctx);
}

int ome_cancel_lock(pthread_mutex_t *m)
{
    if (!cancel_fn) {
        pthread_mutex_lock(m);
        return OME_OK;
    }
    for (;;) {
        struct timespec until = ome_realtime_after(CANCEL_SLICE_S);
        int rc = pthread_mutex_timedlock(m, &until);
        if (rc == 0)
            return OME_OK;
        if (rc != ETIMEDOUT && rc != EINTR) { /* not a lock that can be waited for in time */
            pthread_mutex_lock(m);
            return OME_OK;
        }
        if (ome_cancelled())
            return OME_EINTR;
    }
}

bool ome_cancel_sleep(double seconds)
{
    while (seconds > 0) {
        if (ome_cancelled())
            return false;
        double s = seconds < CANCEL_SLICE_S ? seconds : CANCEL_SLICE_S;
        ome_sleep(s);
        seconds -= s;
    }
    return !ome_cancelled();
}

static bool relay_given_up(void *ctx)
{
    return atomic_load(&((ome_cancel_relay *)ctx)->given_up);
}

void ome_cancel_follow(ome_cancel_relay *relay)
{
    ome_cancel_set(relay_given_up, relay);
}

bool ome_cancel_relay_poll(ome_cancel_relay *relay)
{
    if (!atomic_load(&relay->given_up) && ome_cancelled())
        atomic_store(&relay->given_up, true);
    return atomic_load(&relay->given_up);
}
