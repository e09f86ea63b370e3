/* dtype: the pixel types omefs handles, their parsing from Zarr metadata and byte-order work. */
#ifndef OME_DTYPE_H
#define OME_DTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ome_dtype {
    OME_DT_NONE = 0,
    OME_DT_U8, OME_DT_I8, OME_DT_U16, OME_DT_I16, OME_DT_U32, OME_DT_I32,
    OME_DT_U64, OME_DT_I64, OME_DT_F32, OME_DT_F64,
} ome_dtype;

size_t ome_dtype_size(ome_dtype t);
bool ome_dtype_is_float(ome_dtype t);
bool ome_dtype_is_signed(ome_dtype t);
/* Short name as in numpy ("uint16", "float32"); also the Zarr v3 data_type name. */
const char *ome_dtype_name(ome_dtype t);
/* Parses a Zarr v2 typestr ("<u2", ">f4", "|u1"). Sets *big_endian. Returns OME_DT_NONE if the
 * string is not a supported numeric type. */
ome_dtype ome_dtype_parse_v2(const char *s, bool *big_endian);
/* Parses a Zarr v3 data_type name ("uint16"). */
ome_dtype ome_dtype_parse_v3(const char *s);
/* Reverses the byte order of n elements of size `size` in place. */
void ome_bswap(void *data, size_t n, size_t size);
bool ome_host_is_big_endian(void);

#endif
