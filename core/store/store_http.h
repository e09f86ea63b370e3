/* store_http: HTTP(S) stores: parallel range requests through libcurl's multi interface, retries
 * with backoff, conditional requests; optionally signed for S3. */
#ifndef OME_STORE_HTTP_H
#define OME_STORE_HTTP_H

#include "store/store.h"

/* The objects under `url`. */
int ome_store_http_open(const char *url, const ome_store_opts *opts, ome_store **out,
                        ome_err *err);
/* AWS Signature Version 4 credentials for an HTTP store (set by store_s3.c). */
typedef struct ome_sigv4 {
    const char *region, *key_id, *secret, *token; /* token may be NULL */
} ome_sigv4;


/* An HTTP store speaking to S3: requests signed with `sig` (NULL: anonymous), S3 error codes
 * turned into clear messages, named as `shown` (s3://bucket/prefix) in messages. */
int ome_store_http_open_s3(const char *url, const char *shown, const ome_store_opts *opts,
                           const ome_sigv4 *sig, ome_store **out, ome_err *err);
/* HTTP stores only: headers sent with every request from now on (a session cookie, say),
 * replacing earlier ones; and keys of the form "path?query" whose query is kept as given. */
int ome_store_http_set_headers(ome_store *s, const char *const *headers, size_t n);
void ome_store_http_keys_carry_query(ome_store *s);

/* libcurl's version ("7.88.1"), for --version. */
const char *ome_http_library_version(void);

#endif
