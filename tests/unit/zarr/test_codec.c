/* Unit tests of codec: frames produced by the real compressors decode exactly; frames that lie
 * about their sizes, are truncated or corrupt give clear errors. */
#include "testutil.h"

#include "zarr/codec.h"
#include "base/crc32c.h"

#include <blosc.h>
#include <bzlib.h>
#include <lzma.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#define N 4000
static uint8_t plain[N];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++)
        plain[i] = (uint8_t)((i * 7) ^ (i >> 3));
    return 0;
}

static size_t make_blosc(uint8_t *out, size_t cap, const char *cname, int shuffle)
{
    int n = blosc_compress_ctx(5, shuffle, 2, N, plain, out, cap, cname, 0, 1);
    assert_true(n > 0);
    return (size_t)n;
}

static size_t make_deflate(uint8_t *out, size_t cap, int window_bits)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = plain;
    zs.avail_in = N;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

static size_t make_lz4(uint8_t *out, size_t cap)
{
    out[0] = N & 0xFF;
    out[1] = (N >> 8) & 0xFF;
    out[2] = out[3] = 0;
    int n = LZ4_compress_default((const char *)plain, (char *)out + 4, N, (int)cap - 4);
    assert_true(n > 0);
    return (size_t)n + 4;
}

static void decode_ok(ome_codec_kind kind, const uint8_t *in, size_t n, size_t expected)
{
    ome_codec c = {.kind = kind};
    ome_buf out = {0};
    ome_err err = {0};
    if (ome_codec_decode(&c, in, n, expected, &out, &err))
        fail_msg("%s: %s", ome_codec_name(kind), err.msg);
    assert_int_equal(out.len, N);
    assert_memory_equal(out.data, plain, N);
    ome_buf_free(&out);
}

static int decode_err(ome_codec_kind kind, const uint8_t *in, size_t n, size_t expected,
                      const char *needle)
{
    ome_codec c = {.kind = kind};
    ome_buf out = {0};
    ome_err err = {0};
    int rc = ome_codec_decode(&c, in, n, expected, &out, &err);
    assert_true(rc < 0);
    tu_assert_contains(err.msg, needle);
    ome_buf_free(&out);
    return rc;
}

static void blosc_all_compressors_and_shuffles(void **state)
{
    (void)state;
    uint8_t buf[N + 64];
    const char *cnames[] = {"lz4", "lz4hc", "blosclz", "zstd", "zlib"};
    for (int i = 0; i < 5; i++)
        for (int sh = 0; sh <= 2; sh++) {
            size_t n = make_blosc(buf, sizeof buf, cnames[i], sh);
            decode_ok(OME_CODEC_BLOSC, buf, n, N);
            decode_ok(OME_CODEC_BLOSC, buf, n, 0);
        }
}

static void blosc_lying_sizes(void **state)
{
    (void)state;
    uint8_t buf[N + 64];
    size_t n = make_blosc(buf, sizeof buf, "lz4", 1);
    decode_err(OME_CODEC_BLOSC, buf, n, N * 2, "expected 8000");
    decode_err(OME_CODEC_BLOSC, buf, n - 5, N, "frame says");
    decode_err(OME_CODEC_BLOSC, buf, 10, N, "shorter than its header");
    /* header claims 2 GiB + */
    uint8_t lie[N + 64];
    memcpy(lie, buf, n);
    lie[4] = 0xFF, lie[5] = 0xFF, lie[6] = 0xFF, lie[7] = 0x7F;
    decode_err(OME_CODEC_BLOSC, lie, n, N, "blosc");
    /* corrupt payload */
    memcpy(lie, buf, n);
    for (size_t i = 32; i < n; i++)
        lie[i] ^= 0x5A;
    ome_codec c = {.kind = OME_CODEC_BLOSC};
    ome_buf out = {0};
    ome_err err = {0};
    int rc = ome_codec_decode(&c, lie, n, N, &out, &err);
    /* either detected, or decoded to different bytes — never out of bounds */
    assert_true(rc < 0 || memcmp(out.data, plain, N) != 0);
    ome_buf_free(&out);
}

static void zlib_and_gzip(void **state)
{
    (void)state;
    uint8_t buf[N * 2];
    size_t n = make_deflate(buf, sizeof buf, 15);
    decode_ok(OME_CODEC_ZLIB, buf, n, N);
    decode_ok(OME_CODEC_ZLIB, buf, n, 0);
    decode_err(OME_CODEC_ZLIB, buf, n / 2, N, "truncated");
    decode_err(OME_CODEC_ZLIB, buf, n, N - 1, "expected 3999");
    decode_err(OME_CODEC_ZLIB, buf, n, N + 1, "expected");
    n = make_deflate(buf, sizeof buf, 31);
    decode_ok(OME_CODEC_GZIP, buf, n, N);
    decode_err(OME_CODEC_ZLIB, buf, n, N, "corrupt");
    buf[n - 2] ^= 1; /* gzip trailer holds the length and CRC */
    decode_err(OME_CODEC_GZIP, buf, n, N, "gzip");
}

static void zstd_frames(void **state)
{
    (void)state;
    uint8_t buf[N * 2];
    size_t n = ZSTD_compress(buf, sizeof buf, plain, N, 3);
    assert_false(ZSTD_isError(n));
    decode_ok(OME_CODEC_ZSTD, buf, n, N);
    decode_ok(OME_CODEC_ZSTD, buf, n, 0);
    decode_err(OME_CODEC_ZSTD, buf, n, N + 10, "expected");
    decode_err(OME_CODEC_ZSTD, buf, n / 2, N, "zstd");
    decode_err(OME_CODEC_ZSTD, plain, 100, N, "zstd");
}

static void lz4_numcodecs_framing(void **state)
{
    (void)state;
    uint8_t buf[N * 2];
    size_t n = make_lz4(buf, sizeof buf);
    decode_ok(OME_CODEC_LZ4, buf, n, N);
    decode_err(OME_CODEC_LZ4, buf, n, N + 1, "expected");
    decode_err(OME_CODEC_LZ4, buf, n - 10, N, "corrupt or truncated");
    decode_err(OME_CODEC_LZ4, buf, 3, N, "no size header");
    buf[3] = 0x90; /* claims > 2 GiB */
    decode_err(OME_CODEC_LZ4, buf, n, 0, "claims");
}

/* Bit-by-bit CRC-32C, the definition, to check the fast implementation against. */
static uint32_t crc32c_reference(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Found by fuzzing: with no size known (an inner step of a chain) a 24-byte frame claiming
 * about 1 GiB made omefs allocate 2 GiB. Now the claim is checked against a bound first. */
static void unknown_size_is_bounded(void **state)
{
    (void)state;
    const uint8_t lz4_frame[] = {0x24, 0x4e, 0x8d, 0x45, 0xca, 0x34, 0x7e, 0x0a};
    ome_codec c = {.kind = OME_CODEC_LZ4};
    ome_buf out = {0};
    ome_err err;
    assert_int_equal(ome_codec_decode_at_most(&c, lz4_frame, sizeof lz4_frame, 1 << 20, &out,
                                              &err),
                     OME_ERANGE);
    tu_assert_contains(err.msg, "claims");
    assert_true(out.cap <= (1 << 20));
    /* a real frame inside the bound still decodes */
    uint8_t buf[N + 64];
    int n = LZ4_compress_default((const char *)plain, (char *)buf + 4, N, (int)sizeof buf - 4);
    buf[0] = (uint8_t)N, buf[1] = (uint8_t)(N >> 8), buf[2] = (uint8_t)(N >> 16), buf[3] = 0;
    assert_int_equal(ome_codec_decode_at_most(&c, buf, (size_t)n + 4, 1 << 20, &out, &err), 0);
    assert_int_equal(out.len, N);
    assert_memory_equal(out.data, plain, N);
    ome_buf_free(&out);
}

static void crc32c_known_vector_and_check(void **state)
{
    (void)state;
    assert_int_equal(ome_crc32c((const uint8_t *)"123456789", 9), 0xE3069283u);
    /* every length and alignment against the definition; chained updates equal one pass */
    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; len < 100; len++) {
            assert_int_equal(ome_crc32c(plain + off, len), crc32c_reference(plain + off, len));
            uint32_t c = ome_crc32c_update(ome_crc32c(plain + off, len / 3), plain + off + len / 3,
                                           len - len / 3);
            assert_int_equal(c, crc32c_reference(plain + off, len));
        }
    }
    uint8_t buf[N + 4];
    memcpy(buf, plain, N);
    uint32_t crc = ome_crc32c(plain, N);
    for (int i = 0; i < 4; i++)
        buf[N + i] = (uint8_t)(crc >> (8 * i));
    decode_ok(OME_CODEC_CRC32C, buf, N + 4, 0);
    buf[7] ^= 1;
    decode_err(OME_CODEC_CRC32C, buf, N + 4, 0, "checksum mismatch");
}

static void unknown_codec_named(void **state)
{
    (void)state;
    json_t *j = json_pack("{s:s}", "id", "jpeg2k");
    ome_codec c;
    ome_err err = {0};
    assert_int_equal(ome_codec_from_v2(j, &c, "http://x/a/.zarray", &err), OME_EUNSUPPORTED);
    tu_assert_contains(err.msg, "\"jpeg2k\"");
    tu_assert_contains(err.msg, "http://x/a/.zarray");
    json_decref(j);
    j = json_pack("{s:i}", "level", 1);
    assert_int_equal(ome_codec_from_v2(j, &c, "w", &err), OME_EINVAL);
    tu_assert_contains(err.msg, "\"id\"");
    json_decref(j);
}

/* lzma and bz2 frames made by liblzma's and libbz2's own encoders: whole, cut short, and
 * claiming more than the chunk (a small stream that would expand without bound). */
static void lzma_and_bz2_streams(void **state)
{
    (void)state;
    static uint8_t enc[N * 2], big[N * 8];
    size_t n = 0;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, plain, N, enc, &n,
                                             sizeof enc), LZMA_OK);
    decode_ok(OME_CODEC_LZMA, enc, n, N);
    decode_ok(OME_CODEC_LZMA, enc, n, 0);
    decode_err(OME_CODEC_LZMA, enc, n - 9, N, "corrupt or truncated");
    decode_err(OME_CODEC_LZMA, enc, n, N / 2, "more than");
    memset(big, 7, sizeof big);
    size_t nb = 0;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, big, sizeof big, enc, &nb,
                                             sizeof enc), LZMA_OK);
    ome_codec c = {.kind = OME_CODEC_LZMA};
    ome_buf out = {0};
    ome_err err = {0};
    assert_int_equal(ome_codec_decode_at_most(&c, enc, nb, N, &out, &err), OME_ERANGE);
    assert_true(out.cap <= 2 * (N + 1)); /* grown by doubling, never far past the limit */
    ome_buf_free(&out);

    unsigned int m = sizeof enc;
    assert_int_equal(BZ2_bzBuffToBuffCompress((char *)enc, &m, (char *)plain, N, 9, 0, 0), BZ_OK);
    decode_ok(OME_CODEC_BZ2, enc, m, N);
    decode_err(OME_CODEC_BZ2, enc, m - 10, N, "corrupt or truncated");
    decode_err(OME_CODEC_BZ2, enc, m, N - 1, "more than");
    enc[20] ^= 0x55;
    decode_err(OME_CODEC_BZ2, enc, m, N, "bz2");
}

/* The delta filter: running sums in the filter's own type, wrapping for integers, in either
 * byte order; numcodecs' settings read, "astype" that differs refused. */
static void delta_filter(void **state)
{
    (void)state;
    ome_codec c;
    ome_err err = {0};
    json_t *j = json_pack("{s:s,s:s}", "id", "delta", "dtype", ">i2");
    assert_int_equal(ome_codec_from_v2(j, &c, "w", &err), OME_OK);
    json_decref(j);
    const uint8_t diffs[] = {0x7f, 0xff, 0x00, 0x01, 0xff, 0xfe}; /* 32767, +1, -2 */
    ome_buf out = {0};
    assert_int_equal(ome_codec_decode(&c, diffs, sizeof diffs, 6, &out, &err), OME_OK);
    const uint8_t want[] = {0x7f, 0xff, 0x80, 0x00, 0x7f, 0xfe}; /* 32767, -32768, 32766 */
    assert_memory_equal(out.data, want, 6);
    assert_int_equal(ome_codec_decode(&c, diffs, 5, 0, &out, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "whole");
    ome_buf_free(&out);
    j = json_pack("{s:s,s:s}", "id", "delta", "dtype", "<f4");
    assert_int_equal(ome_codec_from_v2(j, &c, "w", &err), OME_OK);
    json_decref(j);
    float f[3] = {1.5f, 2.25f, -1.0f}, g[3];
    assert_int_equal(ome_codec_decode(&c, (const uint8_t *)f, sizeof f, 0, &out, &err), OME_OK);
    memcpy(g, out.data, sizeof g);
    assert_true(g[0] == 1.5f && g[1] == 3.75f && g[2] == 2.75f);
    ome_buf_free(&out);
    j = json_pack("{s:s,s:s,s:s}", "id", "delta", "dtype", "<u2", "astype", "<i1");
    assert_int_equal(ome_codec_from_v2(j, &c, "http://x/.zarray", &err), OME_EUNSUPPORTED);
    tu_assert_contains(err.msg, "astype");
    json_decref(j);
    j = json_pack("{s:s,s:s}", "id", "delta", "dtype", "<c8");
    assert_int_equal(ome_codec_from_v2(j, &c, "w", &err), OME_EINVAL);
    json_decref(j);
    j = json_pack("{s:s,s:i}", "id", "lzma", "format", 3);
    assert_int_equal(ome_codec_from_v2(j, &c, "w", &err), OME_EUNSUPPORTED);
    tu_assert_contains(err.msg, "raw");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blosc_all_compressors_and_shuffles),
        cmocka_unit_test(blosc_lying_sizes),
        cmocka_unit_test(zlib_and_gzip),
        cmocka_unit_test(zstd_frames),
        cmocka_unit_test(lz4_numcodecs_framing),
        cmocka_unit_test(crc32c_known_vector_and_check),
        cmocka_unit_test(unknown_size_is_bounded),
        cmocka_unit_test(unknown_codec_named),
        cmocka_unit_test(lzma_and_bz2_streams),
        cmocka_unit_test(delta_filter),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
