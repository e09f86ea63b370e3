/* Unit tests of zarr_v3: zarr.json array metadata — a good document (keys, codecs, endianness,
 * transpose as F order, fill), one test per kind of bad document, and a chunk whose crc32c does
 * not match (a copy of a fixture with one flipped byte) read as a clear error. */
#include "testutil.h"
#include "zarr/zarr_v3.h"
#include "tree/source.h"

#include "image/image.h"
#include "zarr/zarr.h"

#define WHERE "http://h/img.zarr/0/zarr.json"

static int parse(const char *text, ome_zarr_array **out, ome_err *err)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    if (!doc)
        return ome_err_set(err, OME_EINVAL, "malformed JSON");
    int rc = ome_zarr_array_parse_v3(doc, "0", WHERE, out, err);
    json_decref(doc);
    return rc;
}

/* A document built from its parts, so each test changes one. */
static char *doc(const char *data_type, const char *codecs, const char *extra)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[10,20],\"data_type\":\"%s\","
             "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[4,8]}},"
             "\"fill_value\":5,\"codecs\":%s%s}",
             data_type, codecs, extra);
    return buf;
}

#define BYTES_LE "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}"
#define BYTES_BE "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}"

static void expect_bad(const char *text, int code, const char *needle)
{
    ome_zarr_array *a = NULL;
    ome_err err = {0};
    int rc = parse(text, &a, &err);
    if (rc != code)
        fail_msg("expected %s, got %s (%s) for %s", ome_err_name(code), ome_err_name(rc), err.msg,
                 text);
    tu_assert_contains(err.msg, needle);
    tu_assert_contains(err.msg, WHERE);
    assert_null(a);
}

static void parses_good_array(void **state)
{
    (void)state;
    ome_zarr_array *a;
    ome_err err;
    const char *codecs = "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}}," BYTES_BE
                         ",{\"name\":\"zstd\",\"configuration\":{\"level\":1}},{\"name\":\"crc32c\"}]";
    if (parse(doc("int16", codecs, ""), &a, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(a->zarr_format, 3);
    assert_int_equal(a->dtype, OME_DT_I16);
    assert_true(a->big_endian);
    assert_true(a->transposed);
    assert_int_equal(a->perm[0], 1);
    assert_int_equal(a->perm[1], 0);
    assert_int_equal(a->ncodecs, 2);
    assert_int_equal(a->codecs[0].kind, OME_CODEC_ZSTD);
    assert_int_equal(a->codecs[1].kind, OME_CODEC_CRC32C);
    int16_t fill;
    memcpy(&fill, a->fill, 2);
    assert_int_equal(fill, 5);
    char key[64];
    uint64_t idx[2] = {2, 1};
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, sizeof key), OME_OK);
    assert_string_equal(key, "0/c/2/1");
    ome_zarr_array_free(a);

    const char *v2keys = ",\"chunk_key_encoding\":{\"name\":\"v2\",\"configuration\":"
                         "{\"separator\":\".\"}}";
    assert_int_equal(parse(doc("float32", "[" BYTES_LE "]", v2keys), &a, &err), OME_OK);
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, sizeof key), OME_OK);
    assert_string_equal(key, "0/2.1");
    assert_false(a->transposed);
    ome_zarr_array_free(a);
    assert_int_equal(parse(doc("uint8", "[{\"name\":\"bytes\"}]", ""), &a, &err), OME_OK);
    ome_zarr_array_free(a);
}

static void bad_documents(void **state)
{
    (void)state;
    expect_bad("[1]", OME_EINVAL, "not a JSON object");
    expect_bad("{\"zarr_format\":2,\"node_type\":\"array\"}", OME_EINVAL, "zarr_format is not 3");
    expect_bad("{\"zarr_format\":3,\"node_type\":\"group\"}", OME_EINVAL, "node_type");
    expect_bad(doc("complex64", "[" BYTES_LE "]", ""), OME_EUNSUPPORTED, "data_type");
    expect_bad(doc("uint16", "[]", ""), OME_EINVAL, "codecs");
    expect_bad(doc("uint16", "[{\"name\":\"zstd\"}," BYTES_LE "]", ""), OME_EINVAL,
               "before the bytes codec");
    expect_bad(doc("uint16", "[{\"name\":\"bytes\"}]", ""), OME_EINVAL, "needs an endian");
    expect_bad(doc("uint16", "[" BYTES_LE ",{\"name\":\"lz4\"}]", ""), OME_EUNSUPPORTED, "lz4");
    expect_bad(doc("uint16",
                   "[{\"name\":\"transpose\",\"configuration\":{\"order\":[0,0]}}," BYTES_LE "]",
                   ""),
               OME_EINVAL, "permutation");
    expect_bad(doc("uint16", "[" BYTES_LE "]",
                   ",\"chunk_key_encoding\":{\"name\":\"weird\"}"),
               OME_EUNSUPPORTED, "chunk key encoding");
    char text[4096];
    snprintf(text, sizeof text, "%s", doc("uint16", "[" BYTES_LE "]", ""));
    char *grid = strstr(text, "\"regular\"");
    memcpy(grid, "\"rectil\" ", 9);
    expect_bad(text, OME_EUNSUPPORTED, "chunk grid");
}

/* Copies fixture NAME into a new directory as img.zarr, flips one bit of the file at `rel`
 * (at byte `at`, counted from the end when negative) and opens it as an image. */
static ome_image *open_damaged(const char *name, const char *rel, long at, uint8_t bit,
                               char **dir, ome_store **s)
{
    char cmd[8192], path[4096];
    *dir = tu_mkdtemp();
    snprintf(cmd, sizeof cmd, "cp -r %s/%s.zarr %s/img.zarr", tu_fixtures(), name, *dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/img.zarr/%s", *dir, rel);
    size_t len;
    uint8_t *bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    bytes[at < 0 ? (long)len + at : at] ^= bit;
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    free(bytes);
    snprintf(path, sizeof path, "%s/img.zarr", *dir);
    ome_err err;
    assert_int_equal(ome_source_open_address(path, NULL, s, &err), OME_OK);
    ome_image *img;
    assert_int_equal(ome_image_open(*s, "", "img", &img, &err), OME_OK);
    return img;
}

static void crc32c_mismatch_is_an_error(void **state)
{
    (void)state;
    char *dir;
    ome_store *s;
    /* a bit inside the gzip stream of chunk c.0.0 (60 bytes before its end): only the crc32c
     * can tell */
    ome_image *img = open_damaged("v05_be_gzip_crc", "0/c.0.0", -60, 0x01, &dir, &s);
    ome_err err;
    int16_t px[32 * 32];
    int rc = ome_image_read_region(img, 0, 0, 0, 0, 0, 0, 32, 32, px, &err);
    assert_true(rc < 0);
    tu_assert_contains(err.msg, "c.0.0");
    if (!strstr(err.msg, "crc32c checksum mismatch") && !strstr(err.msg, "gzip"))
        fail_msg("unexpected message: %s", err.msg);
    /* another chunk is still fine */
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 32, 32, 28, 18, px, &err), OME_OK);
    ome_image_free(img);
    ome_store_close(s);
    tu_rmtree(dir);
}

static ome_image *open_http_image(const char *name, ome_store **s)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/%s.zarr", tu_server("OMEFS_TEST_HTTP"), name);
    ome_err err;
    assert_int_equal(ome_source_open_address(src, NULL, s, &err), OME_OK);
    ome_image *img;
    if (ome_image_open(*s, "", name, &img, &err))
        fail_msg("%s", err.msg);
    return img;
}

/* One index request per shard (then cached) and one range request for adjacent inner chunks,
 * counted in nginx's log; empty inner chunks read as the fill value. */
static void sharded_requests_are_few(void **state)
{
    (void)state;
    if (!tu_server("OMEFS_TEST_HTTP") || !tu_server("OMEFS_TEST_NGINX_DIR"))
        skip();
    ome_store *s;
    ome_image *img = open_http_image("v05_sharded_end", &s);
    const char *shard = "GET /v05_sharded_end.zarr/0/c/0/0/0 ";
    size_t before = tu_count_in_log(shard);
    uint16_t px[64 * 64];
    ome_err err;
    /* the whole first shard of channel 0: 7 stored inner chunks + 1 empty one */
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 0, 0, 64, 64, px, &err), OME_OK);
    assert_int_equal(tu_count_in_log(shard) - before, 2); /* index + one coalesced range */
    assert_int_equal(px[0 * 64 + 40], 9);                 /* inner chunk (0,0,1): fill */
    /* again, another part: the index is cached, one range */
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 20, 0, 10, 10, px, &err), OME_OK);
    assert_int_equal(tu_count_in_log(shard) - before, 3);
    /* a wholly empty shard (channel 1, x 64..127, y 0..63): its index request finds nothing */
    assert_int_equal(ome_image_read_region(img, 0, 0, 1, 0, 0, 64, 64, 64, px, &err), OME_OK);
    for (int i = 0; i < 64 * 64; i++)
        assert_int_equal(px[i], 9);
    ome_image_free(img);
    ome_store_close(s);
}

static void corrupt_shard_index_is_an_error(void **state)
{
    (void)state;
    char *dir;
    ome_store *s;
    /* a bit inside the index, which ends with its crc32c */
    ome_image *img = open_damaged("v05_sharded_end", "0/c/0/0/0", -10, 0x40, &dir, &s);
    ome_err err;
    uint16_t px[16 * 16];
    assert_true(ome_image_read_region(img, 0, 0, 0, 0, 0, 0, 16, 16, px, &err) < 0);
    tu_assert_contains(err.msg, "shard index checksum mismatch");
    tu_assert_contains(err.msg, "c/0/0/0");
    ome_image_free(img);
    ome_store_close(s);
    tu_rmtree(dir);
}

static void bad_sharding(void **state)
{
    (void)state;
    char codecs[1024];
    snprintf(codecs, sizeof codecs,
             "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[3,8],"
             "\"codecs\":[" BYTES_LE "]}}]");
    expect_bad(doc("uint16", codecs, ""), OME_EINVAL, "does not divide");
    snprintf(codecs, sizeof codecs,
             "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,4],"
             "\"codecs\":[" BYTES_LE "],\"index_codecs\":[{\"name\":\"zstd\"}]}}]");
    expect_bad(doc("uint16", codecs, ""), OME_EUNSUPPORTED, "index_codecs");
    snprintf(codecs, sizeof codecs,
             "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,4],"
             "\"codecs\":[{\"name\":\"sharding_indexed\",\"configuration\":{}}]}}]");
    expect_bad(doc("uint16", codecs, ""), OME_EUNSUPPORTED, "sharding_indexed must be");
    snprintf(codecs, sizeof codecs,
             "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,4],"
             "\"codecs\":[" BYTES_LE "],\"index_location\":\"middle\"}}]");
    expect_bad(doc("uint16", codecs, ""), OME_EINVAL, "index_location");
    ome_zarr_array *a;
    ome_err err;
    snprintf(codecs, sizeof codecs,
             "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,4],"
             "\"codecs\":[" BYTES_LE "]}}]");
    assert_int_equal(parse(doc("uint16", codecs, ""), &a, &err), OME_OK);
    assert_true(a->sharded);
    assert_int_equal(a->chunks[0], 2);
    assert_int_equal(a->inner_per_shard, 4);
    char key[64];
    uint64_t idx[2] = {3, 5}; /* shard (1, 2); inside it (1, 1) → position 1 * 2 + 1 */
    assert_int_equal(ome_zarr_chunk_key(a, idx, key, sizeof key), OME_OK);
    assert_string_equal(key, "0/c/1/2#3");
    ome_zarr_array_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_good_array),
        cmocka_unit_test(bad_documents),
        cmocka_unit_test(crc32c_mismatch_is_an_error),
        cmocka_unit_test(sharded_requests_are_few),
        cmocka_unit_test(corrupt_shard_index_is_an_error),
        cmocka_unit_test(bad_sharding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
