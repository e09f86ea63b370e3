/* Unit tests of zarr: .zarray parsing (and one test per kind of bad metadata), fill values,
 * chunk keys, and bad chunks met while reading an image (wrong size, truncated, corrupt). */
#include "testutil.h"
#include "zarr/zarr_v2.h"
#include "tree/source.h"

#include "image/image.h"
#include "zarr/zarr.h"

#define GOOD_ZARRAY                                                                           \
    "{\"zarr_format\":2,\"shape\":[10,20],\"chunks\":[4,8],\"dtype\":\"<u2\","              \
    "\"compressor\":null,\"fill_value\":3,\"order\":\"C\",\"filters\":null}"

static int parse(const char *text, ome_zarr_array **out, ome_err *err)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    if (!doc)
        return ome_err_set(err, OME_EINVAL, "malformed JSON");
    int rc = ome_zarr_array_parse_v2(doc, "0", "http://h/img.zarr/0/.zarray", out, err);
    json_decref(doc);
    return rc;
}

/* Parses a document that must be rejected with `code` and a message containing `needle`. */
static void expect_bad(const char *text, int code, const char *needle)
{
    ome_zarr_array *a = NULL;
    ome_err err = {0};
    int rc = parse(text, &a, &err);
    if (rc != code)
        fail_msg("expected %s, got %s (%s) for %s", ome_err_name(code), ome_err_name(rc), err.msg,
                 text);
    tu_assert_contains(err.msg, needle);
    tu_assert_contains(err.msg, "http://h/img.zarr/0/.zarray");
    assert_null(a);
}

static void parses_good_array(void **state)
{
    (void)state;
    ome_zarr_array *a;
    ome_err err;
    assert_int_equal(parse(GOOD_ZARRAY, &a, &err), OME_OK);
    assert_int_equal(a->ndim, 2);
    assert_int_equal(a->dtype, OME_DT_U16);
    assert_int_equal(a->chunk_nbytes, 4 * 8 * 2);
    assert_int_equal(ome_zarr_grid(a, 0), 3);
    assert_int_equal(ome_zarr_grid(a, 1), 3);
    uint16_t fill;
    memcpy(&fill, a->fill, 2);
    assert_int_equal(fill, 3);
    char key[64];
    uint64_t idx[2] = {2, 1};
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, sizeof key), OME_OK);
    assert_string_equal(key, "0/2.1");
    a->separator = '/';
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, sizeof key), OME_OK);
    assert_string_equal(key, "0/2/1");
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, 4), OME_ERANGE);
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, 5), OME_ERANGE); /* no room for the NUL */
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, 6), OME_OK);
    assert_string_equal(key, "0/2/1");
    uint64_t far[2] = {UINT64_MAX, 0};
    assert_int_equal(ome_zarr_chunk_key(a, far, key, sizeof key), OME_OK);
    assert_string_equal(key, "0/18446744073709551615/0");
    ome_zarr_array_free(a);
}

static void bad_not_an_object(void **s) { (void)s; expect_bad("[1,2]", OME_EINVAL, "not a JSON object"); }
static void bad_missing_shape(void **s)
{
    (void)s;
    expect_bad("{\"chunks\":[4],\"dtype\":\"<u2\"}", OME_EINVAL, "\"shape\" is missing");
}
static void bad_shape_type(void **s)
{
    (void)s;
    expect_bad("{\"shape\":\"10\",\"chunks\":[4],\"dtype\":\"<u2\"}", OME_EINVAL,
               "\"shape\" is missing or not a list");
}
static void bad_negative_shape(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[-1],\"chunks\":[4],\"dtype\":\"<u2\"}", OME_EINVAL, "\"shape\"[0]");
}
static void bad_zero_chunk(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[0],\"dtype\":\"<u2\"}", OME_EINVAL, "\"chunks\"[0]");
}
static void bad_chunk_rank(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10,10],\"chunks\":[4],\"dtype\":\"<u2\"}", OME_EINVAL,
               "\"chunks\" has 1 dimensions but \"shape\" has 2");
}
static void bad_dtype(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<c8\"}", OME_EUNSUPPORTED,
               "unsupported dtype \"<c8\"");
}
static void bad_dtype_type(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":7}", OME_EINVAL, "\"dtype\"");
}
static void bad_order(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"order\":\"K\"}", OME_EINVAL,
               "\"order\"");
}
static void bad_separator(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"dimension_separator\":\"-\"}",
               OME_EINVAL, "dimension_separator");
}
static void bad_chunk_overflow(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10,10],\"chunks\":[4000000000,4000000000],\"dtype\":\"<u2\"}",
               OME_ERANGE, "a chunk would exceed");
}
static void bad_shape_overflow(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[9000000000000000000,9000000000000000000],\"chunks\":[4,4],"
               "\"dtype\":\"<u8\"}",
               OME_ERANGE, "overflows");
}
static void bad_fill_value(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"fill_value\":\"NaN\"}",
               OME_EINVAL, "fill_value \"NaN\" is not valid for uint16");
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<i2\",\"fill_value\":1.5}", OME_EINVAL,
               "fill_value 1.5");
}
static void bad_unknown_compressor(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"compressor\":{\"id\":\"jpeg2k\"}}",
               OME_EUNSUPPORTED, "unsupported codec \"jpeg2k\"");
}
static void bad_filter(void **s)
{
    (void)s;
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"filters\":[{\"id\":\"quantize\"}]}",
               OME_EUNSUPPORTED, "unsupported filter \"quantize\"");
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"filters\":[{\"id\":\"delta\"}]}",
               OME_EINVAL, "delta filter has no valid \"dtype\"");
    expect_bad("{\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\",\"compressor\":{\"id\":\"delta\","
               "\"dtype\":\"<u2\"}}",
               OME_EINVAL, "a filter, not a compressor");
}
static void bad_zarr_format(void **s)
{
    (void)s;
    expect_bad("{\"zarr_format\":3,\"shape\":[10],\"chunks\":[4],\"dtype\":\"<u2\"}", OME_EINVAL,
               "zarr_format");
}

static void fill_values(void **state)
{
    (void)state;
    uint8_t f[8];
    ome_err err;
    json_t *v = json_string("NaN");
    assert_int_equal(ome_zarr_parse_fill(v, OME_DT_F32, f, "w", &err), OME_OK);
    float x;
    memcpy(&x, f, 4);
    assert_true(x != x);
    json_decref(v);
    v = json_string("-Infinity");
    assert_int_equal(ome_zarr_parse_fill(v, OME_DT_F64, f, "w", &err), OME_OK);
    double d;
    memcpy(&d, f, 8);
    assert_true(d < -1e308);
    json_decref(v);
    v = json_string("0x3f800000");
    assert_int_equal(ome_zarr_parse_fill(v, OME_DT_F32, f, "w", &err), OME_OK);
    memcpy(&x, f, 4);
    assert_true(x == 1.0f);
    json_decref(v);
    v = json_integer(-2);
    assert_int_equal(ome_zarr_parse_fill(v, OME_DT_I16, f, "w", &err), OME_OK);
    int16_t i16;
    memcpy(&i16, f, 2);
    assert_int_equal(i16, -2);
    json_decref(v);
    assert_int_equal(ome_zarr_parse_fill(json_null(), OME_DT_U8, f, "w", &err), OME_OK);
    assert_int_equal(f[0], 0);
}

/* A small image on disk whose chunk 0/0.0 is replaced by `chunk` bytes. */
static int read_with_chunk(const char *compressor, const void *chunk, size_t len, ome_err *err)
{
    char *dir = tu_mkdtemp();
    tu_write_text(dir, ".zgroup", "{\"zarr_format\":2}");
    tu_write_text(dir, ".zattrs",
                  "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"y\",\"type\":"
                  "\"space\"},{\"name\":\"x\",\"type\":\"space\"}],\"datasets\":[{\"path\":\"0\","
                  "\"coordinateTransformations\":[{\"type\":\"scale\",\"scale\":[1,1]}]}]}]}");
    char zarray[512];
    snprintf(zarray, sizeof zarray,
             "{\"zarr_format\":2,\"shape\":[8,8],\"chunks\":[4,4],\"dtype\":\"<u2\","
             "\"compressor\":%s,\"fill_value\":0,\"order\":\"C\",\"filters\":null}",
             compressor);
    tu_write_text(dir, "0/.zarray", zarray);
    tu_write_file(dir, "0/0.0", chunk, len);
    ome_store *s;
    ome_image *img;
    assert_int_equal(ome_source_open_address(dir, NULL, &s, err), OME_OK);
    int rc = ome_image_open(s, "", "bad", &img, err);
    if (rc == OME_OK) {
        uint16_t px[64];
        rc = ome_image_read_region(img, 0, 0, 0, 0, 0, 0, 8, 8, px, err);
        ome_image_free(img);
    }
    ome_store_close(s);
    tu_rmtree(dir);
    return rc;
}

static void chunk_of_wrong_size(void **state)
{
    (void)state;
    uint8_t raw[30] = {0};
    ome_err err = {0};
    assert_int_equal(read_with_chunk("null", raw, sizeof raw, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "/0/0.0");
    tu_assert_contains(err.msg, "chunk holds 30 bytes, expected 32");
}

static void truncated_chunk(void **state)
{
    (void)state;
    /* a zlib stream of 32 zero bytes, cut short */
    static const uint8_t z[] = {0x78, 0x9c, 0x63, 0x60, 0x40, 0x05};
    ome_err err = {0};
    assert_int_equal(read_with_chunk("{\"id\":\"zlib\",\"level\":1}", z, sizeof z, &err),
                     OME_EINVAL);
    tu_assert_contains(err.msg, "/0/0.0");
    tu_assert_contains(err.msg, "zlib");
}

static void corrupt_chunk(void **state)
{
    (void)state;
    uint8_t junk[64];
    for (int i = 0; i < 64; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    ome_err err = {0};
    assert_int_equal(read_with_chunk("{\"id\":\"blosc\",\"cname\":\"lz4\",\"clevel\":5,\"shuffle\":1}",
                                     junk, sizeof junk, &err),
                     OME_EINVAL);
    tu_assert_contains(err.msg, "/0/0.0");
    tu_assert_contains(err.msg, "blosc");
}

static void malformed_json_named(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write_text(dir, ".zattrs", "{\"multiscales\": [ {\"version\": \"0.4\", ");
    ome_store *s;
    ome_image *img;
    ome_err err = {0};
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    assert_int_equal(ome_image_open(s, "", "x", &img, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "/.zattrs: malformed JSON");
    ome_store_close(s);
    tu_rmtree(dir);
}

static void missing_array_named(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write_text(dir, ".zattrs",
                  "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"y\",\"type\":"
                  "\"space\"},{\"name\":\"x\",\"type\":\"space\"}],\"datasets\":[{\"path\":\"s0\","
                  "\"coordinateTransformations\":[{\"type\":\"scale\",\"scale\":[1,1]}]}]}]}");
    ome_store *s;
    ome_image *img;
    ome_err err = {0};
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    assert_int_equal(ome_image_open(s, "", "x", &img, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "/s0: array metadata not found (no .zarray or zarr.json)");
    ome_store_close(s);
    tu_rmtree(dir);
}

static void axes_array_mismatch(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write_text(dir, ".zattrs",
                  "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"y\",\"type\":"
                  "\"space\"},{\"name\":\"x\",\"type\":\"space\"}],\"datasets\":[{\"path\":\"0\","
                  "\"coordinateTransformations\":[{\"type\":\"scale\",\"scale\":[1,1]}]}]}]}");
    tu_write_text(dir, "0/.zarray",
                  "{\"zarr_format\":2,\"shape\":[2,8,8],\"chunks\":[1,4,4],\"dtype\":\"<u2\","
                  "\"compressor\":null,\"fill_value\":0}");
    ome_store *s;
    ome_image *img;
    ome_err err = {0};
    assert_int_equal(ome_source_open_address(dir, NULL, &s, &err), OME_OK);
    assert_int_equal(ome_image_open(s, "", "x", &img, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "/0/.zarray: array has 3 dimensions but the image has 2 axes");
    ome_store_close(s);
    tu_rmtree(dir);
}

/* An array nested more than 1 KB deep (a folder of images with long names): its chunk is read,
 * not taken for absent and shown as fill. */
static void chunk_of_a_deeply_nested_array(void **state)
{
    (void)state;
    char *top = tu_mkdtemp(), path[2048] = "", name[4096];
    for (int level = 0; level < 5; level++) {
        char part[251];
        memset(part, 'a' + level, 250);
        part[250] = '\0';
        size_t n = strlen(path);
        snprintf(path + n, sizeof path - n, "%s%s", n ? "/" : "", part);
    }
    assert_true(strlen(path) > 1024);
    snprintf(name, sizeof name, "%s/.zarray", path);
    tu_write_text(top, name,
                  "{\"zarr_format\": 2, \"shape\": [4], \"chunks\": [4], \"dtype\": \"|u1\", "
                  "\"compressor\": null, \"filters\": null, \"fill_value\": 0, \"order\": \"C\"}");
    snprintf(name, sizeof name, "%s/0", path);
    tu_write_file(top, name, (const uint8_t[]){7, 1, 2, 3}, 4);
    ome_store *s;
    ome_err err = {0};
    assert_int_equal(ome_source_open_address(top, NULL, &s, &err), OME_OK);
    ome_zarr_array *a;
    if (ome_zarr_array_open(s, path, &a, &err))
        fail_msg("%s", err.msg);
    ome_zarr_chunk c = {.idx = {0}};
    ome_zarr_get_chunks(s, a, &c, 1, NULL);
    if (c.status != OME_OK)
        fail_msg("%s", c.err.msg);
    assert_memory_equal(c.data, ((const uint8_t[]){7, 1, 2, 3}), 4);
    free(c.data);
    ome_zarr_array_free(a);
    ome_store_close(s);
    tu_rmtree(top);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chunk_of_a_deeply_nested_array),
        cmocka_unit_test(parses_good_array),    cmocka_unit_test(bad_not_an_object),
        cmocka_unit_test(bad_missing_shape),    cmocka_unit_test(bad_shape_type),
        cmocka_unit_test(bad_negative_shape),   cmocka_unit_test(bad_zero_chunk),
        cmocka_unit_test(bad_chunk_rank),       cmocka_unit_test(bad_dtype),
        cmocka_unit_test(bad_dtype_type),       cmocka_unit_test(bad_order),
        cmocka_unit_test(bad_separator),        cmocka_unit_test(bad_chunk_overflow),
        cmocka_unit_test(bad_shape_overflow),   cmocka_unit_test(bad_fill_value),
        cmocka_unit_test(bad_unknown_compressor), cmocka_unit_test(bad_filter),
        cmocka_unit_test(bad_zarr_format),      cmocka_unit_test(fill_values),
        cmocka_unit_test(chunk_of_wrong_size),  cmocka_unit_test(truncated_chunk),
        cmocka_unit_test(corrupt_chunk),        cmocka_unit_test(malformed_json_named),
        cmocka_unit_test(missing_array_named),  cmocka_unit_test(axes_array_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
