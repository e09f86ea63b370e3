/* Unit tests of the URL secrets helpers: a URL's password and query overwritten in place with
 * '*' (its length kept, the rest as it was), a user, password and query put into a URL, and
 * whether a URL names a user. */
#include "testutil.h"

#include "base/url.h"

/* ome_url_blank_secrets on a copy of url, compared with want. */
static void blank(const char *url, const char *want, bool changed)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", url);
    assert_int_equal(ome_url_blank_secrets(buf, strlen(buf)), changed);
    assert_string_equal(buf, want);
}

static void secrets_are_blanked_in_place(void **state)
{
    (void)state;
    blank("https://alice:s3cret@h.org/a.zarr", "https://alice:******@h.org/a.zarr", true);
    blank("https://h.org/a.zarr?token=abc&x=1", "https://h.org/a.zarr?*************", true);
    blank("http://u:p@w@h:80/x?t", "http://u:***@h:80/x?*", true); /* the last '@' ends it */
    blank("alice:pw@127.0.0.1:1", "alice:**@127.0.0.1:1", true);  /* a proxy, no scheme */
    blank("http://alice@h/x", "http://alice@h/x", false);         /* a user alone */
    blank("https://h/a:b@c/x.zarr", "https://h/a:b@c/x.zarr", false); /* '@' in the path */
    blank("/data/x.zarr", "/data/x.zarr", false);
    char part[] = "proxy=http://a:b@h,timeout=5"; /* only the bytes given */
    assert_true(ome_url_blank_secrets(part + 6, 12));
    assert_string_equal(part, "proxy=http://a:*@h,timeout=5");
}

static void add(const char *url, const char *user, const char *pw, const char *query,
                const char *want)
{
    char *got = ome_url_add_credentials(url, user, pw, query);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void credentials_are_put_in(void **state)
{
    (void)state;
    add("https://alice@h.org/a.zarr", NULL, "p@ss:w/rd", NULL,
        "https://alice:p%40ss%3Aw%2Frd@h.org/a.zarr");
    add("https://h.org/a.zarr", "bob smith", "pw", NULL, "https://bob%20smith:pw@h.org/a.zarr");
    add("https://h.org/a.zarr", NULL, NULL, "token=abc", "https://h.org/a.zarr?token=abc");
    add("https://h.org/a.zarr?v=2#f", NULL, NULL, "token=abc", "https://h.org/a.zarr?v=2&token=abc#f");
    add("http://bob@proxy:3128", NULL, "x", NULL, "http://bob:x@proxy:3128");
    add("bob@proxy:3128", NULL, "x", NULL, "bob:x@proxy:3128");
    add("https://a:old@h/x", "c", NULL, NULL, "https://c:old@h/x");
    bool pw;
    assert_true(ome_url_has_user("https://alice@h/x", &pw) && !pw);
    assert_true(ome_url_has_user("bob:x@proxy:1", &pw) && pw);
    assert_false(ome_url_has_user("https://h/a@b", &pw) || pw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secrets_are_blanked_in_place),
        cmocka_unit_test(credentials_are_put_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
