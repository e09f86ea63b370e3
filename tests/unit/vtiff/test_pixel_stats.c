/* test_pixel_stats: percentiles fed band by band equal numpy's linear ones, by histogram (8- and
 * 16-bit integers, negative ones too) and by sorting (floats, NaNs left out). */
#include "testutil.h"
#include "vtiff/pixel_stats.h"

#include <math.h>
#include <string.h>

static void integers_by_histogram(void **state)
{
    (void)state;
    int16_t px[1001];
    for (int i = 0; i < 1001; i++)
        px[i] = (int16_t)(1000 - 2 * i); /* 1000 down to -1000 */
    ome_pixel_stats s;
    ome_err err = {0};
    assert_int_equal(ome_pixel_stats_init(&s, OME_DT_I16, &err), OME_OK);
    assert_int_equal(ome_pixel_stats_add(&s, (const uint8_t *)px, 600, &err), OME_OK);
    assert_int_equal(ome_pixel_stats_add(&s, (const uint8_t *)(px + 600), 401, &err), OME_OK);
    /* numpy.percentile(range(-1000, 1001, 2), [0.1, 50, 99.9]) */
    assert_true(fabs(ome_pixel_stats_percentile(&s, 0.1) - -998.0) < 1e-9);
    assert_true(fabs(ome_pixel_stats_percentile(&s, 50) - 0.0) < 1e-9);
    assert_true(fabs(ome_pixel_stats_percentile(&s, 99.9) - 998.0) < 1e-9);
    ome_pixel_stats_free(&s);

    uint8_t b[4] = {10, 20, 30, 40};
    assert_int_equal(ome_pixel_stats_init(&s, OME_DT_U8, &err), OME_OK);
    assert_int_equal(ome_pixel_stats_add(&s, b, 4, &err), OME_OK);
    assert_true(fabs(ome_pixel_stats_percentile(&s, 25) - 17.5) < 1e-9); /* between 10 and 20 */
    ome_pixel_stats_free(&s);
}

static void floats_by_sorting(void **state)
{
    (void)state;
    float px[5] = {3.5f, NAN, -1.0f, 2.0f, 0.5f};
    ome_pixel_stats s;
    ome_err err = {0};
    assert_int_equal(ome_pixel_stats_init(&s, OME_DT_F32, &err), OME_OK);
    assert_int_equal(ome_pixel_stats_add(&s, (const uint8_t *)px, 5, &err), OME_OK);
    assert_true(fabs(ome_pixel_stats_percentile(&s, 0) - -1.0) < 1e-9);
    assert_true(fabs(ome_pixel_stats_percentile(&s, 50) - 1.25) < 1e-9); /* -1, .5, 2, 3.5 */
    assert_true(fabs(ome_pixel_stats_percentile(&s, 100) - 3.5) < 1e-9);
    ome_pixel_stats_free(&s);
    assert_int_equal(ome_pixel_stats_init(&s, OME_DT_F64, &err), OME_OK);
    assert_true(ome_pixel_stats_percentile(&s, 50) == 0); /* no pixels */
    ome_pixel_stats_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_by_histogram),
        cmocka_unit_test(floats_by_sorting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
