/* err: error codes and a message buffer that every fallible core call fills in. */
#ifndef OME_ERR_H
#define OME_ERR_H

#include <stddef.h>

enum {
    OME_OK = 0,
    OME_ABSENT = 1,        /* not an error: the object does not exist (404, ENOENT) */
    OME_NOT_MODIFIED = 2,  /* not an error: a conditional request found the object unchanged */
    OME_EIO = -1,          /* transport or server failure */
    OME_EINVAL = -2,       /* malformed metadata or data */
    OME_ENOMEM = -3,
    OME_EUNSUPPORTED = -4, /* valid but not supported (codec, dtype, order) */
    OME_ETIMEDOUT = -5,
    OME_EDENIED = -6,      /* 401/403 or TLS verification failure */
    OME_ERANGE = -7,       /* sizes out of bounds or overflowing */
    OME_EINTR = -8,        /* the reading program gave up (a signal): base/cancel.h */
};

typedef struct ome_err {
    int code;
    char msg[1024];
} ome_err;

/* Sets code and message (printf-style), the message escaped (base/text_escape.h); returns code
 * so callers can `return ome_err_set(...)`. */
int ome_err_set(ome_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message with context ("while reading X: ..."); returns err->code. */
int ome_err_prefix(ome_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ome_err_clear(ome_err *err);
const char *ome_err_name(int code);

#endif
