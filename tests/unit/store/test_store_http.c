/* Tests of store_http against the real nginx started by tests/run_tests.sh: whole objects,
 * ranges, 404 → absent, retries of 503 and 429 (Retry-After), permanent failures, timeouts,
 * TLS trust (test CA, untrusted certificate, explicit insecure), batches, credentials and
 * tokens kept out of messages. */
#include "testutil.h"
#include "store/store_http.h"
#include "base/url.h"

#include "base/clock.h"

#include <curl/curl.h>
#include "store/store.h"

static ome_store *open_http(const char *suffix, double timeout, int retries, const char *ca,
                            bool insecure)
{
    const char *base = strncmp(suffix, "https:", 6) == 0 ? tu_server("OMEFS_TEST_HTTPS")
                                                         : tu_server("OMEFS_TEST_HTTP");
    if (!base)
        return NULL;
    char url[4096];
    snprintf(url, sizeof url, "%s%s", base, strncmp(suffix, "https:", 6) == 0 ? suffix + 6 : suffix);
    ome_store_opts o;
    ome_store_opts_default(&o);
    o.timeout_s = timeout;
    o.retries = retries;
    o.ca_file = ca;
    o.insecure = insecure;
    o.backoff_base_s = 0.05;
    o.backoff_max_s = 0.2;
    ome_store *s = NULL;
    ome_err err;
    assert_int_equal(ome_store_http_open(url, &o, &s, &err), OME_OK);
    return s;
}

#define NEED_SERVER(s)                                                                        \
    if (!(s))                                                                                 \
    skip()

static void whole_range_suffix_absent(void **state)
{
    (void)state;
    ome_store *s = open_http("/codec_none.zarr", 5, 2, NULL, false);
    NEED_SERVER(s);
    char path[4096];
    snprintf(path, sizeof path, "%s/codec_none.zarr/0/0.0.0", tu_fixtures());
    size_t flen;
    uint8_t *file = tu_read_file(path, &flen);
    assert_non_null(file);
    ome_store_req r[4] = {
        {.key = "0/0.0.0"},
        {.key = "0/0.0.0", .range = OME_RANGE_SPAN, .off = 10, .len = 100},
        {.key = "0/0.0.0", .range = OME_RANGE_SUFFIX, .len = 7},
        {.key = "0/9.9.9"},
    };
    assert_int_equal(ome_store_get_many(s, r, 4), OME_OK);
    assert_int_equal(r[0].status, OME_OK);
    assert_int_equal(r[0].body.len, flen);
    assert_memory_equal(r[0].body.data, file, flen);
    assert_int_equal(r[1].status, OME_OK);
    assert_int_equal(r[1].body.len, 100);
    assert_memory_equal(r[1].body.data, file + 10, 100);
    assert_int_equal(r[2].status, OME_OK);
    assert_int_equal(r[2].body.len, 7);
    assert_memory_equal(r[2].body.data, file + flen - 7, 7);
    assert_int_equal(r[3].status, OME_ABSENT);
    ome_store_reqs_free(r, 4);
    free(file);
    ome_store_close(s);
}

static void server_ignoring_range(void **state)
{
    (void)state;
    /* a 1.2 MB object: far longer than the span asked for */
    ome_store *s = open_http("/norange/expected/odd_700x900", 5, 2, NULL, false);
    NEED_SERVER(s);
    char path[4096];
    snprintf(path, sizeof path, "%s/expected/odd_700x900/L0.raw", tu_fixtures());
    size_t flen;
    uint8_t *file = tu_read_file(path, &flen);
    assert_non_null(file);
    assert_true(flen > 600000);
    ome_store_req r[2] = {
        {.key = "L0.raw", .range = OME_RANGE_SPAN, .off = 500000, .len = 1000},
        {.key = "L0.raw", .range = OME_RANGE_SUFFIX, .len = 7},
    };
    assert_int_equal(ome_store_get_many(s, r, 2), OME_OK);
    if (r[0].status != OME_OK)
        fail_msg("%s", r[0].err.msg);
    assert_int_equal(r[0].body.len, 1000);
    assert_memory_equal(r[0].body.data, file + 500000, 1000);
    assert_true(r[0].body.cap < 500000); /* the bytes before the span were not kept */
    if (r[1].status != OME_OK)
        fail_msg("%s", r[1].err.msg);
    assert_int_equal(r[1].body.len, 7);
    assert_memory_equal(r[1].body.data, file + flen - 7, 7);
    ome_store_reqs_free(r, 2);
    free(file);
    ome_store_close(s);
}

/* A server answering a range request with another range, honestly labelled in Content-Range
 * (the test server's /shifted/ does so once per URI): those bytes are never used; the retry
 * gets the right ones. Without retries it is an error, never the wrong bytes. */
static void another_range_is_never_used(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/expected/odd_700x900/L0.raw", tu_fixtures());
    size_t flen;
    uint8_t *file = tu_read_file(path, &flen);
    assert_non_null(file);
    for (int retries = 2; retries >= 0; retries -= 2) {
        ome_store *s = open_http("/shifted/expected/odd_700x900", 5, retries, NULL, false);
        NEED_SERVER(s);
        ome_store_req r[2] = {
            {.key = "L0.raw", .range = OME_RANGE_SPAN, .off = 300000 + (uint64_t)retries,
             .len = 4096},
            {.key = "L0.raw", .range = OME_RANGE_SPAN, .off = 123, .len = 77},
        };
        assert_int_equal(ome_store_get_many(s, r, 2), OME_OK);
        for (int i = 0; i < 2; i++) {
            if (retries == 0) { /* the first answer is the wrong range: no bytes at all */
                assert_int_equal(r[i].status, OME_EIO);
                tu_assert_contains(r[i].err.msg, "answered");
                continue;
            }
            if (r[i].status != OME_OK)
                fail_msg("%s", r[i].err.msg);
            assert_int_equal(r[i].body.len, r[i].len);
            assert_memory_equal(r[i].body.data, file + r[i].off, r[i].len);
        }
        ome_store_reqs_free(r, 2);
        ome_store_close(s);
    }
    free(file);
}

static void retries_503_then_succeeds(void **state)
{
    (void)state;
    ome_store *s = open_http("/flaky/axes_2d.zarr", 5, 2, NULL, false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err;
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_OK);
    assert_true(b.len > 10);
    ome_buf_free(&b);
    ome_store_close(s);
}

static void honours_retry_after_on_429(void **state)
{
    (void)state;
    ome_store *s = open_http("/busy/axes_2d.zarr", 5, 2, NULL, false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err;
    double t0 = ome_now();
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_OK);
    double dt = ome_now() - t0;
    if (dt < 0.9)
        fail_msg("retried after %.2f s, Retry-After said 1 s", dt);
    ome_buf_free(&b);
    ome_store_close(s);
}

static void permanent_503_is_a_clear_error(void **state)
{
    (void)state;
    ome_store *s = open_http("/down/axes_2d.zarr", 5, 2, NULL, false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_EIO);
    tu_assert_contains(err.msg, "/down/axes_2d.zarr/.zattrs");
    tu_assert_contains(err.msg, "HTTP 503");
    tu_assert_contains(err.msg, "after 3 attempts");
    ome_store_close(s);
}

static void forbidden_is_denied(void **state)
{
    (void)state;
    ome_store *s = open_http("/forbidden", 5, 2, NULL, false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err = {0};
    assert_int_equal(ome_store_get(s, "x/.zattrs", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "403");
    ome_store_close(s);
}


/* Credentials in the URL (user:password@) and query tokens reach the server but never a
 * message; a source with a query has it added to every request. */
static void secrets_stay_out_of_messages(void **state)
{
    (void)state;
    const char *base = tu_server("OMEFS_TEST_HTTP");
    if (!base || !tu_server("OMEFS_TEST_NGINX_DIR"))
        skip();
    char url[4096];
    const char *host = strstr(base, "://") + 3;
    snprintf(url, sizeof url, "http://reader:pw-s3cret@%s/forbidden/x.zarr?token=tok-s3cret", host);
    ome_store *s;
    ome_err err = {0};
    assert_int_equal(ome_store_http_open(url, &(ome_store_opts){.timeout_s = 5, .connections = 4},
                                         &s, &err),
                     OME_OK);
    tu_assert_lacks(s->root, "s3cret");
    ome_buf b = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "forbidden/x.zarr/.zattrs");
    tu_assert_lacks(err.msg, "s3cret");
    ome_store_close(s);

    /* the token travels with every request of a working source */
    snprintf(url, sizeof url, "%s/codec_lz4.zarr?token=tok-ok", base);
    assert_int_equal(ome_store_http_open(url, &(ome_store_opts){.timeout_s = 5, .connections = 4},
                                         &s, &err),
                     OME_OK);
    size_t before = tu_count_in_log("GET /codec_lz4.zarr/0/.zarray?token=tok-ok ");
    assert_int_equal(ome_store_get(s, "0/.zarray", &b, &err), OME_OK);
    assert_true(b.len > 0);
    assert_int_equal(tu_count_in_log("GET /codec_lz4.zarr/0/.zarray?token=tok-ok ") - before, 1);
    ome_buf_free(&b);
    ome_store_close(s);

    char shown[256];
    ome_url_redact("https://u:p@h.org/a.zarr?X-Amz-Signature=abc", shown, sizeof shown);
    assert_string_equal(shown, "https://***@h.org/a.zarr?***");
    ome_url_redact("/data/a.zarr", shown, sizeof shown);
    assert_string_equal(shown, "/data/a.zarr");
}

/* A secret header (an OMERO session key) never follows a redirect to another origin; a
 * same-origin redirect is followed with it; a request without secrets follows any redirect
 * but never from https down to http. */
static void secrets_never_follow_redirects_elsewhere(void **state)
{
    (void)state;
    const char *ca = tu_server("OMEFS_TEST_CA");
    ome_store *s = open_http("/to-other-origin/axes_2d.zarr", 5, 0, ca, false);
    NEED_SERVER(s);
    char got[256];
    tu_control("/_control/set?record=none", got, sizeof got);
    const char *secret[] = {"X-OMERO-Session-Key: sekrit-123"};
    assert_int_equal(ome_store_http_set_headers(s, secret, 1), OME_OK);
    ome_buf b = {0};
    ome_err err = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "redirected to another server");
    tu_assert_lacks(err.msg, "sekrit");
    tu_control("/_control/get?key=record", got, sizeof got);
    assert_string_equal(got, "none");
    ome_store_close(s);

    s = open_http("/sameorigin/axes_2d.zarr", 5, 0, ca, false);
    assert_int_equal(ome_store_http_set_headers(s, secret, 1), OME_OK);
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_OK);
    assert_true(b.len > 0);
    tu_control("/_control/get?key=record", got, sizeof got);
    assert_string_equal(got, "sekrit-123");
    ome_store_close(s);

    s = open_http("/to-other-origin/axes_2d.zarr", 5, 0, ca, false); /* public: followed */
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_OK);
    ome_store_close(s);
    s = open_http("https:/downgrade/axes_2d.zarr", 5, 0, ca, false);
    assert_true(ome_store_get(s, ".zattrs", &b, &err) < 0);
    ome_store_close(s);
    ome_buf_free(&b);
}

/* A server answering with far more than a request can be (10 GB announced; an endless body
 * without a length) is cut off at the request's cap with a clear error, holding no more than
 * the cap: a chunk at its encoded maximum, a metadata document at OME_MAX_DOC_BYTES. */
static void bodies_bounded_by_what_they_can_be(void **state)
{
    (void)state;
    const char *where[] = {"/huge/img.zarr", "/endless/img.zarr"};
    for (int i = 0; i < 2; i++) {
        ome_store *s = open_http(where[i], 5, 0, NULL, false);
        NEED_SERVER(s);
        ome_store_req r = {.key = "0/0.0", .range = OME_RANGE_ALL, .max_bytes = 4096};
        ome_store_get_many(s, &r, 1);
        assert_int_equal(r.status, OME_ERANGE);
        tu_assert_contains(r.err.msg, "larger than the 4096 bytes it can be");
        assert_true(r.body.cap <= 2 * 4096 + 65536);
        ome_buf_free(&r.body);
        ome_store_req doc = {.key = ".zattrs", .range = OME_RANGE_ALL};
        double t0 = ome_now();
        ome_store_get_many(s, &doc, 1);
        assert_int_equal(doc.status, OME_ERANGE);
        tu_assert_contains(doc.err.msg, "33554432 bytes");
        assert_true(doc.body.cap <= 2 * OME_MAX_DOC_BYTES);
        assert_true(ome_now() - t0 < 5);
        ome_buf_free(&doc.body);
        ome_store_close(s);
    }
}

/* Objects sent with Content-Encoding: gzip (as S3 sends those stored with it) are decoded, as
 * browsers and zarr-python's fsspec do: the metadata parses, the chunk is the stored one. */
static void content_encoding_is_decoded(void **state)
{
    (void)state;
    ome_store *s = open_http("/gzipped/axes_2d.zarr", 5, 0, NULL, false);
    NEED_SERVER(s);
    const char *keys[] = {".zattrs", "0/.zarray", "0/1.1"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/axes_2d.zarr/%s", tu_fixtures(), keys[i]);
        size_t flen;
        uint8_t *file = tu_read_file(path, &flen);
        assert_non_null(file);
        ome_store_req r = {.key = keys[i], .range = OME_RANGE_ALL, .max_bytes = flen + 1024};
        ome_store_get_many(s, &r, 1);
        if (r.status != OME_OK)
            fail_msg("%s", r.err.msg);
        assert_int_equal(r.body.len, flen);
        assert_memory_equal(r.body.data, file, flen);
        ome_buf_free(&r.body);
        free(file);
    }
    ome_store_close(s);
}

/* A span far into an object, from a server that ignores Range and sends bytes without end:
 * refused at once, holding nothing, rather than kept (or waited for) up to its offset. */
static void far_span_from_server_ignoring_range(void **state)
{
    (void)state;
    ome_store *s = open_http("/endless/img.zarr", 5, 0, NULL, false);
    NEED_SERVER(s);
    ome_store_req r = {.key = "c/0", .range = OME_RANGE_SPAN, .off = (uint64_t)8 << 30,
                       .len = 1024};
    double t0 = ome_now();
    ome_store_get_many(s, &r, 1);
    assert_int_equal(r.status, OME_ERANGE);
    tu_assert_contains(r.err.msg, "ignores byte ranges");
    tu_assert_contains(r.err.msg, "/endless/img.zarr/c/0");
    assert_true(r.body.cap <= 65536);
    assert_true(ome_now() - t0 < 5);
    ome_buf_free(&r.body);
    ome_store_close(s);
}

/* S3's answers for a bucket in another region and for a denied object become clear errors
 * naming the s3:// object (nginx plays S3's part). */
static void s3_errors_are_explained(void **state)
{
    (void)state;
    const char *base = tu_server("OMEFS_TEST_HTTP");
    if (!base)
        skip();
    ome_store_opts o;
    ome_store_opts_default(&o);
    o.retries = 0;
    char url[4096];
    ome_store *s;
    ome_err err = {0};
    ome_buf b = {0};
    snprintf(url, sizeof url, "%s/s3region/img.zarr", base);
    assert_int_equal(ome_store_http_open_s3(url, "s3://bucket/img.zarr", &o, NULL, &s, &err),
                     OME_OK);
    assert_int_equal(ome_store_get(s, "zarr.json", &b, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "s3://bucket/img.zarr/zarr.json: wrong region");
    tu_assert_contains(err.msg, "eu-west-1");
    ome_store_close(s);
    snprintf(url, sizeof url, "%s/s3denied/img.zarr", base);
    assert_int_equal(ome_store_http_open_s3(url, "s3://bucket/img.zarr", &o, NULL, &s, &err),
                     OME_OK);
    assert_int_equal(ome_store_get(s, "0/c/0/0", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "s3://bucket/img.zarr/0/c/0/0: access denied (AccessDenied)");
    tu_assert_contains(err.msg, "anonymous");
    ome_store_close(s);
}

static void stall_times_out_within_bound(void **state)
{
    (void)state;
    /* a stall is no progress for `timeout` whole seconds (curl's low-speed limit) */
    ome_store *s = open_http("/stall/axes_2d.zarr", 1, 1, NULL, false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err = {0};
    double t0 = ome_now();
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_ETIMEDOUT);
    double dt = ome_now() - t0;
    /* bound: (retries + 1) × timeout + backoff */
    if (dt > 2 * 1 + 0.3 + 0.5)
        fail_msg("took %.2f s", dt);
    tu_assert_contains(err.msg, "/stall/axes_2d.zarr/.zattrs");
    ome_store_close(s);
}

static void connection_refused_is_an_error(void **state)
{
    (void)state;
    if (!tu_server("OMEFS_TEST_HTTP"))
        skip();
    ome_store_opts o;
    ome_store_opts_default(&o);
    o.retries = 1;
    o.backoff_base_s = 0.01;
    ome_store *s;
    ome_err err = {0};
    /* Port 1 on loopback: nothing listens there. */
    assert_int_equal(ome_store_http_open("http://127.0.0.1:1/x.zarr", &o, &s, &err), OME_OK);
    ome_buf b = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_EIO);
    tu_assert_contains(err.msg, "http://127.0.0.1:1/x.zarr/.zattrs");
    ome_store_close(s);
}

static void untrusted_certificate_rejected(void **state)
{
    (void)state;
    ome_store *s = open_http("https:/axes_2d.zarr", 5, 2, NULL, false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "TLS certificate not trusted");
    tu_assert_contains(err.msg, "https://127.0.0.1");
    ome_store_close(s);
}

static void test_ca_file_is_trusted(void **state)
{
    (void)state;
    ome_store *s = open_http("https:/axes_2d.zarr", 5, 2, tu_server("OMEFS_TEST_CA"), false);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err = {0};
    if (ome_store_get(s, ".zattrs", &b, &err) != OME_OK)
        fail_msg("%s", err.msg);
    assert_true(b.len > 10);
    ome_buf_free(&b);
    ome_store_close(s);
}

static void insecure_skips_verification(void **state)
{
    (void)state;
    ome_store *s = open_http("https:/axes_2d.zarr", 5, 2, NULL, true);
    NEED_SERVER(s);
    ome_buf b = {0};
    ome_err err = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_OK);
    ome_buf_free(&b);
    ome_store_close(s);
}

static void batch_of_many(void **state)
{
    (void)state;
    ome_store *s = open_http("/odd_700x900.zarr", 5, 2, NULL, false);
    NEED_SERVER(s);
    ome_store_req r[12];
    char keys[12][32];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 12; i++) {
        snprintf(keys[i], sizeof keys[i], "0/%d.%d", i / 3, i % 3);
        r[i].key = keys[i];
    }
    assert_int_equal(ome_store_get_many(s, r, 12), OME_OK);
    for (int i = 0; i < 12; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/odd_700x900.zarr/%s", tu_fixtures(), keys[i]);
        size_t n;
        uint8_t *f = tu_read_file(path, &n);
        assert_non_null(f);
        assert_int_equal(r[i].status, OME_OK);
        assert_int_equal(r[i].body.len, n);
        assert_memory_equal(r[i].body.data, f, n);
        free(f);
    }
    ome_store_reqs_free(r, 12);
    ome_store_close(s);
    /* nginx's access log records the User-Agent */
    const char *dir = tu_server("OMEFS_TEST_NGINX_DIR");
    if (dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/access.log", dir);
        size_t n;
        char *log = (char *)tu_read_file(path, &n);
        assert_non_null(log);
        log = realloc(log, n + 1);
        log[n] = '\0';
        tu_assert_contains(log, "\"omefs/");
        free(log);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_range_suffix_absent),
        cmocka_unit_test(server_ignoring_range),
        cmocka_unit_test(another_range_is_never_used),
        cmocka_unit_test(retries_503_then_succeeds),
        cmocka_unit_test(honours_retry_after_on_429),
        cmocka_unit_test(permanent_503_is_a_clear_error),
        cmocka_unit_test(forbidden_is_denied),
        cmocka_unit_test(secrets_stay_out_of_messages),
        cmocka_unit_test(secrets_never_follow_redirects_elsewhere),
        cmocka_unit_test(bodies_bounded_by_what_they_can_be),
        cmocka_unit_test(far_span_from_server_ignoring_range),
        cmocka_unit_test(content_encoding_is_decoded),
        cmocka_unit_test(s3_errors_are_explained),
        cmocka_unit_test(stall_times_out_within_bound),
        cmocka_unit_test(connection_refused_is_an_error),
        cmocka_unit_test(untrusted_certificate_rejected),
        cmocka_unit_test(test_ca_file_is_trusted),
        cmocka_unit_test(insecure_skips_verification),
        cmocka_unit_test(batch_of_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
