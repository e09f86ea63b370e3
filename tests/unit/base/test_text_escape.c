/* Unit tests of text_escape: C0 controls, DEL, C1 controls and invalid UTF-8 (stray
 * continuation bytes, overlong forms, surrogates, beyond U+10FFFF, cut sequences) and
 * bidirectional formatting characters shown as \xNN;
 * printable ASCII and valid multibyte UTF-8 kept; escaping twice changes nothing; output cut at a
 * whole escape; log lines and error messages escaped. */
#include "testutil.h"

#include "base/err.h"
#include "base/log_ring.h"
#include "base/text_escape.h"

/* ome_text_escape of the len bytes of s, compared with want. */
static void check(const char *s, size_t len, const char *want)
{
    char out[256];
    size_t n = ome_text_escape(s, len, out, sizeof out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}
#define CHECK(lit, want) check(lit, sizeof lit - 1, want)

static void controls_are_shown(void **state)
{
    (void)state;
    CHECK("plain text, 100 % / \\ ~", "plain text, 100 % / \\ ~");
    CHECK("\033]0;title\007", "\\x1b]0;title\\x07");
    CHECK("a\rb\nc\td\x7f", "a\\x0db\\x0ac\\x09d\\x7f");
    CHECK("x\0y", "x\\x00y");
    /* C1: CSI (U+009B) and U+0080 in UTF-8, both bytes shown; U+00A0 is kept */
    CHECK("\xc2\x9b" "2J", "\\xc2\\x9b2J");
    CHECK("\xc2\x80|\xc2\x9f|\xc2\xa0", "\\xc2\\x80|\\xc2\\x9f|\xc2\xa0");
    /* bidirectional overrides and isolates, which show "evil\u202Egpj.exe" as "evilexe.jpg";
     * Hebrew letters and U+2010 (hyphen) are kept */
    CHECK("evil\xe2\x80\xaegpj.exe", "evil\\xe2\\x80\\xaegpj.exe");
    CHECK("\xe2\x81\xa6" "a\xe2\x81\xa9\xe2\x80\x8f\xd8\x9c", "\\xe2\\x81\\xa6a\\xe2\\x81\\xa9\\xe2\\x80\\x8f\\xd8\\x9c");
    CHECK("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x80\x90", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x80\x90");
}

static void valid_utf8_is_kept(void **state)
{
    (void)state;
    CHECK("caf\xc3\xa9 \xce\xbc m \xe2\x82\xac \xf0\x9f\x94\xac", "caf\xc3\xa9 \xce\xbc m \xe2\x82\xac \xf0\x9f\x94\xac");
    CHECK("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last */
}

static void invalid_utf8_is_shown(void **state)
{
    (void)state;
    CHECK("\x80", "\\x80");                           /* a stray continuation byte */
    CHECK("\xc0\xaf", "\\xc0\\xaf");                  /* overlong '/' */
    CHECK("\xc1\x9b", "\\xc1\\x9b");                  /* overlong CSI */
    CHECK("\xe0\x80\xaf", "\\xe0\\x80\\xaf");         /* overlong, three bytes */
    CHECK("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"); /* overlong, four bytes */
    CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80");         /* a surrogate */
    CHECK("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* beyond U+10FFFF */
    CHECK("\xff\xfe", "\\xff\\xfe");
    CHECK("ab\xe2\x82", "ab\\xe2\\x82");              /* cut at the end */
    CHECK("\xe2\x82x", "\\xe2\\x82x");                /* cut by ASCII */
}

static void twice_is_once_and_cut_whole(void **state)
{
    (void)state;
    char once[64], twice[64];
    ome_text_escape("\033[2J\xc2\x9b\xff", 7, once, sizeof once);
    ome_text_escape(once, strlen(once), twice, sizeof twice);
    assert_string_equal(once, twice);
    char small[7]; /* room for "ab" and one escape, not two */
    ome_text_escape("ab\033\033", 4, small, sizeof small);
    assert_string_equal(small, "ab\\x1b");
    ome_text_escape("\xe2\x82\xac\xe2\x82\xac", 6, small, 5); /* one euro sign, not half of one */
    assert_string_equal(small, "\xe2\x82\xac");
    char buf[32] = "name\033[31m\a";
    ome_text_escape_in_place(buf, sizeof buf);
    assert_string_equal(buf, "name\\x1b[31m\\x07");
}

static void log_lines_and_errors_are_escaped(void **state)
{
    (void)state;
    ome_err err;
    ome_err_set(&err, OME_EDENIED, "access denied (%s)", "Access\033]0;x\007Denied");
    assert_string_equal(err.msg, "access denied (Access\\x1b]0;x\\x07Denied)");
    ome_err_prefix(&err, "folder %s", "a\033b");
    assert_string_equal(err.msg, "folder a\\x1bb: access denied (Access\\x1b]0;x\\x07Denied)");
    ome_log_ring *r = malloc(sizeof *r);
    assert_non_null(r);
    ome_log_ring_init(r);
    ome_log_set_level(OME_LOG_WARN);
    ome_log_set_sink(ome_log_ring_add, r);
    OME_LOGE("read %s: %s", "bad\033[2Jname\r", err.msg);
    ome_log_set_sink(NULL, NULL);
    size_t len;
    char *text = ome_log_ring_text(r, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "error: read bad\\x1b[2Jname\\x0d: folder a\\x1bb: "));
    assert_null(strchr(text, '\033'));
    assert_null(strchr(text, '\r'));
    free(text);
    ome_log_ring_destroy(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(controls_are_shown),
        cmocka_unit_test(valid_utf8_is_kept),
        cmocka_unit_test(invalid_utf8_is_shown),
        cmocka_unit_test(twice_is_once_and_cut_whole),
        cmocka_unit_test(log_lines_and_errors_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
