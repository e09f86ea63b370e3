/* counting_store: a store over the real file store that counts the batches it is asked for
 * (round trips, on a network store) and the largest; for tests of how requests are grouped. */
#ifndef OME_COUNTING_STORE_H
#define OME_COUNTING_STORE_H

#include "store/store_backend.h"
#include "store/store_file.h"

typedef struct {
    ome_store base;
    ome_store *inner;
    int batches;
    size_t largest;
} tu_counting_store;

static inline int tu_counting_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    tu_counting_store *c = (tu_counting_store *)s;
    c->batches++;
    if (n > c->largest)
        c->largest = n;
    return ome_store_get_many(c->inner, reqs, n);
}

static inline void tu_counting_destroy(ome_store *s)
{
    ome_store_close(((tu_counting_store *)s)->inner);
}

/* Opens the file store at dir under a counter (fills c); the caller closes c->inner. */
static inline int tu_counting_open(tu_counting_store *c, const char *dir, ome_err *err)
{
    static const ome_store_ops ops = {tu_counting_get_many, tu_counting_destroy, NULL};
    *c = (tu_counting_store){.base = {.ops = &ops, .root = (char *)dir}};
    return ome_store_file_open(dir, &c->inner, err);
}

#endif
