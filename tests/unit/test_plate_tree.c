/* Unit tests of plate_tree: well folders named from the plate's rows and columns (and never
 * colliding), wells opened on demand from zarr-python's plate fixture, a well that cannot be
 * opened reported (and tried again on the next look). */
#include "testutil.h"

#include "plate_tree.h"

static void folders_are_named_and_never_collide(void **state)
{
    (void)state;
    json_error_t je;
    json_t *attrs = json_loads(
        "{\"plate\": {\"rows\": [{\"name\": \"A\"}, {\"name\": \"A1\"}, {\"name\": \".\"}],"
        " \"columns\": [{\"name\": \"1\"}, {\"name\": \"11\"}, {\"name\": \".\"}],"
        " \"wells\": [{\"path\": \"A/11\", \"rowIndex\": 0, \"columnIndex\": 1},"
        "             {\"path\": \"A1/1\", \"rowIndex\": 1, \"columnIndex\": 0},"
        "             {\"path\": \"x/y\", \"rowIndex\": 2, \"columnIndex\": 2}]}}",
        0, &je);
    assert_non_null(attrs);
    ome_plate_tree *pt;
    ome_err err = {0};
    assert_int_equal(ome_plate_tree_open(NULL, attrs, "attrs", &pt, &err), OME_OK);
    json_decref(attrs);
    assert_int_equal(pt->nwells, 3);
    assert_string_equal(pt->wells[0].name, "A11");
    assert_string_equal(pt->wells[1].name, "A1_1"); /* "A1" + "1" would repeat "A11" */
    assert_string_equal(pt->wells[2].name, "._.");  /* ".." is no folder name */
    assert_string_equal(pt->wells[1].path, "A1/1");
    assert_ptr_equal(ome_plate_tree_find(pt, "A1_1"), &pt->wells[1]);
    assert_null(ome_plate_tree_find(pt, "A1"));
    ome_plate_tree_free(pt);
}

static void wells_open_on_demand(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/plate.zarr", tu_fixtures());
    struct stat st;
    if (stat(dir, &st) != 0)
        skip();
    ome_store *s;
    ome_err err = {0};
    assert_int_equal(ome_store_file_open(dir, &s, &err), OME_OK);
    json_t *attrs;
    char where[4096];
    assert_int_equal(ome_group_attrs_load(s, "", &attrs, where, sizeof where, &err), OME_OK);
    ome_plate_tree *pt;
    assert_int_equal(ome_plate_tree_open(s, attrs, where, &pt, &err), OME_OK);
    json_decref(attrs);
    assert_int_equal(pt->nwells, 4);
    ome_plate_well_dir *a1 = ome_plate_tree_find(pt, "A1"), *b3 = ome_plate_tree_find(pt, "B3");
    assert_non_null(a1);
    assert_non_null(b3);
    assert_int_equal(ome_plate_tree_loaded_bytes(pt), 0);
    assert_int_equal(ome_plate_tree_load(pt, a1, &err), OME_OK);
    assert_int_equal(a1->nimages, 2);
    assert_int_equal(a1->tree.nfiles, 6); /* per field: .ome.tif, _L0.tif, _L1.tif */
    assert_non_null(ome_tree_find(&a1->tree, "A1_1_L1.tif"));
    assert_true(ome_plate_tree_loaded_bytes(pt) > 0);
    for (int i = 0; i < 2; i++) { /* not kept as failed: each look tries again */
        assert_int_not_equal(ome_plate_tree_load(pt, b3, &err), OME_OK);
        assert_non_null(strstr(err.msg, "B3"));
        assert_false(b3->loaded);
        assert_int_equal(b3->tree.nfiles, 0);
    }
    ome_plate_tree_free(pt);
    ome_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folders_are_named_and_never_collide),
        cmocka_unit_test(wells_open_on_demand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
