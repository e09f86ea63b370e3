/* store_json: fetching JSON documents. */
#include "store/store_json.h"

#include <jansson.h>

int ome_json_load(ome_store *store, const char *key, json_t **out, ome_err *err)
{
    ome_buf body = {0};
    int rc = ome_store_get(store, key, &body, err);
    char where[4096];
    ome_store_describe(store, key, where, sizeof where);
    if (rc == OME_ABSENT) {
        ome_buf_free(&body);
        ome_err_set(err, OME_ABSENT, "%s: not found", where);
        return OME_ABSENT;
    }
    if (rc == OME_OK)
        rc = ome_json_parse(&body, where, out, err);
    ome_buf_free(&body);
    return rc;
}

