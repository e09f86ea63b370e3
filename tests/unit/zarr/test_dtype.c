/* Unit tests of dtype: parsing Zarr type strings and names, sizes, byte swapping. */
#include "testutil.h"

#include "zarr/dtype.h"

static void parses_v2_typestrs(void **state)
{
    (void)state;
    bool be = true;
    assert_int_equal(ome_dtype_parse_v2("<u2", &be), OME_DT_U16);
    assert_false(be);
    assert_int_equal(ome_dtype_parse_v2(">f8", &be), OME_DT_F64);
    assert_true(be);
    assert_int_equal(ome_dtype_parse_v2("|u1", &be), OME_DT_U8);
    assert_int_equal(ome_dtype_parse_v2("|i1", &be), OME_DT_I8);
    assert_int_equal(ome_dtype_parse_v2("<i8", &be), OME_DT_I64);
    assert_int_equal(ome_dtype_parse_v2(">i4", &be), OME_DT_I32);
}

static void rejects_bad_typestrs(void **state)
{
    (void)state;
    bool be;
    const char *bad[] = {"", "u2", "<u3", "<c8", "|u2", "<U10", "<f2", "<b1", "<u2x", "<M8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ome_dtype_parse_v2(bad[i], &be), OME_DT_NONE);
    assert_int_equal(ome_dtype_parse_v2(NULL, &be), OME_DT_NONE);
}

static void parses_v3_names(void **state)
{
    (void)state;
    assert_int_equal(ome_dtype_parse_v3("uint16"), OME_DT_U16);
    assert_int_equal(ome_dtype_parse_v3("float32"), OME_DT_F32);
    assert_int_equal(ome_dtype_parse_v3("int8"), OME_DT_I8);
    assert_int_equal(ome_dtype_parse_v3("complex64"), OME_DT_NONE);
    assert_int_equal(ome_dtype_parse_v3("bool"), OME_DT_NONE);
}

static void sizes_and_kinds(void **state)
{
    (void)state;
    assert_int_equal(ome_dtype_size(OME_DT_U8), 1);
    assert_int_equal(ome_dtype_size(OME_DT_I16), 2);
    assert_int_equal(ome_dtype_size(OME_DT_F32), 4);
    assert_int_equal(ome_dtype_size(OME_DT_U64), 8);
    assert_int_equal(ome_dtype_size(OME_DT_NONE), 0);
    assert_true(ome_dtype_is_float(OME_DT_F64));
    assert_false(ome_dtype_is_float(OME_DT_I32));
    assert_true(ome_dtype_is_signed(OME_DT_I8));
    assert_false(ome_dtype_is_signed(OME_DT_U16));
    assert_string_equal(ome_dtype_name(OME_DT_U16), "uint16");
}

static void swaps_bytes(void **state)
{
    (void)state;
    uint16_t a[2] = {0x1234, 0xABCD};
    ome_bswap(a, 2, 2);
    assert_int_equal(a[0], 0x3412);
    assert_int_equal(a[1], 0xCDAB);
    uint32_t b = 0x11223344;
    ome_bswap(&b, 1, 4);
    assert_int_equal(b, 0x44332211);
    uint64_t c = 0x0102030405060708ull;
    ome_bswap(&c, 1, 8);
    assert_true(c == 0x0807060504030201ull);
    assert_false(ome_host_is_big_endian());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_v2_typestrs), cmocka_unit_test(rejects_bad_typestrs),
        cmocka_unit_test(parses_v3_names),    cmocka_unit_test(sizes_and_kinds),
        cmocka_unit_test(swaps_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
