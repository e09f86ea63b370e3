/* Unit tests of store_file: whole objects, ranges, suffixes, absent keys, directories, keys
 * that would leave the root, and the listing of the root's folders. */
#include "testutil.h"
#include "tree/source.h"

#include "store/store.h"

#include <sys/stat.h>
#include <unistd.h>

static void reads_ranges_and_absent(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write_text(dir, "a/b.bin", "0123456789");
    ome_store *s;
    ome_err err;
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    ome_store_req r[6] = {
        {.key = "a/b.bin"},
        {.key = "a/b.bin", .range = OME_RANGE_SPAN, .off = 3, .len = 4},
        {.key = "a/b.bin", .range = OME_RANGE_SUFFIX, .len = 2},
        {.key = "a/b.bin", .range = OME_RANGE_SPAN, .off = 8, .len = 100},
        {.key = "a/missing"},
        {.key = "a"},
    };
    assert_int_equal(ome_store_get_many(s, r, 6), OME_OK);
    assert_int_equal(r[0].status, OME_OK);
    assert_memory_equal(r[0].body.data, "0123456789", 10);
    assert_memory_equal(r[1].body.data, "3456", 4);
    assert_int_equal(r[2].body.len, 2);
    assert_memory_equal(r[2].body.data, "89", 2);
    assert_int_equal(r[3].body.len, 2);
    assert_int_equal(r[4].status, OME_ABSENT);
    assert_int_equal(r[5].status, OME_ABSENT);
    ome_store_reqs_free(r, 6);
    ome_store_close(s);
    tu_rmtree(dir);
}

static void refuses_keys_leaving_root(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    ome_store *s;
    ome_err err;
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    const char *bad[] = {"../etc/passwd", "a/../../x", "/etc/passwd", ".."};
    for (size_t i = 0; i < 4; i++) {
        ome_store_req r = {.key = bad[i]};
        ome_store_get_many(s, &r, 1);
        assert_int_equal(r.status, OME_EINVAL);
        tu_assert_contains(r.err.msg, "leaves the store root");
    }
    ome_store_close(s);
    tu_rmtree(dir);
}

static void opens_file_urls_and_reports_missing_roots(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char url[4200];
    snprintf(url, sizeof url, "file://%s", dir);
    ome_store *s;
    ome_err err = {0};
    assert_int_equal(ome_source_open_address(url, NULL, &s, &err), OME_OK);
    assert_string_equal(s->root, dir);
    ome_store_close(s);
    assert_int_equal(ome_source_open_address("/nonexistent/omefs", NULL, &s, &err), OME_ABSENT);
    tu_assert_contains(err.msg, "/nonexistent/omefs");
    assert_int_equal(ome_source_open_address("ftp://x/y", NULL, &s, &err), OME_EUNSUPPORTED);
    tu_assert_contains(err.msg, "unsupported URL scheme");
    tu_rmtree(dir);
}

static void lists_the_root_folders(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write_text(dir, "b.zarr/.zattrs", "{}");
    tu_write_text(dir, "A.ome.zarr/.zattrs", "{}");
    tu_write_text(dir, ".hidden.zarr/.zattrs", "{}");
    tu_write_text(dir, "file.zarr", "not a folder");
    tu_write_text(dir, "deep/c.zarr/.zattrs", "{}");
    char target[4200], link[4200];
    snprintf(link, sizeof link, "%s/linked.zarr", dir);
    assert_int_equal(symlink("deep/c.zarr", link), 0); /* stays inside: followed */
    snprintf(target, sizeof target, "%s/deep/c.zarr", dir);
    snprintf(link, sizeof link, "%s/absolute.zarr", dir);
    assert_int_equal(symlink(target, link), 0); /* absolute: refused, even pointing inside */
    snprintf(link, sizeof link, "%s/out.zarr", dir);
    assert_int_equal(symlink("/etc", link), 0);
    snprintf(link, sizeof link, "%s/up.zarr", dir);
    assert_int_equal(symlink("../..", link), 0);
    snprintf(link, sizeof link, "%s/loop.zarr", dir);
    assert_int_equal(symlink("loop.zarr", link), 0);
    ome_store *s;
    ome_err err;
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    char **names;
    int n;
    assert_int_equal(ome_store_list_dirs(s, "", &names, &n, &err), OME_OK);
    assert_int_equal(n, 4); /* sorted; hidden ones, files, links out and loops left out */
    assert_string_equal(names[0], "A.ome.zarr");
    assert_string_equal(names[1], "b.zarr");
    assert_string_equal(names[2], "deep");
    assert_string_equal(names[3], "linked.zarr");
    ome_store_names_free(names, n);
    assert_int_equal(ome_store_list_dirs(s, "deep", &names, &n, &err), OME_OK); /* below */
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "c.zarr");
    ome_store_names_free(names, n);
    assert_int_equal(ome_store_list_dirs(s, "missing", &names, &n, &err), OME_ABSENT);
    assert_int_equal(ome_store_list_dirs(s, "deep/../..", &names, &n, &err), OME_EINVAL);
    assert_int_equal(n, 0);
    ome_store_close(s);
    tu_rmtree(dir);
}

/* A chunk that is a link to a file outside the source (a root-only secret, say) is refused
 * with a message, never read; a link inside is read; a loop ends with an error. */
static void links_never_leave_the_source(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp(), *outside = tu_mkdtemp(), path[4200], link[4200];
    tu_write_text(outside, "secret", "SECRET BYTES");
    tu_write_text(dir, "img.zarr/0/real", "chunk bytes");
    snprintf(path, sizeof path, "%s/secret", outside);
    snprintf(link, sizeof link, "%s/img.zarr/0/0.0", dir);
    assert_int_equal(symlink(path, link), 0);
    snprintf(link, sizeof link, "%s/img.zarr/0/0.1", dir);
    assert_int_equal(symlink("../../../../../../../../../../../../tmp", link), 0);
    snprintf(link, sizeof link, "%s/img.zarr/0/1.0", dir);
    assert_int_equal(symlink("real", link), 0);
    snprintf(link, sizeof link, "%s/img.zarr/0/1.1", dir);
    assert_int_equal(symlink("1.1", link), 0);
    ome_store *s;
    ome_err err = {0};
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    ome_buf b = {0};
    assert_int_equal(ome_store_get(s, "img.zarr/0/0.0", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "img.zarr/0/0.0: a symbolic link that leads out of the source");
    assert_int_equal(b.len, 0);
    assert_int_equal(ome_store_get(s, "img.zarr/0/0.1", &b, &err), OME_EDENIED);
    assert_int_equal(ome_store_get(s, "img.zarr/0/1.0", &b, &err), OME_OK);
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data, "chunk bytes", 11);
    assert_int_equal(ome_store_get(s, "img.zarr/0/1.1", &b, &err), OME_EDENIED);
    tu_assert_contains(err.msg, "too many symbolic links");
    ome_buf_free(&b);
    ome_store_close(s);
    tu_rmtree(dir);
    tu_rmtree(outside);
}

/* Links back to the folder they are in, or to one above it, are left out of listings (a walk
 * through them would never end); a link to a sibling is listed; a FIFO in a file's place is
 * refused at once, never waited on. */
static void link_loops_and_fifos_are_left_out(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp(), link[4200];
    tu_write_text(dir, "d/p/img.zarr/.zattrs", "{}");
    tu_write_text(dir, "d/r/.keep", "");
    const char *links[][2] = {{"d/self", "."}, {"d/up", ".."}, {"d/p/back", "../.."},
                              {"d/p/sib", "../r"}, {"d/r/cross", "../p"}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(link, sizeof link, "%s/%s", dir, links[i][0]);
        assert_int_equal(symlink(links[i][1], link), 0);
    }
    snprintf(link, sizeof link, "%s/d/p/img.zarr/zarr.json", dir);
    assert_int_equal(mkfifo(link, 0600), 0);
    ome_store *s;
    ome_err err;
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    char **names;
    int n;
    assert_int_equal(ome_store_list_dirs(s, "d", &names, &n, &err), OME_OK);
    assert_int_equal(n, 2); /* p and r; not self, not up */
    assert_string_equal(names[0], "p");
    assert_string_equal(names[1], "r");
    ome_store_names_free(names, n);
    assert_int_equal(ome_store_list_dirs(s, "d/p", &names, &n, &err), OME_OK);
    assert_int_equal(n, 2); /* img.zarr and sib (r); not back */
    assert_string_equal(names[0], "img.zarr");
    assert_string_equal(names[1], "sib");
    ome_store_names_free(names, n);
    /* d/p/sib is r, whose "cross" is p: a folder above on this path */
    assert_int_equal(ome_store_list_dirs(s, "d/p/sib", &names, &n, &err), OME_OK);
    assert_int_equal(n, 0);
    ome_store_names_free(names, n);
    ome_buf b = {0};
    alarm(30); /* a read held by the FIFO ends the test */
    assert_int_equal(ome_store_get(s, "d/p/img.zarr/zarr.json", &b, &err), OME_EIO);
    alarm(0);
    tu_assert_contains(err.msg, "not a file");
    ome_buf_free(&b);
    ome_store_close(s);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_ranges_and_absent),
        cmocka_unit_test(refuses_keys_leaving_root),
        cmocka_unit_test(opens_file_urls_and_reports_missing_roots),
        cmocka_unit_test(lists_the_root_folders),
        cmocka_unit_test(links_never_leave_the_source),
        cmocka_unit_test(link_loops_and_fifos_are_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
