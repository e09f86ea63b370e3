/* s3_list: one page of an S3 ListObjectsV2 answer (with delimiter "/"): the "folders" under the
 * listed prefix, and where the next page starts. */
#ifndef OME_S3_LIST_H
#define OME_S3_LIST_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends to names/n the common prefixes of the page that lie under `prefix` ("dir/", or "" at
 * the bucket's root), as the name after it without the trailing '/' ("a.zarr"). *truncated
 * tells whether more pages follow, and token (of toklen bytes) is the next page's
 * continuation token. An answer that is not a listing is OME_EINVAL naming `where`. */
int ome_s3_list_parse(const char *xml, size_t len, const char *prefix, const char *where,
                      char ***names, int *n, bool *truncated, char *token, size_t toklen,
                      ome_err *err);
/* Percent-encodes `s` for a canonical S3 query value (everything but A-Z a-z 0-9 - . _ ~). */
void ome_s3_query_encode(const char *s, char *out, size_t outlen);

#endif
