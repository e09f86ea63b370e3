/* Fuzz target: a zipped OME-Zarr (.ozx) as a server could send it, the whole input being the
 * archive: its end records, central directory and local headers, read by ranges through
 * store_zip; then its folders listed and a few entries read whole and in part. */
#include "store/store_backend.h"
#include "store/store_zip.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    ome_store base;
    const uint8_t *data;
    size_t size;
} mem_store;

static int mem_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    mem_store *m = (mem_store *)s;
    for (size_t i = 0; i < n; i++) {
        uint64_t off, len;
        ome_store_req_part(&reqs[i], m->size, &off, &len);
        ome_buf_free(&reqs[i].body);
        reqs[i].status = ome_buf_append(&reqs[i].body, m->data + off, (size_t)len);
    }
    return OME_OK;
}

static void mem_destroy(ome_store *s)
{
    free(s);
}

static const ome_store_ops mem_ops = {mem_get_many, mem_destroy, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mem_store *m = calloc(1, sizeof *m);
    if (!m)
        return 0;
    m->base.ops = &mem_ops;
    m->base.root = "fuzz.ozx";
    m->data = data;
    m->size = size;
    ome_store *zip;
    ome_err err;
    if (ome_store_zip_open(&m->base, "", &zip, &err) != OME_OK)
        return 0;
    char **names;
    int n;
    if (ome_store_list_dirs(zip, "", &names, &n, &err) == OME_OK)
        ome_store_names_free(names, n);
    ome_store_req r[5] = {
        {.key = "zarr.json"},
        {.key = "0/zarr.json"},
        {.key = "0/c/0/0", .range = OME_RANGE_SPAN, .off = 3, .len = 10},
        {.key = "0/c/0/0", .range = OME_RANGE_SUFFIX, .len = 20},
        {.key = "a"},
    };
    ome_store_get_many(zip, r, 5);
    ome_store_reqs_free(r, 5);
    ome_store_close(zip);
    return 0;
}
