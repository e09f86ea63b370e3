/* cancel: the calling thread's "has my request been given up?" check. */
#include "base/cancel.h"

#include <stddef.h>

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
