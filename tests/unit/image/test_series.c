/* Unit tests of series: which roots are bioformats2raw collections (the specification's own
 * examples), the "series" list and what it refuses, images' names from OME-XML (entities,
 * namespaces, comments, a document cut short), and the listing of zarr-python's collections
 * with its round trips counted. */
#include "testutil.h"
#include "image/group.h"

#include "counting_store.h"
#include "image/series.h"

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    return j;
}

static const char *conformance_dir(void)
{
    const char *d = getenv("OMEFS_CONFORMANCE");
    return d && d[0] ? d : "../shared/conformance";
}

/* A JSON document of the conformance examples; its attributes when it is a zarr.json. */
static json_t *example_or_skip(const char *version, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ngff-%s/examples/%s", conformance_dir(), version, name);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        print_message("SKIP series examples: %s not found (../shared is absent in this clone)\n",
                      path);
        skip();
    }
    json_t *attrs = json_object_get(doc, "attributes");
    if (attrs) {
        json_incref(attrs);
        json_decref(doc);
        return attrs;
    }
    return doc;
}

static void specification_examples(void **state)
{
    (void)state;
    const char *versions[] = {"0.4", "0.5"};
    for (int v = 0; v < 2; v++) {
        json_t *image = example_or_skip(versions[v], "bf2raw/image.json");
        json_t *plate = example_or_skip(versions[v], "bf2raw/plate.json");
        json_t *ome = example_or_skip(versions[v], "ome/series-2.json");
        assert_true((ome_group_kind_of(image) == OME_GROUP_COLLECTION));
        assert_false((ome_group_kind_of(plate) == OME_GROUP_COLLECTION)); /* a plate takes precedence */
        assert_false((ome_group_kind_of(ome) == OME_GROUP_COLLECTION));
        ome_series *s;
        int n;
        ome_err err = {0};
        assert_int_equal(ome_series_parse_list(ome, "series-2.json", &s, &n, &err), OME_OK);
        assert_int_equal(n, 2);
        assert_string_equal(s[0].path, "0");
        assert_string_equal(s[1].path, "1");
        assert_null(s[0].name);
        ome_series_free(s, n);
        assert_int_equal(ome_series_parse_list(image, "image.json", &s, &n, &err), OME_OK);
        assert_int_equal(n, 0); /* no list: the images are found by probing */
        json_decref(image);
        json_decref(plate);
        json_decref(ome);
    }
    json_t *img = parse("{\"bioformats2raw.layout\": 3, \"multiscales\": []}");
    assert_false((ome_group_kind_of(img) == OME_GROUP_COLLECTION)); /* an image is an image */
    json_decref(img);
}

static void series_lists_are_checked(void **state)
{
    (void)state;
    static const char *bad[] = {
        "{\"series\": \"0\"}",          "{\"series\": []}",          "{\"series\": [0]}",
        "{\"series\": [\"0\", null]}",  "{\"series\": [\"\"]}",      "{\"series\": [\"/0\"]}",
        "{\"series\": [\"../x/0\"]}",   "{\"series\": [\"a/./b\"]}", "{\"series\": [\"a//b\"]}",
        "{\"series\": [\"a/..\"]}",     "{\"series\": [\"0/\"]}",
        "{\"series\": [\"0\", \"1\", \"0\"]}", /* a series twice: opened and kept twice */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = parse(bad[i]);
        ome_series *s = (ome_series *)1;
        int n = -1;
        ome_err err = {0};
        int rc = ome_series_parse_list(j, "OME/.zattrs", &s, &n, &err);
        if (rc == OME_OK)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(err.msg, "OME/.zattrs"));
        assert_null(s);
        assert_int_equal(n, 0);
        json_decref(j);
    }
    json_t *j = parse("{\"series\": [\"A/1/0\", \"img..1\", \".hidden\"]}");
    ome_series *s;
    int n;
    ome_err err = {0};
    assert_int_equal(ome_series_parse_list(j, "w", &s, &n, &err), OME_OK);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].path, "A/1/0");
    assert_string_equal(s[1].path, "img..1");
    ome_series_free(s, n);
    json_decref(j);
}

static void names_from_ome_xml(void **state)
{
    (void)state;
    const char *xml =
        "<?xml version=\"1.0\"?>\n<!-- <Image Name=\"in a comment\"> -->\n"
        "<ome:OME xmlns:ome=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\">"
        "<ome:Image ID=\"Image:0\" Name=\"a &amp; b &lt;c&gt; &#233;&#x41;&quot;&apos;&bogus;\">"
        "<ome:Pixels/></ome:Image>"
        "<ome:Instrument ID='i'/><ome:ImageRef ID='Image:9'/>"
        "<ome:Image Description=\"x > y\" ID='Image:1' Name='single &apos;quoted&apos;'/>"
        "<ome:Image ID=\"Image:2\"/>"
        "<![CDATA[<Image Name=\"in cdata\">]]>"
        "<Image\n  Name = \"spaced\"\n>"
        "<Image Name=\"cut short";
    ome_series s[6] = {{0}};
    ome_series_names_from_xml(xml, strlen(xml), s, 6);
    assert_string_equal(s[0].name, "a & b <c> \xC3\xA9" "A\"'&bogus;");
    assert_string_equal(s[1].name, "single 'quoted'");
    assert_null(s[2].name); /* an Image without a Name still counts */
    assert_string_equal(s[3].name, "spaced");
    assert_null(s[4].name); /* its start tag is cut short */
    assert_null(s[5].name);
    for (int i = 0; i < 6; i++)
        free(s[i].name);

    /* fewer series than Images: the rest are ignored; a long name is cut */
    char big[5000];
    int k = snprintf(big, sizeof big, "<Image Name=\"");
    memset(big + k, 'x', 3000);
    snprintf(big + k + 3000, sizeof big - (size_t)k - 3000, "\"/><Image Name=\"second\"/>");
    ome_series one[1] = {{0}};
    ome_series_names_from_xml(big, strlen(big), one, 1);
    assert_int_equal(strlen(one[0].name), 1000);
    free(one[0].name);
    one[0].name = NULL;
    ome_series_names_from_xml("", 0, one, 1);
    assert_null(one[0].name);

    /* Image tags inside a DOCTYPE (an entity's value) or a processing instruction are not
     * images (as an XML parser sees them) */
    const char *tricks =
        "<?xml version=\"1.0\"?><!DOCTYPE OME [ <!ENTITY e \"<Image Name='fromDTD'/>\"> "
        "<!ENTITY f '<Image Name=\"fromDTD2\"/> ]>'> ]><?pi <Image Name=\"fromPI\"/> ?>"
        "<OME><Image Name=\"real0\"/><Image Name=\"real1\"/></OME>";
    ome_series two[2] = {{0}};
    ome_series_names_from_xml(tricks, strlen(tricks), two, 2);
    assert_string_equal(two[0].name, "real0");
    assert_string_equal(two[1].name, "real1");
    free(two[0].name);
    free(two[1].name);
}

/* A zarr-python collection through a store counting round trips; skips when not written. */
static void list_collection(const char *name, int want_n, const char *const *want_names,
                            int want_batches)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s.zarr", tu_fixtures(), name);
    struct stat st;
    if (stat(dir, &st) != 0) {
        print_message("SKIP series listing: %s missing (make fixtures)\n", dir);
        skip();
    }
    tu_counting_store c;
    ome_err err = {0};
    assert_int_equal(tu_counting_open(&c, dir, &err), OME_OK);
    ome_series *s;
    int n;
    int rc = ome_series_list(&c.base, "", &s, &n, &err);
    if (want_n == 0) {
        assert_int_equal(rc, OME_EINVAL);
        assert_non_null(strstr(err.msg, "without images"));
    } else {
        if (rc != OME_OK)
            fail_msg("%s: %s", name, err.msg);
        assert_int_equal(n, want_n);
        for (int i = 0; i < n; i++) {
            char p[16];
            snprintf(p, sizeof p, "%d", i);
            assert_string_equal(s[i].path, p);
            if (want_names[i])
                assert_string_equal(s[i].name, want_names[i]);
            else
                assert_null(s[i].name);
        }
        ome_series_free(s, n);
    }
    assert_int_equal(c.batches, want_batches);
    ome_store_close(c.inner);
}

static void collections_of_zarr_python(void **state)
{
    (void)state;
    /* listed: one batch for OME/ and its XML */
    const char *names[] = {"Position 1 & more", "Pos2 <b>", NULL};
    list_collection("series", 3, names, 1);
    /* probed: then one batch of 16 groups finds 0/ and 1/ and the end */
    const char *greek[] = {"alpha", "beta"};
    list_collection("series_numbered", 2, greek, 2);
    list_collection("series_empty", 0, NULL, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(specification_examples),
        cmocka_unit_test(series_lists_are_checked),
        cmocka_unit_test(names_from_ome_xml),
        cmocka_unit_test(collections_of_zarr_python),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
