/* store_s3: s3://bucket/prefix sources: credentials, endpoint, region, listing. */
#ifndef OME_STORE_S3_H
#define OME_STORE_S3_H

#include "store/store.h"

/* s3://bucket/prefix, with the S3 fields of opts (store_s3.c). */
int ome_store_s3_open(const char *source, const ome_store_opts *opts, ome_store **out,
                      ome_err *err);

#endif
