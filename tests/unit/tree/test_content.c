/* Unit tests of content: what each kind of source shows, opened from zarr-python's fixtures
 * through the file store: an image (files and labels at the root), a plate and a collection
 * (folders), a collection of one image (its files), a folder of images (a folder each, its
 * subfolders too), and a directory with no folder (refused, naming it). */
#include "testutil.h"
#include "store/store_file.h"

#include "tree/content.h"

/* Opens the fixture (or any directory) at dir; skips when the fixtures were not written. */
/* What the local source `dir` shows, its lone image's files named `name`. */
static int open_named(ome_store *s, const char *dir, const char *name, ome_content *c,
                      ome_err *err)
{
    ome_source src;
    int rc = ome_source_parse(dir, &src, err);
    if (rc)
        return rc;
    snprintf(src.name, sizeof src.name, "%s", name);
    return ome_content_open(s, &src, c, err);
}

static int open_dir(const char *dir, const char *name, ome_content *c, ome_err *err)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        print_message("SKIP content: %s missing (make fixtures)\n", dir);
        skip();
    }
    ome_store *s;
    assert_int_equal(ome_store_file_open(dir, &s, err), OME_OK);
    int rc = open_named(s, dir, name, c, err);
    ome_content_free(c);
    ome_store_close(s);
    return rc;
}

/* The names a plate's field or well mounted on its own gets from its address: after plate, well
 * and field, as in the plate's well folders; other addresses keep their last segment. */
static void names_from_addresses(void **state)
{
    (void)state;
    static const struct { const char *address, *name, *well; } cases[] = {
        /* the well name is asked only of a well's address (NULL: not checked) */
        {"https://h/x/plate1.zarr/B/3/0", "plate1_B3_0", NULL},
        {"https://h/x/plate1.ome.zarr/B/3", "3", "plate1_B3"},
        {"https://h/x/plate1.zarr/B/3/?v=1#f", "3", "plate1_B3"},
        {"s3://bucket/screens/p.zarr/H/12", "12", "p_H12"},
        {"/data/B/3", "3", "B3"}, /* a plate not named .zarr: row and column */
        {"/data/img.zarr", "img", NULL},
        {"https://h/idr/6001240.zarr", "6001240", NULL},
        {"https://h/x/P.zarr/B/3/x", "x", NULL}, /* fields are numbered */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ome_source src;
        ome_err err;
        assert_int_equal(ome_source_parse(cases[i].address, &src, &err), OME_OK);
        char well[256];
        ome_source_well_name(&src, well, sizeof well);
        if (strcmp(src.name, cases[i].name) || (cases[i].well && strcmp(well, cases[i].well)))
            fail_msg("%s: name %s (want %s), well name %s (want %s)", cases[i].address,
                     src.name, cases[i].name, well, cases[i].well ? cases[i].well : "-");
    }
}

static void each_kind_of_source(void **state)
{
    (void)state;
    char dir[4096];
    ome_content c;
    ome_err err = {0};
    ome_store *s;
    static const struct {
        const char *fixture;
        int files, labels, folders;
    } cases[] = {
        {"with_labels", 4, 7, 0},  /* .ome.tif, _L0, _L1, .preview.png; two labels' files */
        {"plate", 1, 0, 4},        /* a folder per well; plate.preview.png */
        {"series", 0, 0, 3},       /* a folder per image */
        {"series_single", 4, 0, 0}, /* its one image's files */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(dir, sizeof dir, "%s/%s.zarr", tu_fixtures(), cases[i].fixture);
        struct stat st;
        if (stat(dir, &st) != 0) {
            print_message("SKIP content: %s missing (make fixtures)\n", dir);
            skip();
        }
        assert_int_equal(ome_store_file_open(dir, &s, &err), OME_OK);
        if (open_named(s, dir, cases[i].fixture, &c, &err) != OME_OK)
            fail_msg("%s: %s", cases[i].fixture, err.msg);
        assert_int_equal(c.tree.nfiles, cases[i].files);
        assert_int_equal(c.labels.tree.nfiles, cases[i].labels);
        assert_int_equal(c.folders ? c.folders->nfolders : 0, cases[i].folders);
        assert_true((c.image != NULL) == (cases[i].folders == 0));
        uint64_t bytes = ome_content_bytes(&c);
        assert_true(cases[i].files ? bytes > 0 : bytes == 0); /* folders not opened yet */
        ome_content_free(&c);
        ome_store_close(s);
    }
}

static void a_folder_of_images(void **state)
{
    (void)state;
    char *lab = tu_mkdtemp(), link[4200], target[4200];
    static const char *images[][2] = {{"axes_cyx", "cells.ome.zarr"}, {"plate", "screen.zarr"}};
    for (int i = 0; i < 2; i++) {
        snprintf(target, sizeof target, "%s/%s.zarr", tu_fixtures(), images[i][0]);
        snprintf(link, sizeof link, "%s/%s", lab, images[i][1]);
        struct stat st;
        if (stat(target, &st) != 0)
            skip();
        char cmd[8600]; /* a copy: a link out of the folder would be refused */
        snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", target, link);
        assert_int_equal(system(cmd), 0);
    }
    tu_write_text(lab, "notes/readme.txt", "not an image");
    ome_store *s;
    ome_err err = {0};
    ome_content c;
    assert_int_equal(ome_store_file_open(lab, &s, &err), OME_OK);
    assert_int_equal(open_named(s, lab, "lab", &c, &err), OME_OK);
    assert_null(c.image);
    assert_int_equal(c.folders->nfolders, 3); /* a subfolder is a folder too */
    assert_string_equal(c.folders->folders[0].name, "cells");
    assert_string_equal(c.folders->folders[1].name, "notes");
    assert_string_equal(c.folders->folders[2].name, "screen");
    assert_true(c.folders->any_kind);
    ome_content_free(&c);
    ome_store_close(s);

    char *empty = tu_mkdtemp();
    tu_write_text(empty, "file", "x");
    assert_int_equal(open_dir(empty, "empty", &c, &err), OME_EINVAL);
    tu_assert_contains(err.msg, empty);
    tu_assert_contains(err.msg, "no folder in it");
    tu_rmtree(empty);
    tu_rmtree(lab);
}

/* Copies fixture NAME (written by zarr-python) into a fresh directory; NULL when absent. */
static char *copy_fixture(const char *name, char *dir, size_t dirlen)
{
    char *tmp = tu_mkdtemp(), cmd[8400];
    snprintf(dir, dirlen, "%s/%s.zarr", tmp, name);
    snprintf(cmd, sizeof cmd, "cp -r '%s/%s.zarr' '%s'", tu_fixtures(), name, dir);
    if (system(cmd) != 0) {
        tu_rmtree(tmp);
        return NULL;
    }
    return tmp;
}

static void assert_names_unique(const ome_tree *t, int want)
{
    for (int i = 0; i < t->nfiles; i++)
        for (int j = i + 1; j < t->nfiles; j++)
            if (strcmp(t->files[i].name, t->files[j].name) == 0)
                fail_msg("two files named %s", t->files[i].name);
    assert_int_equal(t->nfiles, want);
}

/* Every name in a folder is unique: a label listed twice, a well whose fields share a path, a
 * field named like another field's label file. */
static void names_in_a_folder_are_unique(void **state)
{
    (void)state;
    char dir[4200], sub[4300];
    char *tmp = copy_fixture("with_labels", dir, sizeof dir);
    if (!tmp)
        skip();
    snprintf(sub, sizeof sub, "%s/labels", dir);
    tu_write_text(sub, ".zattrs", "{\"labels\": [\"cells\", \"nuclei\", \"cells\"]}");
    ome_content c;
    ome_err err = {0};
    ome_store *s;
    assert_int_equal(ome_store_file_open(dir, &s, &err), OME_OK);
    assert_int_equal(open_named(s, dir, "with_labels", &c, &err), OME_OK);
    assert_names_unique(&c.labels.tree, 7); /* cells' 4 files and nuclei's 3, once each */
    ome_content_free(&c);
    ome_store_close(s);
    tu_rmtree(tmp);

    if (!(tmp = copy_fixture("plate", dir, sizeof dir)))
        skip();
    /* well A/1: a field whose path makes the name of field 0's labels (a field listed twice is
     * refused when the well is parsed: test_ngff) */
    snprintf(sub, sizeof sub, "%s/A/1", dir);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s/0' '%s/0_labels_cells'", sub, sub);
    assert_int_equal(system(cmd), 0);
    tu_write_text(sub, ".zattrs",
                  "{\"well\": {\"version\": \"0.4\", \"images\": [{\"path\": \"0\"}, "
                  "{\"path\": \"0_labels_cells\"}, {\"path\": \"1\"}]}}");
    assert_int_equal(ome_store_file_open(dir, &s, &err), OME_OK);
    assert_int_equal(open_named(s, dir, "plate", &c, &err), OME_OK);
    ome_folder *well = ome_folder_tree_find(c.folders, "A1");
    assert_non_null(well);
    if (ome_folder_tree_load(c.folders, well, &err) != OME_OK)
        fail_msg("%s", err.msg);
    int n = well->tree.nfiles;
    assert_true(n > 0);
    assert_names_unique(&well->tree, n);
    ome_content_free(&c);
    ome_store_close(s);
    tu_rmtree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_from_addresses),
        cmocka_unit_test(each_kind_of_source),
        cmocka_unit_test(a_folder_of_images),
        cmocka_unit_test(names_in_a_folder_are_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
