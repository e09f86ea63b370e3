/* Fuzz target: codec frames with lying size headers. Byte 0 picks the codec, bytes 1-3 the size
 * the array expects (up to 16 MiB; 0: an inner step of a chain, bounded at 1 MiB); the rest is
 * the frame. */
#include "zarr/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    ome_codec c = {.kind = (ome_codec_kind)(1 + data[0] % 6)};
    size_t expected = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)(data[3] & 0xff) << 16;
    ome_buf out = {0};
    ome_err err;
    if (expected)
        ome_codec_decode(&c, data + 4, size - 4, expected, &out, &err);
    else
        ome_codec_decode_at_most(&c, data + 4, size - 4, 1 << 20, &out, &err);
    ome_buf_free(&out);
    return 0;
}
