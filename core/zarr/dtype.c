/* dtype: pixel type parsing, sizes and byte swapping. */
#include "zarr/dtype.h"

#include <string.h>

static const struct {
    ome_dtype t;
    const char *name;
    char kind;
    size_t size;
} dtype_table[] = {
    {OME_DT_U8, "uint8", 'u', 1},    {OME_DT_I8, "int8", 'i', 1},
    {OME_DT_U16, "uint16", 'u', 2},  {OME_DT_I16, "int16", 'i', 2},
    {OME_DT_U32, "uint32", 'u', 4},  {OME_DT_I32, "int32", 'i', 4},
    {OME_DT_U64, "uint64", 'u', 8},  {OME_DT_I64, "int64", 'i', 8},
    {OME_DT_F32, "float32", 'f', 4}, {OME_DT_F64, "float64", 'f', 8},
};
#define DTYPE_COUNT (sizeof dtype_table / sizeof dtype_table[0])

size_t ome_dtype_size(ome_dtype t)
{
    for (size_t i = 0; i < DTYPE_COUNT; i++)
        if (dtype_table[i].t == t)
            return dtype_table[i].size;
    return 0;
}

bool ome_dtype_is_float(ome_dtype t) { return t == OME_DT_F32 || t == OME_DT_F64; }

bool ome_dtype_is_signed(ome_dtype t)
{
    return t == OME_DT_I8 || t == OME_DT_I16 || t == OME_DT_I32 || t == OME_DT_I64 ||
           ome_dtype_is_float(t);
}

const char *ome_dtype_name(ome_dtype t)
{
    for (size_t i = 0; i < DTYPE_COUNT; i++)
        if (dtype_table[i].t == t)
            return dtype_table[i].name;
    return "none";
}

ome_dtype ome_dtype_parse_v2(const char *s, bool *big_endian)
{
    if (!s || strlen(s) != 3)
        return OME_DT_NONE;
    char order = s[0], kind = s[1];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return OME_DT_NONE;
    if (s[2] < '1' || s[2] > '8')
        return OME_DT_NONE;
    size_t size = (size_t)(s[2] - '0');
    /* '|' means "not applicable": only valid for single-byte types. */
    if (order == '|' && size != 1)
        return OME_DT_NONE;
    for (size_t i = 0; i < DTYPE_COUNT; i++) {
        if (dtype_table[i].kind == kind && dtype_table[i].size == size) {
            *big_endian = order == '>' || (order == '=' && ome_host_is_big_endian());
            return dtype_table[i].t;
        }
    }
    return OME_DT_NONE;
}

ome_dtype ome_dtype_parse_v3(const char *s)
{
    if (!s)
        return OME_DT_NONE;
    for (size_t i = 0; i < DTYPE_COUNT; i++)
        if (strcmp(dtype_table[i].name, s) == 0)
            return dtype_table[i].t;
    return OME_DT_NONE;
}

bool ome_host_is_big_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 0;
}

void ome_bswap(void *data, size_t n, size_t size)
{
    uint8_t *p = data;
    switch (size) {
    case 2:
        for (size_t i = 0; i < n; i++, p += 2) {
            uint16_t v;
            memcpy(&v, p, 2);
            v = __builtin_bswap16(v);
            memcpy(p, &v, 2);
        }
        break;
    case 4:
        for (size_t i = 0; i < n; i++, p += 4) {
            uint32_t v;
            memcpy(&v, p, 4);
            v = __builtin_bswap32(v);
            memcpy(p, &v, 4);
        }
        break;
    case 8:
        for (size_t i = 0; i < n; i++, p += 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            v = __builtin_bswap64(v);
            memcpy(p, &v, 8);
        }
        break;
    default:
        break;
    }
}
