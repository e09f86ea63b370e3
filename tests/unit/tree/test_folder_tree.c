/* Unit tests of folder_tree: well folders named from the plate's rows and columns (and never
 * colliding), a folder per image of a list, wells and images opened on demand from zarr-python's
 * plate fixture, a folder that cannot be opened reported (and tried again on the next look). */
#include "testutil.h"
#include "base/key.h"
#include "image/group.h"
#include "store/store_file.h"

#include "tree/folder_tree.h"

static void folders_are_named_and_never_collide(void **state)
{
    (void)state;
    json_error_t je;
    json_t *attrs = json_loads(
        "{\"plate\": {\"rows\": [{\"name\": \"A\"}, {\"name\": \"A1\"}, {\"name\": \"x\"}],"
        " \"columns\": [{\"name\": \"1\"}, {\"name\": \"11\"}, {\"name\": \"y\"}],"
        " \"wells\": [{\"path\": \"A/11\", \"rowIndex\": 0, \"columnIndex\": 1},"
        "             {\"path\": \"A1/1\", \"rowIndex\": 1, \"columnIndex\": 0},"
        "             {\"path\": \"x/y\", \"rowIndex\": 2, \"columnIndex\": 2}]}}",
        0, &je);
    assert_non_null(attrs);
    ome_folder_tree *pt;
    ome_err err = {0};
    assert_int_equal(ome_folder_tree_open_plate(NULL, "", attrs, "attrs", &pt, &err), OME_OK);
    json_decref(attrs);
    assert_int_equal(pt->nfolders, 3);
    assert_string_equal(pt->folders[0].name, "A11");
    assert_string_equal(pt->folders[1].name, "A1_1"); /* "A1" + "1" would repeat "A11" */
    assert_string_equal(pt->folders[2].name, "xy");
    assert_string_equal(pt->folders[1].path, "A1/1");
    assert_ptr_equal(ome_folder_tree_find(pt, "A1_1"), &pt->folders[1]);
    assert_null(ome_folder_tree_find(pt, "A1"));
    ome_folder_tree_free(pt);
    /* a row name longer than a folder name can be: cut to fit, and found by that name */
    char rows[600];
    memset(rows, 0, sizeof rows);
    snprintf(rows, sizeof rows, "{\"plate\": {\"rows\": [{\"name\": \"%0300d\"}], \"columns\": "
             "[{\"name\": \"1\"}], \"wells\": [{\"path\": \"A/1\", \"rowIndex\": 0, "
             "\"columnIndex\": 0}]}}", 7);
    attrs = json_loads(rows, 0, &je);
    assert_non_null(attrs);
    assert_int_equal(ome_folder_tree_open_plate(NULL, "", attrs, "attrs", &pt, &err), OME_OK);
    json_decref(attrs);
    assert_int_equal(strlen(pt->folders[0].name), OME_NAME_MAX);
    assert_ptr_equal(ome_folder_tree_find(pt, pt->folders[0].name), &pt->folders[0]);
    ome_folder_tree_free(pt);
    /* a row or column named "." or ".." is refused: no folder name can leave the plate */
    attrs = json_loads("{\"plate\": {\"rows\": [{\"name\": \".\"}], \"columns\": [{\"name\": "
                       "\".\"}], \"wells\": [{\"path\": \"./.\", \"rowIndex\": 0, "
                       "\"columnIndex\": 0}]}}",
                       0, &je);
    assert_int_equal(ome_folder_tree_open_plate(NULL, "", attrs, "attrs", &pt, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "no valid name");
    json_decref(attrs);
}

/* The plate fixture (zarr-python) as a local store; skips when it was not written. */
static ome_store *plate_store_or_skip(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/plate.zarr", tu_fixtures());
    struct stat st;
    if (stat(dir, &st) != 0)
        skip();
    ome_store *s;
    ome_err err = {0};
    if (ome_store_file_open(dir, &s, &err) != OME_OK)
        fail_msg("%s", err.msg);
    return s;
}

static void plate_wells_open_on_demand(void **state)
{
    (void)state;
    ome_store *s = plate_store_or_skip();
    ome_err err = {0};
    json_t *attrs;
    char where[4096];
    assert_int_equal(ome_group_attrs_load(s, "", &attrs, where, sizeof where, &err), OME_OK);
    ome_folder_tree *pt;
    assert_int_equal(ome_folder_tree_open_plate(s, "", attrs, where, &pt, &err), OME_OK);
    json_decref(attrs);
    assert_int_equal(pt->nfolders, 4);
    ome_folder *a1 = ome_folder_tree_find(pt, "A1"), *b3 = ome_folder_tree_find(pt, "B3");
    assert_non_null(a1);
    assert_non_null(b3);
    assert_int_equal(ome_folder_tree_loaded_bytes(pt), 0);
    assert_int_equal(ome_folder_tree_load(pt, a1, &err), OME_OK);
    assert_int_equal(a1->nimages, 3);     /* two fields, and field 0's label image */
    assert_int_equal(a1->tree.nfiles, 11); /* per field: .ome.tif, _L0.tif, _L1.tif,
                                             .preview.png; label: 3 */
    assert_non_null(ome_tree_find(&a1->tree, "A1_0_labels_cells.ome.tif"));
    assert_non_null(ome_tree_find(&a1->tree, "A1_1_L1.tif"));
    assert_true(ome_folder_tree_loaded_bytes(pt) > 0);
    for (int i = 0; i < 2; i++) { /* not kept as failed: each look tries again */
        assert_int_not_equal(ome_folder_tree_load(pt, b3, &err), OME_OK);
        assert_non_null(strstr(err.msg, "B3"));
        assert_false(b3->loaded);
        assert_int_equal(b3->tree.nfiles, 0);
    }
    ome_folder_tree_free(pt);
    ome_store_close(s);
}

static void list_images_get_a_folder_each(void **state)
{
    (void)state;
    ome_store *s = plate_store_or_skip();
    ome_err err = {0};
    static const ome_folder_entry entries[] = {
        {"one", "A/1/0", "image-1", 0},
        {"one", "A/3/1", "image-2", 1},  /* a repeated folder name: the image's name instead */
        {"a/b", "B/2/0", "image-3", 2},  /* a slash: the image's name instead */
        {"gone", "Z/9/0", "image-4", 3}, /* nothing there */
        {"pair", "A/1/1", "pair_0", 4},  /* one group: one folder with both */
        {"pair", "A/3/0", "pair_1", 4},
    };
    ome_folder_tree *ft;
    assert_int_equal(ome_folder_tree_open_list(s, entries, 6, &ft, &err), OME_OK);
    assert_int_equal(ft->nfolders, 5);
    assert_string_equal(ft->folders[0].name, "one");
    assert_string_equal(ft->folders[1].name, "image-2");
    assert_string_equal(ft->folders[2].name, "image-3");
    ome_folder *f = ome_folder_tree_find(ft, "image-2");
    assert_int_equal(ome_folder_tree_load(ft, f, &err), OME_OK);
    assert_non_null(ome_tree_find(&f->tree, "image-2.ome.tif"));
    assert_non_null(ome_tree_find(&f->tree, "image-2_L1.tif"));
    assert_int_not_equal(ome_folder_tree_load(ft, ome_folder_tree_find(ft, "gone"), &err), OME_OK);
    assert_non_null(strstr(err.msg, "gone"));
    ome_folder *pair = ome_folder_tree_find(ft, "pair");
    assert_int_equal(ome_folder_tree_load(ft, pair, &err), OME_OK);
    assert_int_equal(pair->nimages, 2);
    assert_non_null(ome_tree_find(&pair->tree, "pair_0.ome.tif"));
    assert_non_null(ome_tree_find(&pair->tree, "pair_1_L1.tif"));
    ome_folder_tree_free(ft);
    ome_store_close(s);
}

/* 100000 images, some of one name: named and found in linear time (quadratic naming would
 * take minutes here); a repeated name falls back to the image's, then to the index. */
static void a_hundred_thousand_folders(void **state)
{
    (void)state;
    enum { N = 100000 };
    ome_folder_entry *e = calloc(N, sizeof *e);
    char(*text)[2][32] = calloc(N, sizeof *text);
    assert_non_null(e);
    assert_non_null(text);
    for (int i = 0; i < N; i++) {
        snprintf(text[i][0], sizeof text[i][0], "img%05d", i % 99990); /* 10 repeats */
        if (i == N - 1)
            snprintf(text[i][1], sizeof text[i][1], "img00001"); /* taken too */
        else
            snprintf(text[i][1], sizeof text[i][1], "alt%d", i);
        e[i] = (ome_folder_entry){text[i][0], text[i][1], text[i][1], i};
    }
    ome_folder_tree *ft;
    ome_err err = {0};
    assert_int_equal(ome_folder_tree_open_list(NULL, e, N, &ft, &err), OME_OK);
    assert_int_equal(ft->nfolders, N);
    assert_ptr_equal(ome_folder_tree_find(ft, "img00007"), &ft->folders[7]);
    assert_ptr_equal(ome_folder_tree_find(ft, "alt99997"), &ft->folders[99997]); /* 7 again */
    assert_string_equal(ft->folders[N - 1].name, "99999"); /* its name and its image's taken */
    assert_null(ome_folder_tree_find(ft, "img99990"));
    for (int i = 0; i < N; i += 997) /* every name found, and unique */
        assert_ptr_equal(ome_folder_tree_find(ft, ft->folders[i].name), &ft->folders[i]);
    ome_folder_tree_free(ft);
    free(e);
    free(text);
}

/* A folder of images holding an image, a plate and collections (the fixtures directory as a
 * store): a plate's folder holds its wells and a collection's its images, each read on use. */
static void folders_of_any_kind_nest(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/series.zarr", tu_fixtures());
    struct stat st;
    if (stat(dir, &st) != 0) {
        print_message("SKIP nested folders: %s missing (make fixtures)\n", dir);
        skip();
    }
    ome_store *s;
    ome_err err = {0};
    assert_int_equal(ome_store_file_open(tu_fixtures(), &s, &err), OME_OK);
    static const ome_folder_entry entries[] = {
        {"cells", "axes_cyx.zarr", "cells", 0},
        {"plate", "plate.zarr", "plate", 1},
        {"series", "series.zarr", "series", 2},
        {"single", "series_single.zarr", "single", 3},
    };
    ome_folder_tree *ft;
    assert_int_equal(ome_folder_tree_open_list(s, entries, 4, &ft, &err), OME_OK);
    ft->any_kind = ft->with_labels = true;
    ome_folder *cells = &ft->folders[0], *plate = &ft->folders[1], *series = &ft->folders[2],
               *single = &ft->folders[3];
    assert_int_equal(ome_folder_tree_load(ft, cells, &err), OME_OK);
    assert_null(cells->sub);
    assert_non_null(ome_tree_find(&cells->tree, "cells_L1.tif"));

    assert_int_equal(ome_folder_tree_load(ft, plate, &err), OME_OK);
    assert_non_null(plate->sub);
    assert_int_equal(plate->tree.nfiles, 0);
    assert_int_equal(plate->sub->nfolders, 4);
    ome_folder *a1 = ome_folder_tree_find(plate->sub, "A1");
    assert_string_equal(a1->path, "plate.zarr/A/1"); /* wells under the plate's own path */
    assert_false(a1->loaded);                         /* read on use, not with the plate */
    assert_int_equal(ome_folder_tree_load(plate->sub, a1, &err), OME_OK);
    assert_non_null(ome_tree_find(&a1->tree, "A1_0_labels_cells.ome.tif"));

    assert_int_equal(ome_folder_tree_load(ft, series, &err), OME_OK);
    assert_int_equal(series->sub->nfolders, 3);
    ome_folder *pos2 = ome_folder_tree_find(series->sub, "1_Pos2__b_");
    assert_non_null(pos2);
    assert_int_equal(ome_folder_tree_load(series->sub, pos2, &err), OME_OK);
    assert_non_null(ome_tree_find(&pos2->tree, "series_1_L0.tif"));

    assert_int_equal(ome_folder_tree_load(ft, single, &err), OME_OK);
    assert_null(single->sub);
    assert_non_null(ome_tree_find(&single->tree, "single_L1.tif"));
    uint64_t bytes = ome_folder_tree_loaded_bytes(ft); /* inner folders counted */
    uint64_t outer = 0;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < ft->folders[i].tree.nfiles; k++)
            outer += ome_vtiff_size(ft->folders[i].tree.files[k].vt);
    assert_true(bytes > outer);
    ome_folder_tree_free(ft);
    ome_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folders_are_named_and_never_collide),
        cmocka_unit_test(plate_wells_open_on_demand),
        cmocka_unit_test(list_images_get_a_folder_each),
        cmocka_unit_test(folders_of_any_kind_nest),
        cmocka_unit_test(a_hundred_thousand_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
