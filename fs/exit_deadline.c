/* exit_deadline: a bound on how long the daemon takes to stop once unmounted. Stopping cancels
 * every transfer (base/cancel.h); should anything still wait on a server that does not answer,
 * the process ends anyway once the deadline has passed, abandoning it: nothing it held can be
 * lost (the disk cache writes whole entries by rename). */
#include "exit_deadline.h"

#include "base/clock.h"
#include "base/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct omefs_deadline {
    pthread_t thread;
    double seconds;
    int status;
    _Atomic bool done;
};

static void *watch(void *arg)
{
    omefs_deadline *d = arg;
    for (double waited = 0; waited < d->seconds; waited += 0.05) {
        if (atomic_load(&d->done))
            return NULL;
        ome_sleep(0.05);
    }
    if (atomic_load(&d->done))
        return NULL;
    OME_LOGW("still stopping after %.0f s (a server that does not answer): exiting without "
             "waiting for it", d->seconds);
    _exit(d->status);
}

omefs_deadline *omefs_deadline_start(double seconds, int status)
{
    omefs_deadline *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->seconds = seconds;
    d->status = status;
    if (pthread_create(&d->thread, NULL, watch, d) != 0) {
        free(d);
        return NULL;
    }
    return d;
}

void omefs_deadline_met(omefs_deadline *d)
{
    if (!d)
        return;
    atomic_store(&d->done, true);
    pthread_join(d->thread, NULL);
    free(d);
}
