/* Unit tests of s3_list: ListObjectsV2 pages as S3 writes them (common prefixes under the
 * listed prefix, entities, a continuation token), what is not a listing, and the canonical
 * encoding of query values. */
#include "testutil.h"

#include "store/s3_list.h"
#include "store/store.h"
#include "base/key.h"

static const char *page1 =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>bucket</Name><Prefix>lab/</Prefix><KeyCount>5</KeyCount><MaxKeys>4</MaxKeys>"
    "<Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>"
    "<Contents><Key>lab/readme.txt</Key><Size>3</Size></Contents>"
    "<CommonPrefixes><Prefix>lab/a.zarr/</Prefix></CommonPrefixes>"
    "<CommonPrefixes><Prefix>lab/R&amp;D &#x3b1;.zarr/</Prefix></CommonPrefixes>"
    "<CommonPrefixes><Prefix>other/x.zarr/</Prefix></CommonPrefixes>"
    "<CommonPrefixes><Prefix>lab/</Prefix></CommonPrefixes>"
    "<CommonPrefixes><Prefix>lab/no-slash</Prefix></CommonPrefixes>"
    "<CommonPrefixes></CommonPrefixes>"
    "<NextContinuationToken>bGFiL1ImRA==</NextContinuationToken>"
    "</ListBucketResult>";

static const char *page2 = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                           "<CommonPrefixes><Prefix>lab/b.zarr/</Prefix></CommonPrefixes>"
                           "</ListBucketResult>";

static void pages_of_common_prefixes(void **state)
{
    (void)state;
    char **names = NULL, token[64];
    int n = 0;
    bool more;
    ome_err err = {0};
    assert_int_equal(ome_s3_list_parse(page1, strlen(page1), "lab/", "s3://bucket", &names, &n,
                                       &more, token, sizeof token, &err),
                     OME_OK);
    assert_true(more);
    assert_string_equal(token, "bGFiL1ImRA==");
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a.zarr");
    assert_string_equal(names[1], "R&D \xCE\xB1.zarr");
    assert_int_equal(ome_s3_list_parse(page2, strlen(page2), "lab/", "s3://bucket", &names, &n,
                                       &more, token, sizeof token, &err),
                     OME_OK);
    assert_false(more);
    assert_int_equal(n, 3);
    assert_string_equal(names[2], "b.zarr");
    ome_store_names_free(names, n);

    /* at the bucket's root every top-level prefix counts */
    names = NULL, n = 0;
    assert_int_equal(ome_s3_list_parse(page1, strlen(page1), "", "s3://bucket", &names, &n,
                                       &more, token, sizeof token, &err),
                     OME_OK);
    assert_int_equal(n, 1); /* "lab/": deeper prefixes are not folders of the root */
    assert_string_equal(names[0], "lab");
    ome_store_names_free(names, n);
}

static void refuses_what_is_not_a_listing(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "<Error><Code>AccessDenied</Code></Error>", "{\"json\": 1}",
        /* truncated, but no token to go on with */
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>"
        "</NextContinuationToken></ListBucketResult>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char **names = NULL, token[64];
        int n = 0;
        bool more;
        ome_err err = {0};
        assert_int_equal(ome_s3_list_parse(bad[i], strlen(bad[i]), "", "s3://b", &names, &n,
                                           &more, token, sizeof token, &err),
                         OME_EINVAL);
        assert_non_null(strstr(err.msg, "s3://b"));
        ome_store_names_free(names, n);
    }
    /* a token too long for the caller's buffer is refused, not cut */
    const char *longtok = "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>"
                          "0123456789abcdef</NextContinuationToken></ListBucketResult>";
    char **names = NULL, token[8];
    int n = 0;
    bool more;
    ome_err err = {0};
    assert_int_equal(ome_s3_list_parse(longtok, strlen(longtok), "", "s3://b", &names, &n, &more,
                                       token, sizeof token, &err),
                     OME_EINVAL);
}

/* Names that would reach beyond the listed folder ("..", ".", "&#0;", "a/..") are left out:
 * only real folder names come through, so no key built from them leaves the prefix. */
static void names_that_leave_are_refused(void **state)
{
    (void)state;
    static const char *page =
        "<ListBucketResult><IsTruncated>false</IsTruncated>"
        "<CommonPrefixes><Prefix>pre/../</Prefix></CommonPrefixes>"
        "<CommonPrefixes><Prefix>pre/./</Prefix></CommonPrefixes>"
        "<CommonPrefixes><Prefix>pre/../../otherbkt/</Prefix></CommonPrefixes>"
        "<CommonPrefixes><Prefix>pre/&#46;&#46;/</Prefix></CommonPrefixes>"
        "<CommonPrefixes><Prefix>pre/ok.zarr/</Prefix></CommonPrefixes>"
        "<CommonPrefixes><Prefix>pre/..a/</Prefix></CommonPrefixes>"
        "</ListBucketResult>";
    char **names = NULL, token[64];
    int n = 0;
    bool more;
    ome_err err = {0};
    assert_int_equal(ome_s3_list_parse(page, strlen(page), "pre/", "s3://b", &names, &n, &more,
                                       token, sizeof token, &err),
                     OME_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "ok.zarr");
    assert_string_equal(names[1], "..a"); /* a name that merely starts with dots is a name */
    ome_store_names_free(names, n);
    assert_true(ome_key_is_inside("a/..a/b.", 8));
    assert_false(ome_key_is_inside("a/../b", 6));
    assert_false(ome_key_is_inside("..", 2));
    assert_false(ome_key_is_inside("a/.", 3));
    assert_false(ome_key_is_inside("/etc", 4));
}

static void encodes_query_values_canonically(void **state)
{
    (void)state;
    char out[128];
    ome_s3_query_encode("lab/R&D α=1+2 ~x_y-z.", out, sizeof out);
    assert_string_equal(out, "lab%2FR%26D%20%CE%B1%3D1%2B2%20~x_y-z.");
    ome_s3_query_encode("abcdefghij", out, 8); /* cut, still terminated */
    assert_true(strlen(out) < 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_of_common_prefixes),
        cmocka_unit_test(refuses_what_is_not_a_listing),
        cmocka_unit_test(names_that_leave_are_refused),
        cmocka_unit_test(encodes_query_values_canonically),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
