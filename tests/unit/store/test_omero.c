/* Unit tests of omero_session's address parsing: the forms OMERO's web apps show for images,
 * datasets and plates, and addresses that are not OMERO's (Zarr URLs among them) left to the other stores. */
#include "testutil.h"
#include "store/omero_address.h"

#include "store/omero_session.h"

static void check(const char *source, const char *base, long long id)
{
    char got[2048] = "";
    long long gid = 0;
    if (!ome_omero_parse_source(source, got, sizeof got, &gid))
        fail_msg("%s: not recognised", source);
    assert_string_equal(got, base);
    assert_int_equal(gid, id);
}

static void recognises_web_client_addresses(void **state)
{
    (void)state;
    check("https://idr.openmicroscopy.org/webclient/img_detail/9836841/",
          "https://idr.openmicroscopy.org", 9836841);
    check("https://host/omero/webclient/img_detail/12", "https://host/omero", 12);
    check("http://127.0.0.1:8080/webgateway/img_detail/7/?c=1|0:255$FF0000", "http://127.0.0.1:8080",
          7);
    check("https://host/webclient/?show=image-42", "https://host", 42);
    check("https://host/webclient/?experimenter=-1&show=image-43|dataset-5", "https://host", 43);
    check("https://host/iviewer/?images=44&dataset=5", "https://host", 44);
    check("https://host/iviewer/?images=45,46", "https://host", 45);
    check("https://host/api/v0/m/images/47/", "https://host", 47);
}

static void recognises_datasets_plates_projects_screens(void **state)
{
    (void)state;
    static const char *forms[] = {"https://host/webclient/?show=dataset-5",
                                  "https://host/api/v0/m/datasets/5/",
                                  "https://host/webclient/?show=plate-5",
                                  "https://host/api/v0/m/plates/5/",
                                  "https://host/webclient/?show=project-5",
                                  "https://host/api/v0/m/projects/5/",
                                  "https://host/webclient/?show=screen-5",
                                  "https://host/api/v0/m/screens/5/"};
    static const ome_omero_kind kinds[] = {OME_OMERO_DATASET, OME_OMERO_PLATE, OME_OMERO_PROJECT,
                                           OME_OMERO_SCREEN};
    for (int i = 0; i < 8; i++) {
        char base[2048];
        long long id = 0, image;
        ome_omero_kind kind = OME_OMERO_IMAGE;
        assert_true(ome_omero_parse_address(forms[i], base, sizeof base, &kind, &id));
        assert_int_equal(kind, kinds[i / 2]);
        assert_int_equal(id, 5);
        assert_string_equal(base, "https://host");
        assert_false(ome_omero_parse_source(forms[i], base, sizeof base, &image));
    }
    char base[2048];
    long long id = 0;
    ome_omero_kind kind = OME_OMERO_DATASET;
    assert_true(ome_omero_parse_address("https://host/webclient/?show=image-6", base,
                                        sizeof base, &kind, &id));
    assert_int_equal(kind, OME_OMERO_IMAGE);
    assert_int_equal(id, 6);
}

static void leaves_other_addresses_alone(void **state)
{
    (void)state;
    static const char *others[] = {
        "https://host/data/image.zarr",
        "https://host/webclient/?show=dataset-5",
        "https://host/webclient/img_detail/abc/",
        "https://host/webclient/img_detail/0/",
        "https://host/webclient/img_detail/12x/",
        "https://host/iviewer/?dataset=5",
        "https://host/data/?x=/webclient/img_detail/5/",
        "s3://bucket/webclient/img_detail/5/",
        "/data/webclient/img_detail/5/",
        "https://host",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        char base[2048];
        long long id;
        if (ome_omero_parse_source(others[i], base, sizeof base, &id))
            fail_msg("%s: taken for OMERO image %lld", others[i], id);
    }
    char small[8];
    long long id;
    assert_false(ome_omero_parse_source("https://host/webclient/img_detail/5/", small,
                                        sizeof small, &id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recognises_web_client_addresses),
        cmocka_unit_test(recognises_datasets_plates_projects_screens),
        cmocka_unit_test(leaves_other_addresses_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
