/* Unit tests of image: every fixture written by zarr-python, every level, read through the
 * gather primitive from the file store and the HTTP store, compared byte for byte with what
 * zarr-python reads. Also the TCZYX description (axes, scales, channels). */
#include "testutil.h"
#include "tree/source.h"

#include "counting_store.h"

#include "zarr/chunk_cache.h"
#include "image/image.h"

static const char *axes_roles = "tczyx";

/* Index into the raw expected array (array axis order) of pixel (t,c,z,y,x). */
static size_t raw_offset(json_t *shape, const char *axes, const uint64_t *coord)
{
    size_t off = 0;
    for (size_t d = 0; d < strlen(axes); d++) {
        int role = (int)(strchr(axes_roles, axes[d]) - axes_roles);
        off = off * (size_t)json_integer_value(json_array_get(shape, d)) + coord[role];
    }
    return off;
}

/* Compares one region read by omefs with the expected bytes. */
static void check_region(const ome_image *img, int level, json_t *lv, const char *axes,
                         const uint8_t *raw, uint64_t t, uint64_t c, uint64_t z, uint64_t y0,
                         uint64_t x0, uint64_t h, uint64_t w)
{
    size_t es = ome_image_pixel_size(img);
    uint8_t *buf = malloc(h * w * es + 1);
    ome_err err = {0};
    int rc = ome_image_read_region(img, level, t, c, z, y0, x0, h, w, buf, &err);
    if (rc)
        fail_msg("%s L%d: read_region failed: %s", img->name, level, err.msg);
    json_t *shape = json_object_get(lv, "shape");
    for (uint64_t y = 0; y < h; y++) {
        uint64_t coord[5] = {t, c, z, y0 + y, x0};
        size_t off = raw_offset(shape, axes, coord);
        if (memcmp(buf + y * w * es, raw + off * es, w * es) != 0)
            fail_msg("%s L%d t%llu c%llu z%llu: row %llu differs", img->name, level,
                     (unsigned long long)t, (unsigned long long)c, (unsigned long long)z,
                     (unsigned long long)(y0 + y));
    }
    free(buf);
}

static void check_fixture(json_t *fx, const char *source_root, bool with_cache)
{
    const char *name = json_string_value(json_object_get(fx, "name"));
    const char *path = json_string_value(json_object_get(fx, "path"));
    const char *axes = json_string_value(json_object_get(fx, "axes"));
    char source[4096];
    snprintf(source, sizeof source, "%s/%s", source_root, path);
    ome_store *store = NULL;
    ome_err err = {0};
    if (ome_source_open_address(source, NULL, &store, &err))
        fail_msg("%s: %s", source, err.msg);
    ome_image *img = NULL;
    if (ome_image_open(store, "", name, &img, &err))
        fail_msg("%s: %s", source, err.msg);
    ome_chunk_cache *cache = with_cache ? ome_cache_new(1 << 20, NULL) : NULL;
    img->cache = cache;
    json_t *levels = json_object_get(fx, "levels");
    assert_int_equal(img->nlevels, json_array_size(levels));
    size_t i;
    json_t *lv;
    json_array_foreach(levels, i, lv) {
        const ome_level *L = &img->levels[i];
        json_t *shape = json_object_get(lv, "shape");
        for (size_t d = 0; d < strlen(axes); d++) {
            int role = (int)(strchr(axes_roles, axes[d]) - axes_roles);
            assert_int_equal(L->shape[role], json_integer_value(json_array_get(shape, d)));
        }
        char rawpath[4096];
        snprintf(rawpath, sizeof rawpath, "%s/%s", tu_fixtures(),
                 json_string_value(json_object_get(lv, "raw")));
        size_t rawlen;
        uint8_t *raw = tu_read_file(rawpath, &rawlen);
        assert_non_null(raw);
        uint64_t H = L->shape[OME_Y], W = L->shape[OME_X];
        for (uint64_t t = 0; t < L->shape[OME_T]; t++)
            for (uint64_t c = 0; c < L->shape[OME_C]; c++)
                for (uint64_t z = 0; z < L->shape[OME_Z]; z++) {
                    check_region(img, (int)i, lv, axes, raw, t, c, z, 0, 0, H, W);
                    /* off-grid windows: single pixel, one row, an interior block */
                    check_region(img, (int)i, lv, axes, raw, t, c, z, H - 1, W - 1, 1, 1);
                    check_region(img, (int)i, lv, axes, raw, t, c, z, H / 3, 0, 1, W);
                    check_region(img, (int)i, lv, axes, raw, t, c, z, H / 5, W / 7,
                                 H - H / 5 - H / 9, W - W / 7 - W / 11);
                }
        free(raw);
    }
    ome_image_free(img);
    ome_cache_free(cache);
    ome_store_close(store);
}

static void all_fixtures(const char *root, bool with_cache)
{
    json_t *m = tu_manifest();
    size_t i;
    json_t *fx;
    json_array_foreach(m, i, fx) check_fixture(fx, root, with_cache);
    json_decref(m);
}

static void fixtures_from_file_store(void **state)
{
    (void)state;
    all_fixtures(tu_fixtures(), false);
}

static void fixtures_from_file_url_with_cache(void **state)
{
    (void)state;
    char root[4096], cwd[2048];
    assert_non_null(getcwd(cwd, sizeof cwd));
    if (tu_fixtures()[0] == '/')
        snprintf(root, sizeof root, "file://%s", tu_fixtures());
    else
        snprintf(root, sizeof root, "file://%s/%s", cwd, tu_fixtures());
    all_fixtures(root, true);
}

static void fixtures_from_http_store(void **state)
{
    (void)state;
    const char *url = tu_server("OMEFS_TEST_HTTP");
    if (!url)
        skip();
    all_fixtures(url, true);
}

static void describes_axes_scales_channels(void **state)
{
    (void)state;
    char source[4096];
    snprintf(source, sizeof source, "%s/axes_tczyx.zarr", tu_fixtures());
    ome_store *store;
    ome_image *img;
    ome_err err;
    assert_int_equal(ome_source_open_address(source, NULL, &store, &err), OME_OK);
    if (ome_image_open(store, "", "axes_tczyx", &img, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(img->dtype, OME_DT_I16);
    assert_int_equal(img->nlevels, 3);
    assert_int_equal(img->nchannels, 3);
    assert_string_equal(img->channels[0].name, "DAPI");
    assert_int_equal(img->channels[1].rgb, 0x00FF00);
    assert_true(img->channels[2].has_window);
    assert_true(img->channels[0].start == 100 && img->channels[0].end == 4000);
    assert_true(img->levels[0].scale[OME_X] == 0.2);
    assert_true(img->levels[1].scale[OME_X] == 0.4);
    assert_true(img->levels[2].scale[OME_Y] == 0.8);
    assert_true(img->levels[0].scale[OME_Z] == 1.5);
    assert_true(img->levels[0].scale[OME_T] == 10.0);
    assert_string_equal(img->unit[OME_X], "micrometer");
    assert_string_equal(img->unit[OME_T], "second");
    for (int r = 0; r < OME_NROLES; r++)
        assert_true(img->has_axis[r]);
    ome_image_free(img);
    ome_store_close(store);

    snprintf(source, sizeof source, "%s/axes_2d.zarr", tu_fixtures());
    assert_int_equal(ome_source_open_address(source, NULL, &store, &err), OME_OK);
    assert_int_equal(ome_image_open(store, "", "axes_2d", &img, &err), OME_OK);
    assert_false(img->has_axis[OME_C]);
    assert_int_equal(img->levels[0].shape[OME_C], 1);
    assert_int_equal(img->nchannels, 1);
    assert_string_equal(img->channels[0].name, "Channel 0");
    assert_int_equal(img->levels[1].shape[OME_Y], 150);
    ome_image_free(img);
    ome_store_close(store);
}

static void rejects_regions_outside(void **state)
{
    (void)state;
    char source[4096];
    snprintf(source, sizeof source, "%s/axes_2d.zarr", tu_fixtures());
    ome_store *store;
    ome_image *img;
    ome_err err;
    assert_int_equal(ome_source_open_address(source, NULL, &store, &err), OME_OK);
    assert_int_equal(ome_image_open(store, "", "axes_2d", &img, &err), OME_OK);
    uint16_t px[4];
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 299, 0, 2, 1, px, &err), OME_ERANGE);
    assert_int_equal(ome_image_read_region(img, 0, 0, 1, 0, 0, 0, 1, 1, px, &err), OME_ERANGE);
    assert_int_equal(ome_image_read_region(img, 3, 0, 0, 0, 0, 0, 1, 1, px, &err), OME_ERANGE);
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, UINT64_MAX, 0, 2, 1, px, &err),
                     OME_ERANGE);
    ome_image_free(img);
    ome_store_close(store);
}

/* A Zarr v3 store in the pre-1.0 draft layout, as GDAL 3.6 writes it: a message saying so. */
static void draft_v3_layout_is_named(void **state)
{
    (void)state;
    char source[4096];
    snprintf(source, sizeof source, "%s/gdal_v3_draft.zarr", tu_fixtures());
    if (access(source, F_OK) != 0)
        skip(); /* GDAL absent where the fixtures were made */
    ome_store *store;
    ome_image *img = NULL;
    ome_err err;
    assert_int_equal(ome_source_open_address(source, NULL, &store, &err), OME_OK);
    assert_int_equal(ome_image_open(store, "", "gdal_v3_draft", &img, &err), OME_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "pre-1.0 draft layout"));
    assert_non_null(strstr(err.msg, "gdal_v3_draft.zarr/zarr.json"));
    ome_store_close(store);
}

/* Opening an image costs two round trips, however many levels it has: the group's attributes
 * (.zattrs and zarr.json asked at once), then every level's array metadata in one batch. */
static void levels_open_in_one_batch(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int batches, levels;
    } cases[] = {{"zpyramid", 2, 3}, {"v05_czyx_blosc", 2, 2}, {"odd_700x900", 2, 2}};
    for (int i = 0; i < 3; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s.zarr", tu_fixtures(), cases[i].name);
        tu_counting_store c;
        ome_err err = {0};
        assert_int_equal(tu_counting_open(&c, dir, &err), OME_OK);
        ome_image *img;
        if (ome_image_open(&c.base, "", cases[i].name, &img, &err) != OME_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(img->nlevels, cases[i].levels);
        assert_int_equal(c.batches, cases[i].batches);
        assert_int_equal(c.largest, (size_t)(cases[i].levels > 2 ? cases[i].levels : 2));
        ome_image_free(img);
        ome_store_close(c.inner);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_from_file_store),
        cmocka_unit_test(fixtures_from_file_url_with_cache),
        cmocka_unit_test(fixtures_from_http_store),
        cmocka_unit_test(describes_axes_scales_channels),
        cmocka_unit_test(rejects_regions_outside),
        cmocka_unit_test(levels_open_in_one_batch),
        cmocka_unit_test(draft_v3_layout_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
