/* Unit tests of omero_listing: pages of OMERO's JSON API as servers send them (shapes from
 * omeroweb/api/views.py: "data" items with "@id" and "Name"; a plate's wells with 0-based "Row"
 * and "Column" and their "WellSamples"), and pages that are broken or hostile. */
#include "testutil.h"
#include "store/omero_listing.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

/* Adds the page in json (its "data" array) to l; returns the status. */
static int add_page(ome_omero_kind kind, const char *json, ome_omero_list *l, ome_err *err)
{
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    assert_non_null(doc);
    int rc = ome_omero_list_page(kind, json_object_get(doc, "data"), l, err);
    json_decref(doc);
    return rc;
}

static void dataset_images_keep_their_ids_and_names(void **state)
{
    (void)state;
    ome_omero_list l = {0};
    ome_err err = {0};
    assert_int_equal(add_page(OME_OMERO_DATASET,
                              "{\"data\": [{\"@id\": 5, \"Name\": \"a.tif\"},"
                              " {\"@id\": 0, \"Name\": \"no id\"}, {\"Name\": \"none\"},"
                              " {\"@id\": 7}, 3, \"x\"]}",
                              &l, &err),
                     OME_OK);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[0].id, 5);
    assert_string_equal(l.items[0].name, "a.tif");
    assert_string_equal(l.items[0].group, "");
    assert_int_equal(l.items[1].id, 7);
    assert_string_equal(l.items[1].name, "");
    free(l.items);
}

static void wells_are_named_from_row_and_column(void **state)
{
    (void)state;
    ome_omero_list l = {0};
    ome_err err = {0};
    assert_int_equal(
        add_page(OME_OMERO_PLATE,
                 "{\"data\": ["
                 "{\"Row\": 0, \"Column\": 0, \"WellSamples\": [{\"Image\": {\"@id\": 1}},"
                 " {\"Image\": {\"@id\": 2}}]},"
                 "{\"Row\": 25, \"Column\": 11, \"WellSamples\": [{\"Image\": {\"@id\": 3}}]},"
                 "{\"Row\": 26, \"Column\": 47, \"WellSamples\": [{\"Image\": {\"@id\": 4}}]},"
                 "{\"Row\": 701, \"Column\": 0, \"WellSamples\": [{\"Image\": {\"@id\": 5}}]},"
                 "{\"Row\": -1, \"Column\": 0, \"WellSamples\": [{\"Image\": {\"@id\": 6}}]},"
                 "{\"Row\": 100001, \"Column\": 0, \"WellSamples\": [{\"Image\": {\"@id\": 7}}]},"
                 "{\"Row\": 0, \"Column\": 9223372036854775807, \"WellSamples\": []},"
                 "{\"Row\": \"B\", \"Column\": 1, \"WellSamples\": [{\"Image\": {\"@id\": 8}}]},"
                 "{\"Row\": 1, \"Column\": 1, \"WellSamples\": {\"Image\": {\"@id\": 9}}}]}",
                 &l, &err),
        OME_OK);
    assert_int_equal(l.count, 5);
    const char *groups[] = {"A1", "A1", "Z12", "AA48", "ZZ1"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(l.items[i].id, i + 1);
        assert_string_equal(l.items[i].group, groups[i]);
    }
    free(l.items);
}

static void long_names_are_cut_and_pages_add_up(void **state)
{
    (void)state;
    ome_omero_list l = {0};
    ome_err err = {0};
    char json[2048];
    char name[700];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(json, sizeof json, "{\"data\": [{\"@id\": 1, \"Name\": \"%s\"}]}", name);
    assert_int_equal(add_page(OME_OMERO_PROJECT, json, &l, &err), OME_OK);
    assert_int_equal(add_page(OME_OMERO_PROJECT, "{\"data\": [{\"@id\": 2, \"Name\": \"d\"}]}",
                              &l, &err),
                     OME_OK);
    assert_int_equal(l.count, 2);
    assert_int_equal(strlen(l.items[0].name), sizeof l.items[0].name - 1);
    assert_string_equal(l.items[1].name, "d");
    /* a page that is no array adds nothing */
    assert_int_equal(add_page(OME_OMERO_SCREEN, "{\"data\": {\"@id\": 3}}", &l, &err), OME_OK);
    assert_int_equal(l.count, 2);
    free(l.items);
}

static void too_many_items_are_refused(void **state)
{
    (void)state;
    ome_omero_list l = {0};
    ome_err err = {0};
    json_t *data = json_array();
    for (int i = 1; i <= OME_OMERO_MAX_LISTED + 1; i++)
        json_array_append_new(data, json_pack("{s:i}", "@id", i));
    assert_int_equal(ome_omero_list_page(OME_OMERO_DATASET, data, &l, &err), OME_ERANGE);
    assert_non_null(strstr(err.msg, "more than"));
    assert_int_equal(l.count, OME_OMERO_MAX_LISTED);
    json_decref(data);
    free(l.items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dataset_images_keep_their_ids_and_names),
        cmocka_unit_test(wells_are_named_from_row_and_column),
        cmocka_unit_test(long_names_are_cut_and_pages_add_up),
        cmocka_unit_test(too_many_items_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
