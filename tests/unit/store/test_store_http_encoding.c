/* Tests of store_http with bodies sent in a Content-Encoding (the test nginx's /encoded/, over
 * tests/fixtures/make_encoded_fixtures.py's bodies): gzip, zstd and br are decoded; a body that
 * inflates past what it can be is cut there with an error naming the URL and the encoding; an
 * encoding libcurl cannot decode, and a byte range answered in an encoding, are clear errors,
 * never wrong bytes. */
#include "testutil.h"

#include "base/clock.h"
#include "store/store.h"
#include "store/store_http.h"

#include <curl/curl.h>

static const char *const ENCODINGS[] = {"gzip", "zstd", "br"};
static const char *const EXT[] = {".gz", ".zst", ".br"};

/* The store over /encoded/ENC, or NULL (no server: the test skips). */
static ome_store *open_encoded(const char *enc)
{
    const char *base = tu_server("OMEFS_TEST_HTTP");
    if (!base)
        return NULL;
    char url[4096];
    snprintf(url, sizeof url, "%s/encoded/%s", base, enc);
    ome_store_opts o;
    ome_store_opts_default(&o);
    o.timeout_s = 5;
    o.retries = 0;
    ome_store *s = NULL;
    ome_err err;
    assert_int_equal(ome_store_http_open(url, &o, &s, &err), OME_OK);
    return s;
}

/* Whether this libcurl decodes encoding i, and its fixture body was written. */
static bool can_decode(size_t i)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    int feature[] = {CURL_VERSION_LIBZ, CURL_VERSION_ZSTD, CURL_VERSION_BROTLI};
    char path[4096];
    snprintf(path, sizeof path, "%s/encoded/bomb%s", tu_fixtures(), EXT[i]);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    if (!f)
        printf("SKIP %s: no %s (make fixtures with the zstd and brotli programs)\n", ENCODINGS[i],
               path);
    return f && (v->features & feature[i]);
}

/* Request r failed with `status`, a message holding both `url` and `said`, and no bytes. */
static void assert_refused(const ome_store_req *r, int status, const char *url, const char *said)
{
    assert_int_equal(r->status, status);
    tu_assert_contains(r->err.msg, url);
    tu_assert_contains(r->err.msg, said);
    assert_int_equal(r->body.len, 0);
}

/* A whole object in each encoding comes decoded: the plain copy, byte for byte. */
static void encodings_are_decoded(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        ome_store *s = open_encoded(ENCODINGS[i]);
        if (!s)
            skip();
        if (!can_decode(i)) {
            ome_store_close(s);
            continue;
        }
        const char *names[] = {"doc.json", "chunk"};
        for (size_t k = 0; k < 2; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/encoded/%s", tu_fixtures(), names[k]);
            size_t flen;
            uint8_t *file = tu_read_file(path, &flen);
            assert_non_null(file);
            ome_store_req r = {.key = names[k], .range = OME_RANGE_ALL,
                               .max_bytes = k ? flen : 0};
            ome_store_get_many(s, &r, 1);
            if (r.status != OME_OK)
                fail_msg("%s %s: %s", ENCODINGS[i], names[k], r.err.msg);
            assert_int_equal(r.body.len, flen);
            assert_memory_equal(r.body.data, file, flen);
            ome_buf_free(&r.body);
            free(file);
        }
        ome_store_close(s);
    }
}

/* A gibibyte of zeros in a few kilobytes: as a metadata document it is cut at the document cap,
 * as a chunk at the chunk's largest size; the message names the URL and the encoding; what is
 * held never passes the cap, and the refusal does not wait for the whole to inflate. */
static void bombs_are_cut_at_the_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        ome_store *s = open_encoded(ENCODINGS[i]);
        if (!s)
            skip();
        if (!can_decode(i)) {
            ome_store_close(s);
            continue;
        }
        uint64_t caps[] = {0, 65536};
        const char *said[] = {"33554432 bytes", "65536 bytes"};
        for (size_t k = 0; k < 2; k++) {
            ome_store_req r = {.key = "bomb", .range = OME_RANGE_ALL, .max_bytes = caps[k]};
            double t0 = ome_now();
            ome_store_get_many(s, &r, 1);
            char url[64], enc[64];
            snprintf(url, sizeof url, "/encoded/%s/bomb", ENCODINGS[i]);
            snprintf(enc, sizeof enc, "Content-Encoding %s", ENCODINGS[i]);
            assert_refused(&r, OME_ERANGE, url, enc);
            tu_assert_contains(r.err.msg, said[k]);
            assert_true(r.body.cap <= 2 * (caps[k] ? caps[k] : OME_MAX_DOC_BYTES));
            assert_true(ome_now() - t0 < 5);
            ome_buf_free(&r.body);
        }
        ome_store_close(s);
    }
}

/* A byte range answered in an encoding (as S3 answers one of an object stored compressed):
 * bytes of the encoded object, refused with an error that says so, for spans and suffixes. */
static void encoded_ranges_are_refused(void **state)
{
    (void)state;
    ome_store *s = open_encoded("gzip");
    if (!s)
        skip();
    ome_store_req r[] = {
        {.key = "chunk", .range = OME_RANGE_SPAN, .off = 16, .len = 64},
        {.key = "chunk", .range = OME_RANGE_SUFFIX, .len = 64},
    };
    ome_store_get_many(s, r, 2);
    for (size_t k = 0; k < 2; k++)
        assert_refused(&r[k], OME_EINVAL, "/encoded/gzip/chunk", "Content-Encoding gzip");
    ome_store_reqs_free(r, 2);
    ome_store_close(s);
}

/* An encoding nobody asked for and libcurl does not know: an error naming it, not its bytes. */
static void unknown_encoding_is_an_error(void **state)
{
    (void)state;
    ome_store *s = open_encoded("x-unknown");
    if (!s)
        skip();
    ome_store_req r = {.key = "doc.json", .range = OME_RANGE_ALL};
    ome_store_get_many(s, &r, 1);
    assert_refused(&r, OME_EINVAL, "/encoded/x-unknown/doc.json",
                   "Content-Encoding x-unknown, cannot be decoded");
    ome_buf_free(&r.body);
    ome_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodings_are_decoded),
        cmocka_unit_test(bombs_are_cut_at_the_cap),
        cmocka_unit_test(encoded_ranges_are_refused),
        cmocka_unit_test(unknown_encoding_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
