/* Unit test of sigv4: omefs's signing settings, applied to AWS's published example request
 * ("GET Object" of the S3 Signature Version 4 documentation: examplebucket, test.txt, bytes 0-9,
 * 2013-05-24, the example keys), must produce AWS's published signature. The request goes to the
 * test nginx, which echoes the Authorization header it received. */
#include "testutil.h"

#include "base/buf.h"
#include "store/sigv4.h"

#include <stdbool.h>

#define EXPECTED                                                                              \
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "   \
    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "                              \
    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"

static size_t collect(char *data, size_t size, size_t nmemb, void *ud)
{
    ome_buf *b = ud;
    ome_buf_append(b, data, size * nmemb);
    return size * nmemb;
}

static char *signed_request(const char *token_header, struct curl_slist **out_headers)
{
    const char *base = tu_server("OMEFS_TEST_HTTP");
    char connect_to[256];
    snprintf(connect_to, sizeof connect_to, "examplebucket.s3.amazonaws.com:80:%s",
             strstr(base, "://") + 3);
    CURL *e = curl_easy_init();
    struct curl_slist *h = NULL, *ct = curl_slist_append(NULL, connect_to);
    assert_int_equal(ome_sigv4_apply(e, "aws:amz:us-east-1:s3", "AKIAIOSFODNN7EXAMPLE",
                                     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token_header,
                                     &h),
                     0);
    h = curl_slist_append(h, "x-amz-date: 20130524T000000Z"); /* the example's moment */
    h = curl_slist_append(h, "Range: bytes=0-9");
    ome_buf body = {0};
    curl_easy_setopt(e, CURLOPT_URL, "http://examplebucket.s3.amazonaws.com/test.txt");
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, ct);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_cleanup(e);
    curl_slist_free_all(ct);
    *out_headers = h;
    ome_buf_append(&body, "", 1);
    return (char *)body.data;
}

static void matches_aws_published_example(void **state)
{
    (void)state;
    if (!tu_server("OMEFS_TEST_HTTP"))
        skip();
    struct curl_slist *h;
    char *auth = signed_request(NULL, &h);
    assert_string_equal(auth, EXPECTED);
    free(auth);
    curl_slist_free_all(h);
    /* with a session token it is sent, and signed */
    auth = signed_request("x-amz-security-token: TOKEN-EXAMPLE", &h);
    tu_assert_contains(auth, "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;"
                             "x-amz-security-token");
    bool sent = false;
    for (struct curl_slist *p = h; p; p = p->next)
        sent |= strcmp(p->data, "x-amz-security-token: TOKEN-EXAMPLE") == 0;
    assert_true(sent);
    free(auth);
    curl_slist_free_all(h);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_aws_published_example),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
