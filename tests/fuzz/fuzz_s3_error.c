/* Fuzz target: S3 error documents as a server could send them. Byte 0 picks the HTTP status;
 * the rest is the body. */
#include "store/s3_errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const long codes[] = {301, 400, 401, 403, 404, 409, 500, 503};
    ome_store_req r = {.key = "k"};
    ome_buf_append(&r.body, data + 1, size - 1);
    ome_s3_code_is(&r, "NoSuchBucket");
    ome_s3_explain(&r, codes[data[0] % 8], "s3://fuzz/k", "", data[0] & 8);
    ome_buf_free(&r.body);
    return 0;
}
