/* buf: a growable byte buffer. */
#include "base/buf.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

int ome_buf_reserve(ome_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len)
        return OME_ENOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return OME_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return OME_ENOMEM;
    b->data = p;
    b->cap = cap;
    return OME_OK;
}

int ome_buf_append(ome_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return OME_OK;
    int rc = ome_buf_reserve(b, len);
    if (rc)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return OME_OK;
}

void ome_buf_free(ome_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *ome_buf_steal(ome_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
