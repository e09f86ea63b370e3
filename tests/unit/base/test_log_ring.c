/* Unit tests of log_ring: lines kept oldest first with time and level, the oldest dropped when
 * full, long lines cut, and lines logged through ome_log reaching the ring as its sink. */
#include "testutil.h"

#include "base/log_ring.h"

static void keeps_the_last_lines(void **state)
{
    (void)state;
    ome_log_ring *r = malloc(sizeof *r);
    assert_non_null(r);
    ome_log_ring_init(r);
    size_t len;
    char *text = ome_log_ring_text(r, &len);
    assert_int_equal(len, 0); /* nothing logged yet */
    free(text);
    for (int i = 0; i < OME_LOG_RING_LINES + 50; i++) {
        char line[64];
        snprintf(line, sizeof line, "line %d", i);
        ome_log_ring_add(r, i % 2 ? OME_LOG_WARN : OME_LOG_ERROR, line);
    }
    char big[OME_LOG_RING_LINE_BYTES * 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ome_log_ring_add(r, OME_LOG_INFO, big);
    text = ome_log_ring_text(r, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, OME_LOG_RING_LINES);
    assert_null(strstr(text, "line 50\n")); /* dropped: the oldest */
    /* the first line now, after its UTC time: "2026-11-27T08:54:26Z warning: line 51" */
    assert_true(text[4] == '-' && text[10] == 'T' && text[19] == 'Z');
    assert_true(strncmp(text + 20, " warning: line 51\n", 18) == 0);
    assert_non_null(strstr(text, "Z error: line 248\n"));
    const char *last = strstr(text, "Z info: x");
    assert_non_null(last);
    assert_int_equal(strlen(last), strlen("Z info: ") + OME_LOG_RING_LINE_BYTES - 1 + 1);
    free(text);
    ome_log_ring_destroy(r);
    free(r);
}

static void is_a_sink_of_the_log(void **state)
{
    (void)state;
    ome_log_ring *r = malloc(sizeof *r);
    assert_non_null(r);
    ome_log_ring_init(r);
    ome_log_set_level(OME_LOG_WARN);
    ome_log_set_sink(ome_log_ring_add, r);
    OME_LOGE("chunk %s: %d", "0/1/2", 503);
    OME_LOGI("not kept: below the level");
    ome_log_set_sink(NULL, NULL);
    OME_LOGE("not kept: no sink");
    size_t len;
    char *text = ome_log_ring_text(r, &len);
    assert_non_null(strstr(text, "Z error: chunk 0/1/2: 503\n"));
    assert_null(strstr(text, "not kept"));
    free(text);
    ome_log_ring_destroy(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_the_last_lines),
        cmocka_unit_test(is_a_sink_of_the_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
