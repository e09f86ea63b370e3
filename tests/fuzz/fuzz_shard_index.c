/* Fuzz target: a shard index as a server could send it. Byte 0 sets the number of inner chunks
 * (1-64) and whether a CRC-32C follows, byte 1 the endianness; the rest is the index. */
#include "zarr/zarr.h"
#include "zarr/shard_index.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    ome_zarr_array a = {0};
    a.inner_per_shard = 1 + (data[0] & 63);
    a.index_crc32c = (data[0] & 64) != 0;
    a.index_big_endian = data[1] & 1;
    ome_buf body = {(uint8_t *)data + 2, size - 2, size - 2};
    uint64_t *entries = malloc(2 * a.inner_per_shard * sizeof *entries);
    ome_err err;
    ome_zarr_shard_parse_index(&a, &body, entries, "fuzz", &err);
    free(entries);
    return 0;
}
