/* sigv4: signing options for libcurl (see sigv4.h). */
#include "store/sigv4.h"

int ome_sigv4_apply(CURL *e, const char *provider, const char *key_id, const char *secret,
                    const char *token_header, struct curl_slist **headers)
{
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, provider);
    curl_easy_setopt(e, CURLOPT_USERNAME, key_id);
    curl_easy_setopt(e, CURLOPT_PASSWORD, secret);
    if (!headers)
        return 0;
    struct curl_slist *h =
        curl_slist_append(*headers, "x-amz-content-sha256: " OME_SIGV4_EMPTY_SHA256);
    if (h && token_header)
        h = curl_slist_append(h, token_header);
    if (!h)
        return -1;
    *headers = h;
    return 0;
}
