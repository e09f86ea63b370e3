/* test_store_omero: the OMERO store against the stand-in OMERO server in the test nginx
 * (tests/lib/omero_server.lua over build/fixtures/omero): an image's generated OME-Zarr
 * documents, its tiles as chunks equal to the planes numpy wrote, a private image refused, and a
 * dataset's listing equal to the fixture's. */
#include "testutil.h"
#include "store/store_omero.h"
#include "zarr/zarr.h"

#include <jansson.h>

static ome_store *open_omero(const char *address_tail, int *rc, ome_err *err)
{
    const char *base = tu_server("OMEFS_TEST_HTTP");
    if (!base)
        skip();
    char address[1024];
    snprintf(address, sizeof address, "%s/omero/%s", base, address_tail);
    ome_store_opts o;
    ome_store_opts_default(&o);
    o.timeout_s = 10;
    ome_store *s = NULL;
    *rc = ome_store_omero_open(address, &o, &s, err);
    return s;
}

/* Image 1 (2 t × 3 c × 2 z × 520 × 700, big-endian uint16, 3 levels, 256² tiles): the
 * multiscales, level 0's array, and every chunk of one plane equal to the fixture's plane. */
static void image_as_ome_zarr(void **state)
{
    (void)state;
    ome_err err = {0};
    int rc;
    ome_store *s = open_omero("webclient/img_detail/1/", &rc, &err);
    if (rc)
        fail_msg("%s", err.msg);
    json_t *attrs = NULL;
    ome_buf body = {0};
    assert_int_equal(ome_store_get(s, ".zattrs", &body, &err), OME_OK);
    assert_int_equal(ome_json_parse(&body, ".zattrs", &attrs, &err), OME_OK);
    json_t *ms = json_array_get(json_object_get(attrs, "multiscales"), 0);
    assert_int_equal(json_array_size(json_object_get(ms, "datasets")), 3);
    json_decref(attrs);
    ome_buf_free(&body);

    ome_zarr_array *a;
    if (ome_zarr_array_open(s, "0", &a, &err))
        fail_msg("%s", err.msg);
    const uint64_t shape[5] = {2, 3, 2, 520, 700};
    assert_int_equal(a->ndim, 5);
    for (int d = 0; d < 5; d++)
        assert_int_equal(a->shape[d], shape[d]);
    assert_int_equal(a->dtype, OME_DT_U16);

    /* plane t=1 c=2 z=1, as numpy wrote it (big-endian) */
    char path[4096];
    snprintf(path, sizeof path, "%s/omero/images/1/L0/1_2_1.raw", tu_fixtures());
    size_t plane_len;
    uint8_t *plane = tu_read_file(path, &plane_len);
    assert_non_null(plane);
    assert_int_equal(plane_len, 520 * 700 * 2);
    uint64_t gy = ome_zarr_grid(a, 3), gx = ome_zarr_grid(a, 4);
    size_t n = (size_t)(gy * gx);
    ome_zarr_chunk *chunks = calloc(n, sizeof *chunks);
    for (size_t i = 0; i < n; i++) {
        uint64_t idx[5] = {1, 2, 1, i / gx, i % gx};
        memcpy(chunks[i].idx, idx, sizeof idx);
    }
    ome_zarr_get_chunks(s, a, chunks, n, NULL);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        if (chunks[i].status != OME_OK)
            fail_msg("chunk %zu: %s", i, chunks[i].err.msg);
        const uint16_t *px = (const uint16_t *)chunks[i].data;
        uint64_t ch = a->chunks[3], cw = a->chunks[4];
        for (uint64_t y = 0; y < ch; y++)
            for (uint64_t x = 0; x < cw; x++) {
                uint64_t py = chunks[i].idx[3] * ch + y, pxx = chunks[i].idx[4] * cw + x;
                if (py >= 520 || pxx >= 700)
                    continue;
                const uint8_t *b = plane + 2 * (py * 700 + pxx);
                wrong += px[y * cw + x] != (uint16_t)(b[0] << 8 | b[1]);
            }
        free(chunks[i].data);
    }
    assert_int_equal(wrong, 0);
    free(chunks);
    free(plane);
    ome_zarr_array_free(a);
    ome_store_close(s);
}

/* Image 2 is not public: the public user cannot open it, and the message names the image. */
static void private_image_refused(void **state)
{
    (void)state;
    ome_err err = {0};
    int rc;
    ome_store *s = open_omero("webclient/img_detail/2/", &rc, &err);
    if (rc == OME_OK) {
        ome_buf body = {0};
        rc = ome_store_get(s, ".zattrs", &body, &err);
        ome_buf_free(&body);
        ome_store_close(s);
    }
    assert_true(rc < 0);
    tu_assert_contains(err.msg, "2");
}

/* The listing of the OMERO container at `address` (store closed, list to free). */
static ome_omero_listing *list_of(const char *address, int *n)
{
    ome_err err = {0};
    int rc;
    ome_store *s = open_omero(address, &rc, &err);
    if (rc)
        fail_msg("%s", err.msg);
    ome_omero_listing *list;
    if (ome_store_omero_list(s, "", &list, n, &err))
        fail_msg("%s", err.msg);
    ome_store_close(s);
    return list;
}

/* A plate listing with a column of INT64_MAX and a row past any plate: those wells are left
 * out (no overflow in naming them), the real well stays. */
static void plate_integers_range_checked(void **state)
{
    (void)state;
    int n;
    ome_omero_listing *list = list_of("webclient/?show=plate-6", &n);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].group, "B1");
    assert_int_equal(list[0].id, 1);
    free(list);
}

/* Dataset 7's listing as the public user sees it: the images of the fixture's list that are
 * public (the fixture's access file), in its order and with its names. */
static void dataset_listing(void **state)
{
    (void)state;
    int n;
    ome_omero_listing *list = list_of("webclient/?show=dataset-7", &n);
    char path[4096], public_ids[4096] = " ";
    snprintf(path, sizeof path, "%s/omero/access", tu_fixtures());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(public_ids + 1, sizeof public_ids - 2, f));
    public_ids[strcspn(public_ids, "\n")] = '\0';
    strcat(public_ids, " ");
    fclose(f);
    snprintf(path, sizeof path, "%s/omero/datasets/7.tsv", tu_fixtures());
    f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int k = 0;
    while (fgets(line, sizeof line, f)) {
        long long id;
        char name[256];
        char key[32];
        if (sscanf(line, "%lld\t%255[^\n]", &id, name) != 2)
            continue;
        snprintf(key, sizeof key, " %lld ", id);
        if (!strstr(public_ids, key))
            continue;
        assert_true(k < n);
        assert_int_equal(list[k].id, id);
        assert_string_equal(list[k].name, name);
        k++;
    }
    fclose(f);
    assert_int_equal(k, n);
    free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(image_as_ome_zarr),
        cmocka_unit_test(private_image_refused),
        cmocka_unit_test(dataset_listing),
        cmocka_unit_test(plate_integers_range_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
