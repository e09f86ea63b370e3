/* Unit tests of key: joined keys are whole or refused with a message, never shortened. */
#include "testutil.h"

#include "base/err.h"
#include "base/key.h"

static void joins_and_skips_empty_parts(void **state)
{
    (void)state;
    char out[32];
    ome_err err = {0};
    assert_int_equal(ome_key_join(out, sizeof out, "a/b", "c", &err), OME_OK);
    assert_string_equal(out, "a/b/c");
    assert_int_equal(ome_key_join(out, sizeof out, "", "c", &err), OME_OK);
    assert_string_equal(out, "c");
    assert_int_equal(ome_key_join(out, sizeof out, "a", "", NULL), OME_OK);
    assert_string_equal(out, "a");
}

static void too_long_is_refused_not_shortened(void **state)
{
    (void)state;
    char out[16];
    ome_err err = {0};
    /* exactly 15 characters fit; 16 do not */
    assert_int_equal(ome_key_join(out, sizeof out, "0123456", "89abcde", &err), OME_OK);
    assert_string_equal(out, "0123456/89abcde");
    assert_int_equal(ome_key_join(out, sizeof out, "0123456", "89abcdef", &err), OME_ERANGE);
    assert_string_equal(out, "");
    tu_assert_contains(err.msg, "0123456");
    tu_assert_contains(err.msg, "at most 15");
    assert_int_equal(ome_key_join(out, sizeof out, "", "0123456789abcdefXYZ", NULL), OME_ERANGE);
    assert_string_equal(out, "");
}

/* Names that fit are kept; longer ones are cut to the limit, on a character's start, with a
 * hash of the whole name, so that two long names with the same start stay two names. */
static void long_names_fit_and_stay_distinct(void **state)
{
    (void)state;
    char out[OME_NAME_MAX + 1], other[OME_NAME_MAX + 1], name[600];
    ome_name_fit(out, sizeof out, "A1", OME_NAME_MAX);
    assert_string_equal(out, "A1");
    memset(name, 'R', 300);
    name[300] = '\0';
    ome_name_fit(out, sizeof out, name, OME_NAME_MAX);
    assert_int_equal(strlen(out), OME_NAME_MAX);
    assert_memory_equal(out, name, OME_NAME_MAX - 9);
    assert_int_equal(out[OME_NAME_MAX - 9], '~');
    name[299] = 'S';
    ome_name_fit(other, sizeof other, name, OME_NAME_MAX);
    assert_int_equal(strlen(other), OME_NAME_MAX);
    assert_string_not_equal(out, other);
    ome_name_fit(out, sizeof out, name, OME_NAME_MAX); /* the same name, the same result */
    assert_string_equal(out, other);
    /* "é" (2 bytes) across the cut: the character is left out whole */
    memset(name, 'a', 245);
    memcpy(name + 245, "\xc3\xa9\xc3\xa9zzzzzzzzzzzz", 17);
    name[262] = '\0';
    ome_name_fit(out, sizeof out, name, OME_NAME_MAX);
    assert_int_equal(strlen(out), OME_NAME_MAX - 1);
    assert_memory_equal(out + 244, "a~", 2);
    /* a smaller limit, for names that get an ending */
    ome_name_fit(out, sizeof out, name, 20);
    assert_int_equal(strlen(out), 20);
}

static void products_that_overflow_are_caught(void **state)
{
    (void)state;
    uint64_t r;
    assert_true(ome_mul_u64(1u << 31, 1u << 31, &r));
    assert_true(r == (uint64_t)1 << 62);
    assert_false(ome_mul_u64(UINT64_MAX / 2, 3, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(joins_and_skips_empty_parts),
        cmocka_unit_test(too_long_is_refused_not_shortened),
        cmocka_unit_test(long_names_fit_and_stay_distinct),
        cmocka_unit_test(products_that_overflow_are_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
