/* err: error codes and message formatting. */
#include "base/err.h"

#include "base/text_escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ome_err_set(ome_err *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    ome_text_escape_in_place(err->msg, sizeof err->msg); /* messages quote servers and names */
    return code;
}

int ome_err_prefix(ome_err *err, const char *fmt, ...)
{
    if (!err)
        return OME_EIO;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    ome_text_escape_in_place(prefix, sizeof prefix);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

void ome_err_clear(ome_err *err)
{
    if (err) {
        err->code = OME_OK;
        err->msg[0] = '\0';
    }
}

const char *ome_err_name(int code)
{
    switch (code) {
    case OME_OK: return "ok";
    case OME_ABSENT: return "absent";
    case OME_EIO: return "I/O error";
    case OME_EINVAL: return "invalid data";
    case OME_ENOMEM: return "out of memory";
    case OME_EUNSUPPORTED: return "unsupported";
    case OME_ETIMEDOUT: return "timed out";
    case OME_EDENIED: return "access denied";
    case OME_ERANGE: return "out of range";
    case OME_EINTR: return "interrupted";
    default: return "unknown error";
    }
}
