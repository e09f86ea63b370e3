/* Fuzz target: Zarr array metadata (v2 .zarray, v3 zarr.json) as a server could send it — parse
 * with both parsers, then use the result as the mount would (chunk keys, fill, chunk size). */
#include "zarr/zarr.h"
#include "zarr/zarr_v3.h"
#include "zarr/zarr_v2.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    if (!doc)
        return 0;
    ome_err err;
    for (int v3 = 0; v3 < 2; v3++) {
        ome_zarr_array *a = NULL;
        int rc = v3 ? ome_zarr_array_parse_v3(doc, "0", "fuzz/zarr.json", &a, &err)
                    : ome_zarr_array_parse_v2(doc, "0", "fuzz/.zarray", &a, &err);
        if (rc != OME_OK)
            continue;
        uint64_t idx[OME_ZARR_MAX_DIMS] = {0};
        char key[256];
        for (int d = 0; d < a->ndim; d++)
            idx[d] = ome_zarr_grid(a, d) - 1;
        ome_zarr_chunk_key(a, idx, key, sizeof key);
        if (a->chunk_nbytes <= (1u << 20)) {
            uint8_t *buf = malloc(a->chunk_nbytes ? a->chunk_nbytes : 1);
            ome_zarr_fill_chunk(a, buf);
            free(buf);
        }
        ome_zarr_array_free(a);
    }
    json_decref(doc);
    return 0;
}
