/* sigv4: how omefs signs S3 requests — AWS Signature Version 4 computed by libcurl — as one
 * function, so that the tests can check it against AWS's published examples. */
#ifndef OME_SIGV4_H
#define OME_SIGV4_H

#include <curl/curl.h>

/* SHA-256 of an empty body: S3 GETs declare it as their payload hash. */
#define OME_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Sets the signing options on an easy handle and appends the headers it needs (payload hash,
 * session token) to *headers, which the caller passes to CURLOPT_HTTPHEADER and frees; with
 * headers NULL (a retry whose list already holds them) only the options are set.
 * `provider` is "aws:amz:REGION:s3"; token may be NULL. Returns 0, or -1 when out of memory. */
int ome_sigv4_apply(CURL *e, const char *provider, const char *key_id, const char *secret,
                    const char *token_header, struct curl_slist **headers);

#endif
