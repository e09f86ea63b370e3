/* buf: a growable byte buffer used for fetched objects and generated headers. */
#ifndef OME_BUF_H
#define OME_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct ome_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} ome_buf;

/* Ensures room for `extra` more bytes; returns 0 or OME_ENOMEM. */
int ome_buf_reserve(ome_buf *b, size_t extra);
int ome_buf_append(ome_buf *b, const void *data, size_t len);
void ome_buf_free(ome_buf *b);
/* Moves ownership of the bytes out; the buffer becomes empty. */
uint8_t *ome_buf_steal(ome_buf *b, size_t *len);

#endif
