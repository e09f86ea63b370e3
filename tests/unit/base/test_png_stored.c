/* test_png_stored: the PNG of stored blocks — its size from width and height alone, every chunk's
 * CRC, a zlib stream zlib itself inflates back to the rows (filter byte 0 each), across the
 * 65535-byte block limit. */
#include "testutil.h"
#include "base/png_stored.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes a w × h picture and checks it chunk by chunk, inflating IDAT with zlib. */
static void round_trip(uint32_t w, uint32_t h)
{
    size_t n = (size_t)w * h * 3;
    uint8_t *rgb = malloc(n);
    for (size_t i = 0; i < n; i++)
        rgb[i] = (uint8_t)(i * 7 + i / 3);
    uint64_t size = ome_png_stored_size(w, h);
    uint8_t *png = malloc((size_t)size + 16);
    memset(png, 0xAB, (size_t)size + 16);
    ome_png_stored_write(rgb, w, h, png);
    assert_int_equal(png[size], 0xAB); /* nothing written past the size */
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    uint64_t pos = 8;
    const uint8_t *idat = NULL;
    uint32_t idat_len = 0;
    int chunks = 0;
    while (pos < size) {
        uint32_t len = be32(png + pos);
        uLong crc = crc32(0L, png + pos + 4, len + 4);
        assert_int_equal(be32(png + pos + 8 + len), (uint32_t)crc);
        if (memcmp(png + pos + 4, "IHDR", 4) == 0) {
            assert_int_equal(be32(png + pos + 8), w);
            assert_int_equal(be32(png + pos + 12), h);
            assert_int_equal(png[pos + 16], 8);
            assert_int_equal(png[pos + 17], 2);
        } else if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
            idat = png + pos + 8;
            idat_len = len;
        }
        pos += 12 + (uint64_t)len;
        chunks++;
    }
    assert_int_equal(pos, size);
    assert_int_equal(chunks, 3);
    assert_memory_equal(png + size - 8, "IEND", 4);
    uLongf raw_len = (uLongf)h * (1 + 3 * (uLongf)w);
    uint8_t *raw = malloc(raw_len + 1);
    uLongf got = raw_len + 1;
    assert_int_equal(uncompress(raw, &got, idat, idat_len), Z_OK); /* checks the Adler-32 */
    assert_int_equal(got, raw_len);
    for (uint32_t y = 0; y < h; y++) {
        assert_int_equal(raw[(size_t)y * (1 + 3 * w)], 0);
        assert_memory_equal(raw + (size_t)y * (1 + 3 * w) + 1, rgb + (size_t)y * 3 * w, 3 * w);
    }
    free(raw);
    free(png);
    free(rgb);
}

static void sizes_follow_from_width_and_height(void **state)
{
    (void)state;
    /* 1 × 1: 4 raw bytes in one block: 8 + 25 + 12 + (2 + 5 + 4 + 4) + 12 */
    assert_int_equal(ome_png_stored_size(1, 1), 72);
    /* a second block (5 more bytes) begins past 65535 raw bytes */
    uint64_t one = ome_png_stored_size(1, 16383); /* 65532 raw bytes */
    uint64_t two = ome_png_stored_size(1, 16384); /* 65536 raw bytes */
    assert_int_equal(two - one, 4 + 5);
}

static void pictures_round_trip(void **state)
{
    (void)state;
    round_trip(1, 1);
    round_trip(7, 3);
    round_trip(1024, 100); /* 307300 raw bytes: five blocks */
    round_trip(21845, 1);  /* one row of exactly 65536 raw bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_follow_from_width_and_height),
        cmocka_unit_test(pictures_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
