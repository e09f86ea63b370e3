/* s3_errors: explaining S3's error answers (used by the HTTP store for s3:// sources). */
#ifndef OME_S3_ERRORS_H
#define OME_S3_ERRORS_H

#include "store/store.h"

/* True when the error document in r's body has this <Code>. */
bool ome_s3_code_is(const ome_store_req *r, const char *code);
/* Sets r's status and message for answers that need explaining (access denied, a wrong region:
 * `code` is the HTTP status, `bucket_region` the x-amz-bucket-region header or ""); returns
 * false to leave the answer to the generic handling. `shown` names the object. */
bool ome_s3_explain(ome_store_req *r, long code, const char *shown, const char *bucket_region,
                    bool is_signed);

#endif
