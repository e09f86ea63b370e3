/* Unit tests of the OME-XML against the OME 2016-06 schema (xmllint): every fixture image,
 * names holding anything, physical sizes and time steps beyond a 32-bit float; sizes and plane
 * counts beyond the schema's 32-bit int give no OME-XML. The schema is looked for in
 * ../shared/reference/ome-xsd (from the repository); the tests skip without it. */
#include "testutil.h"
#include "image/ngff.h"
#include "tree/source.h"
#include "vtiff/ome_xml.h"
#include "zarr/zarr_v2.h"

#define XSD "../shared/reference/ome-xsd/ome.xsd"

static void need_schema(void)
{
    if (access(XSD, R_OK) != 0) {
        print_message("skip ome-xml: ../shared/reference/ome-xsd is absent\n");
        skip();
    }
    if (system("command -v xmllint >/dev/null") != 0) {
        print_message("skip ome-xml: xmllint is missing (make deps)\n");
        skip();
    }
}

/* Validates the n documents with one xmllint run; fails with what xmllint said. */
static void assert_valid(char **xml, size_t n)
{
    char *dir = tu_mkdtemp();
    size_t cap = 256 + n * (strlen(dir) + 32);
    char *cmd = malloc(cap), name[32];
    int len = snprintf(cmd, cap, "xmllint --noout --schema %s", XSD);
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%zu.xml", i);
        tu_write_text(dir, name, xml[i]);
        len += snprintf(cmd + len, cap - (size_t)len, " %s/%s", dir, name);
    }
    snprintf(cmd + len, cap - (size_t)len, " >%s/out 2>&1", dir);
    int rc = system(cmd);
    if (rc != 0) {
        char said[3001] = "";
        snprintf(cmd, cap, "%s/out", dir);
        FILE *f = fopen(cmd, "r");
        if (f) {
            said[fread(said, 1, sizeof said - 1, f)] = 0;
            fclose(f);
        }
        print_error("%s\n", said);
    }
    free(cmd);
    tu_rmtree(dir);
    assert_int_equal(rc, 0);
}

/* An image of one level from a .zarray and a multiscales document (no chunk is read). */
static ome_image *mem_image(const char *zarray, const char *attrs_doc)
{
    ome_err err;
    json_t *j = json_loads(zarray, 0, NULL);
    assert_non_null(j);
    ome_zarr_array *arr;
    assert_int_equal(ome_zarr_array_parse_v2(j, "0", "mem", &arr, &err), OME_OK);
    json_decref(j);
    json_t *attrs = json_loads(attrs_doc, 0, NULL);
    assert_non_null(attrs);
    ome_ngff_multiscale ms;
    assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
    ome_image *img;
    if (ome_image_build(NULL, "mem", "mem", &ms, &arr, NULL, 0, &img, &err))
        fail_msg("%s", err.msg);
    ome_ngff_multiscale_free(&ms);
    json_decref(attrs);
    return img;
}

/* Fixture image NAME through the file store. */
static ome_image *open_fixture(const char *name, ome_store **store)
{
    char src[4096];
    ome_image *img;
    ome_err err;
    snprintf(src, sizeof src, "%s/%s.zarr", tu_fixtures(), name);
    assert_int_equal(ome_source_open_address(src, NULL, store, &err), OME_OK);
    if (ome_image_open(*store, "", name, &img, &err))
        fail_msg("%s", err.msg);
    return img;
}

/* Every fixture image's OME-XML; the 64-bit integer ones have none. */
static void fixture_images_validate(void **state)
{
    (void)state;
    need_schema();
    json_t *m = tu_manifest(), *fx;
    char **xml = calloc(json_array_size(m), sizeof *xml);
    size_t i, n = 0;
    json_array_foreach(m, i, fx) {
        const char *name = json_string_value(json_object_get(fx, "name"));
        const char *np = json_string_value(json_object_get(fx, "numpy_dtype"));
        ome_store *store;
        ome_image *img = open_fixture(name, &store);
        xml[n] = ome_xml_make(img);
        if (!xml[n] && strcmp(np, "int64") != 0 && strcmp(np, "uint64") != 0)
            fail_msg("%s (%s): no OME-XML", name, np);
        n += xml[n] != NULL;
        ome_image_free(img);
        ome_store_close(store);
    }
    assert_true(n >= 60);
    assert_valid(xml, n);
    for (i = 0; i < n; i++)
        free(xml[i]);
    free(xml);
    json_decref(m);
}

/* Names that are not UTF-8, hold a surrogate, control characters or markup. */
static void any_name_validates(void **state)
{
    (void)state;
    need_schema();
    ome_store *store;
    ome_image *img = open_fixture("axes_cyx", &store);
    free(img->title);
    img->title = strdup("bad\xff\xfe name \xc3\x28 <&>\"' \x01\t caf\xc3\xa9 \xf0\x9f\x98\x80 "
                        "\xe0\x80\xaf \xef\xbf\xbe end");
    free(img->channels[0].name);
    img->channels[0].name = strdup("\xed\xa0\x80 surrogate \xf4\x90\x80\x80 \xc0");
    free(img->channels[1].name);
    img->channels[1].name = strdup("");
    char *xml = ome_xml_make(img);
    assert_non_null(xml);
    assert_valid(&xml, 1);
    free(xml);
    ome_image_free(img);
    ome_store_close(store);
}

/* Physical sizes and a time step below or above a 32-bit float's range (the schema's floats)
 * are left out; those in range are kept. */
static void sizes_beyond_a_float_left_out(void **state)
{
    (void)state;
    need_schema();
    ome_image *img = mem_image(
        "{\"shape\":[2,2,4,4],\"chunks\":[1,1,4,4],\"dtype\":\"<u2\",\"compressor\":null,"
        "\"fill_value\":0}",
        "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":["
        "{\"name\":\"t\",\"type\":\"time\",\"unit\":\"day\"},"
        "{\"name\":\"z\",\"type\":\"space\",\"unit\":\"micrometer\"},"
        "{\"name\":\"y\",\"type\":\"space\",\"unit\":\"micrometer\"},"
        "{\"name\":\"x\",\"type\":\"space\",\"unit\":\"nanometer\"}],"
        "\"datasets\":[{\"path\":\"0\",\"coordinateTransformations\":[{\"type\":\"scale\","
        "\"scale\":[1e60,2.5,1e-50,1e-90]}]}]}]}");
    char *xml[2] = {ome_xml_make(img), NULL};
    assert_non_null(xml[0]);
    assert_valid(xml, 1);
    tu_assert_contains(xml[0], "PhysicalSizeZ=\"2.5\" PhysicalSizeZUnit=\"\xc2\xb5m\"");
    assert_null(strstr(xml[0], "PhysicalSizeY="));
    assert_null(strstr(xml[0], "PhysicalSizeX="));
    assert_null(strstr(xml[0], "TimeIncrement="));
    ome_image_free(img);
    img = mem_image("{\"shape\":[4,4],\"chunks\":[4,4],\"dtype\":\"|u1\",\"compressor\":null,"
                    "\"fill_value\":0}",
                    "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":["
                    "{\"name\":\"y\",\"type\":\"space\"},{\"name\":\"x\",\"type\":\"space\"}],"
                    "\"datasets\":[{\"path\":\"0\",\"coordinateTransformations\":[{\"type\":"
                    "\"scale\",\"scale\":[1e90,0.25]}]}]}]}");
    xml[1] = ome_xml_make(img);
    assert_non_null(xml[1]);
    assert_valid(xml + 1, 1);
    assert_null(strstr(xml[1], "PhysicalSizeY="));
    tu_assert_contains(xml[1], "PhysicalSizeX=\"0.25\"");
    ome_image_free(img);
    free(xml[0]);
    free(xml[1]);
}

/* The schema's sizes and plane counts are 32-bit ints: beyond them there is no OME-XML. */
static void sizes_beyond_an_int_give_none(void **state)
{
    (void)state;
    static const struct { const char *shape, *axes, *why; } cases[] = {
        {"[3000000000,2]", "[\"y\",\"x\"]", "size"},
        {"[50000,50000,1,1]", "[\"c\",\"z\",\"y\",\"x\"]", "planes"},
        {"[2147483647,2]", "[\"y\",\"x\"]", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char zarray[256], attrs[256];
        snprintf(zarray, sizeof zarray,
                 "{\"shape\":%s,\"chunks\":%s,\"dtype\":\"|u1\",\"compressor\":null,"
                 "\"fill_value\":0}",
                 cases[i].shape, i == 1 ? "[1,1,1,1]" : "[1024,2]");
        snprintf(attrs, sizeof attrs, "{\"multiscales\":[{\"axes\":%s,\"datasets\":"
                 "[{\"path\":\"0\"}]}]}", cases[i].axes);
        ome_image *img = mem_image(zarray, attrs);
        char *xml = ome_xml_make(img);
        const char *why = ome_xml_refusal(img);
        if (cases[i].why) {
            assert_null(xml);
            assert_non_null(why);
            tu_assert_contains(why, cases[i].why);
        } else {
            assert_null(why);
            tu_assert_contains(xml, "SizeY=\"2147483647\"");
        }
        free(xml);
        ome_image_free(img);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_images_validate),
        cmocka_unit_test(any_name_validates),
        cmocka_unit_test(sizes_beyond_a_float_left_out),
        cmocka_unit_test(sizes_beyond_an_int_give_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
