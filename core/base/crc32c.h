/* crc32c: CRC-32C (Castagnoli), used by the Zarr v3 crc32c codec and the disk cache's entry
 * checksums. Hardware instructions where the CPU has them (SSE 4.2), a table otherwise. */
#ifndef OME_CRC32C_H
#define OME_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends `crc` (the CRC of the bytes so far; 0 for none) over `len` more bytes. */
uint32_t ome_crc32c_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t ome_crc32c(const void *data, size_t len)
{
    return ome_crc32c_update(0, data, len);
}

#endif
