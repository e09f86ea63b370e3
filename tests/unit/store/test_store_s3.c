/* test_store_s3: the S3 store against a real S3-compatible server (s3rver, started by
 * tests/run_tests.sh with seq_czyx.zarr under s3://bucket/imgs/): objects anonymous and signed
 * are the fixture's bytes, an absent key is absent, the prefix lists its folders, a wrong key is
 * refused without the secret in the message, and a missing bucket is named. */
#include "testutil.h"
#include "store/store_s3.h"

static const char *endpoint(void)
{
    const char *ep = tu_server("OMEFS_TEST_S3");
    if (!ep)
        skip();
    return ep;
}

static ome_store *open_s3(const char *source, bool no_sign, ome_err *err, int *rc)
{
    ome_store_opts o;
    ome_store_opts_default(&o);
    o.timeout_s = 10;
    o.s3_endpoint = endpoint();
    o.s3_no_sign = no_sign;
    ome_store *s = NULL;
    *rc = ome_store_s3_open(source, &o, &s, err);
    return s;
}

static void same_as_fixture(ome_store *s, const char *key)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seq_czyx.zarr/%s", tu_fixtures(), key);
    size_t len;
    uint8_t *want = tu_read_file(path, &len);
    assert_non_null(want);
    ome_buf got = {0};
    ome_err err = {0};
    if (ome_store_get(s, key, &got, &err) != OME_OK)
        fail_msg("%s: %s", key, err.msg);
    assert_int_equal(got.len, len);
    assert_memory_equal(got.data, want, len);
    ome_buf_free(&got);
    free(want);
}

static void objects_anonymous_and_signed(void **state)
{
    (void)state;
    endpoint();
    unsetenv("AWS_PROFILE");
    setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    for (int sign = 0; sign < 2; sign++) {
        ome_err err = {0};
        int rc;
        ome_store *s = open_s3("s3://bucket/imgs/seq_czyx.zarr", !sign, &err, &rc);
        if (rc)
            fail_msg("%s", err.msg);
        same_as_fixture(s, ".zattrs");
        same_as_fixture(s, "0/.zarray");
        ome_buf b = {0};
        assert_int_equal(ome_store_get(s, "0/no-such-chunk", &b, &err), OME_ABSENT);
        ome_store_close(s);
    }
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void prefix_lists_its_folders(void **state)
{
    (void)state;
    ome_err err = {0};
    int rc;
    ome_store *s = open_s3("s3://bucket/imgs", true, &err, &rc);
    if (rc)
        fail_msg("%s", err.msg);
    char **names;
    int n;
    if (ome_store_list_dirs(s, "", &names, &n, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "seq_czyx.zarr");
    ome_store_names_free(names, n);
    ome_store_close(s);
}

static void wrong_key_and_missing_bucket(void **state)
{
    (void)state;
    endpoint();
    unsetenv("AWS_PROFILE");
    setenv("AWS_ACCESS_KEY_ID", "NOSUCHKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-VALUE", 1);
    ome_err err = {0};
    int rc;
    ome_store *s = open_s3("s3://bucket/imgs/seq_czyx.zarr", false, &err, &rc);
    ome_buf b = {0};
    if (rc == OME_OK) {
        rc = ome_store_get(s, ".zattrs", &b, &err);
        ome_store_close(s);
    }
    assert_int_equal(rc, OME_EDENIED);
    tu_assert_contains(err.msg, "access denied");
    tu_assert_lacks(err.msg, "s3cr3t");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    s = open_s3("s3://nobucket/a.zarr", true, &err, &rc);
    if (rc == OME_OK) {
        rc = ome_store_get(s, ".zattrs", &b, &err);
        ome_store_close(s);
    }
    assert_true(rc < 0);
    tu_assert_contains(err.msg, "no such bucket");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(objects_anonymous_and_signed),
        cmocka_unit_test(prefix_lists_its_folders),
        cmocka_unit_test(wrong_key_and_missing_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
