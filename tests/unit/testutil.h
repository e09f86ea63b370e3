/* testutil: helpers shared by the cmocka unit tests — fixture manifest, temp directories,
 * files, and the test-server URLs that tests/run_tests.sh exports. */
#ifndef OME_TESTUTIL_H
#define OME_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline const char *tu_fixtures(void)
{
    const char *d = getenv("OMEFS_FIXTURES");
    return d ? d : "build/fixtures";
}

static inline json_t *tu_manifest(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", tu_fixtures());
    json_error_t je;
    json_t *m = json_load_file(path, 0, &je);
    if (!m)
        fail_msg("cannot load %s: %s (run `make fixtures`)", path, je.text);
    return m;
}

static inline uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (len)
        *len = (size_t)n;
    return p;
}

static inline void tu_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    /* create parent directories */
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static inline void tu_write_text(const char *dir, const char *name, const char *text)
{
    tu_write_file(dir, name, text, strlen(text));
}

static inline char *tu_mkdtemp(void)
{
    char tmpl[] = "/tmp/omefs-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline int tu_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void tu_rmtree(char *dir)
{
    nftw(dir, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* URL of a test server exported by the runner, or NULL (the test then skips). */
static inline const char *tu_server(const char *var)
{
    const char *v = getenv(var);
    return v && v[0] ? v : NULL;
}

/* GETs PATH (e.g. "/_control/set?delay_ms=50") from the test server's control location; its
 * answer in out. */
static inline void tu_control(const char *path, char *out, size_t outlen)
{
    char url[4096];
    snprintf(url, sizeof url, "%s%s", tu_server("OMEFS_TEST_HTTP"), path);
    FILE *f = fmemopen(out, outlen, "w");
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_cleanup(e);
    fclose(f);
}

/* Lines of the test nginx's access log that contain `needle` (requests seen by the server).
 * nginx logs a request just after answering it, so first wait until the log has stopped
 * growing for 50 ms (at most 2 s). */
static inline size_t tu_count_in_log(const char *needle)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/access.log", getenv("OMEFS_TEST_NGINX_DIR"));
    off_t last = -1;
    for (int i = 0; i < 40; i++) {
        struct stat st;
        off_t size = stat(path, &st) == 0 ? st.st_size : 0;
        if (size == last)
            break;
        last = size;
        usleep(50000);
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

#define tu_assert_contains(haystack, needle)                                                  \
    do {                                                                                      \
        if (!strstr((haystack), (needle)))                                                    \
            fail_msg("\"%s\" does not contain \"%s\"", (haystack), (needle));                 \
    } while (0)

#define tu_assert_lacks(haystack, needle)                                                     \
    do {                                                                                      \
        if (strstr((haystack), (needle)))                                                     \
            fail_msg("\"%s\" reveals \"%s\"", (haystack), (needle));                        \
    } while (0)

#endif
