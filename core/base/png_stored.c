/* png_stored: signature, IHDR, one IDAT of a zlib stream of stored blocks (≤ 65535 bytes each,
 * every row led by filter byte 0), IEND; CRC-32 per chunk, Adler-32 over the rows. */
#include "base/png_stored.h"

#include <string.h>
#include <zlib.h>

#define STORED_MAX 65535u

static uint64_t raw_size(uint32_t w, uint32_t h)
{
    return (uint64_t)h * (1 + 3 * (uint64_t)w);
}

/* zlib header, each block's 5-byte header and its bytes, Adler-32. */
static uint64_t zlib_size(uint64_t raw)
{
    uint64_t blocks = raw ? (raw + STORED_MAX - 1) / STORED_MAX : 1;
    return 2 + blocks * 5 + raw + 4;
}

uint64_t ome_png_stored_size(uint32_t w, uint32_t h)
{
    /* signature, IHDR (12 + 13), IDAT (12 + stream), IEND (12) */
    return 8 + 25 + 12 + zlib_size(raw_size(w, h)) + 12;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A chunk of `len` data bytes already at p + 8: its length, type and CRC around them. Returns
 * the bytes it takes. */
static uint64_t chunk(uint8_t *p, const char *type, uint64_t len)
{
    put_be32(p, (uint32_t)len);
    memcpy(p + 4, type, 4);
    uLong crc = crc32(0L, p + 4, 4);
    for (uint64_t done = 0; done < len;) { /* crc32 takes a uInt length */
        uInt n = len - done > 0x40000000u ? 0x40000000u : (uInt)(len - done);
        crc = crc32(crc, p + 8 + done, n);
        done += n;
    }
    put_be32(p + 8 + len, (uint32_t)crc);
    return 12 + len;
}

/* The rows as stored blocks after the zlib header; returns the stream's length. */
static uint64_t write_stream(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t *z)
{
    uint64_t raw = raw_size(w, h), row = 1 + 3 * (uint64_t)w, pos = 0, at = 2;
    z[0] = 0x78, z[1] = 0x01; /* deflate, 32 KiB window, (0x7801 % 31 == 0) */
    uLong adler = adler32(0L, Z_NULL, 0);
    do {
        uint64_t n = raw - pos < STORED_MAX ? raw - pos : STORED_MAX;
        uint8_t *b = z + at;
        b[0] = pos + n == raw ? 1 : 0; /* BFINAL, BTYPE 00 */
        b[1] = (uint8_t)n, b[2] = (uint8_t)(n >> 8);
        b[3] = (uint8_t)~n, b[4] = (uint8_t)(~n >> 8);
        uint8_t *d = b + 5;
        for (uint64_t k = 0; k < n;) { /* raw byte pos+k: filter byte or pixel bytes */
            uint64_t r = (pos + k) / row, in = (pos + k) % row;
            uint64_t take;
            if (in == 0) {
                d[k] = 0;
                take = 1;
            } else {
                take = row - in < n - k ? row - in : n - k;
                memcpy(d + k, rgb + r * 3 * (uint64_t)w + (in - 1), (size_t)take);
            }
            k += take;
        }
        adler = adler32(adler, d, (uInt)n);
        pos += n;
        at += 5 + n;
    } while (pos < raw);
    put_be32(z + at, (uint32_t)adler);
    return at + 4;
}

void ome_png_stored_write(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t *out)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(out, sig, 8);
    uint8_t *p = out + 8;
    put_be32(p + 8, w);
    put_be32(p + 12, h);
    p[16] = 8, p[17] = 2, p[18] = 0, p[19] = 0, p[20] = 0; /* 8-bit RGB, no interlace */
    p += chunk(p, "IHDR", 13);
    p += chunk(p, "IDAT", write_stream(rgb, w, h, p + 8));
    chunk(p, "IEND", 0);
}
