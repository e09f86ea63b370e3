/* Fuzz target: ListObjectsV2 answers as a server could send them, read for the folders under a
 * prefix and the next page's token. */
#include "store/s3_list.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **names = NULL, token[256];
    int n = 0;
    bool more;
    ome_err err = {0};
    ome_s3_list_parse((const char *)data, size, "lab/", "fuzz", &names, &n, &more, token,
                      sizeof token, &err);
    ome_store_names_free(names, n);
    return 0;
}
