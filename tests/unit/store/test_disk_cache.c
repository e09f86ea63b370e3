/* Unit tests of disk_cache in front of the real HTTP store and nginx (requests counted in its
 * access log) and of the file store: a second open serves chunks without a request and
 * revalidates metadata (304); corrupt and truncated entries are dropped and fetched again;
 * eviction keeps the directory under its cap; offline serves from the cache alone; entry names
 * never follow keys out of the directory; permissions are private; two caches on one directory
 * read concurrently; a rewritten array never mixes old chunks with new metadata. */
#include "testutil.h"

#include <zlib.h>
#include "zarr/zarr.h"
#include "tree/source.h"

#include "zarr/chunk_cache.h"
#include "store/disk_cache.h"
#include "image/image.h"
#include "base/stats.h"
#include "base/clock.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <pthread.h>

static const char *http_or_skip(void)
{
    const char *url = tu_server("OMEFS_TEST_HTTP");
    if (!url || !tu_server("OMEFS_TEST_NGINX_DIR"))
        skip();
    return url;
}

/* Opens SOURCE behind a disk cache in dir (metadata_ttl_s: see ome_disk_cache_opts). */
static ome_store *open_cached_ttl(const char *source, const char *dir, uint64_t cap,
                                  bool offline, size_t write_behind, double metadata_ttl_s,
                                  ome_stats *stats)
{
    ome_store_opts so;
    ome_store_opts_default(&so);
    so.stats = stats;
    so.timeout_s = 2;
    so.retries = 0;
    ome_store *inner, *s;
    ome_err err;
    assert_int_equal(ome_source_open_address(source, &so, &inner, &err), OME_OK);
    ome_disk_cache_opts o = {.classify = ome_zarr_key_kind, .dir = dir, .cap_bytes = cap, .offline = offline,
                             .write_behind_bytes = write_behind, .stats = stats,
                             .metadata_ttl_s = metadata_ttl_s};
    if (ome_disk_cache_open(inner, &o, &s, &err))
        fail_msg("%s", err.msg);
    return s;
}

static ome_store *open_cached_behind(const char *source, const char *dir, uint64_t cap,
                                     bool offline, size_t write_behind, ome_stats *stats)
{
    return open_cached_ttl(source, dir, cap, offline, write_behind, 0, stats);
}

static ome_store *open_cached(const char *source, const char *dir, uint64_t cap, bool offline,
                              ome_stats *stats)
{
    return open_cached_behind(source, dir, cap, offline, 0, stats);
}

/* Reads the whole level 0 of NAME through store and compares with zarr-python's pixels. Returns
 * the status of the read. */
static int read_and_check(ome_store *s, const char *name, const char *expected_name, ome_err *err)
{
    ome_image *img;
    int rc = ome_image_open(s, "", name, &img, err);
    if (rc)
        return rc;
    img->cache = ome_cache_new(64 << 20, NULL); /* as in a mount: each chunk fetched once */
    const ome_level *L = &img->levels[0];
    size_t es = ome_image_pixel_size(img);
    uint64_t plane = L->shape[OME_Y] * L->shape[OME_X] * es;
    uint64_t nplanes = L->shape[OME_T] * L->shape[OME_C] * L->shape[OME_Z];
    uint8_t *got = malloc(plane * nplanes);
    uint64_t Z = L->shape[OME_Z], C = L->shape[OME_C];
    for (uint64_t p = 0; p < nplanes && rc == OME_OK; p++) /* zarr-python's TCZ plane order */
        rc = ome_image_read_region(img, 0, p / (C * Z), (p / Z) % C, p % Z, 0, 0,
                                   L->shape[OME_Y], L->shape[OME_X], got + p * plane, err);
    if (rc == OME_OK) {
        char path[4096];
        snprintf(path, sizeof path, "%s/expected/%s/L0.raw", tu_fixtures(), expected_name);
        size_t len;
        uint8_t *want = tu_read_file(path, &len);
        assert_non_null(want);
        assert_int_equal(len, plane * nplanes);
        assert_memory_equal(got, want, len);
        free(want);
    }
    free(got);
    ome_cache_free(img->cache);
    ome_image_free(img);
    return rc;
}

#define READ_OK(s, name, expected)                                                              \
    do {                                                                                       \
        ome_err e_;                                                                            \
        if (read_and_check((s), (name), (expected), &e_) != OME_OK)                            \
            fail_msg("%s", e_.msg);                                                            \
    } while (0)

static uint64_t get(const _Atomic uint64_t *c) { return atomic_load(c); }

typedef struct {
    char path[4096];
} entry_path;

/* Lists the entry files (not temporaries) under dir/v2. */
static size_t list_entries(const char *dir, entry_path *out, size_t max)
{
    char v1[4096];
    snprintf(v1, sizeof v1, "%s/v2", dir);
    DIR *top = opendir(v1);
    assert_non_null(top);
    size_t n = 0;
    struct dirent *d;
    while ((d = readdir(top))) {
        if (d->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", v1, d->d_name);
        DIR *sd = opendir(sub);
        assert_non_null(sd);
        struct dirent *f;
        while ((f = readdir(sd)))
            if (f->d_name[0] != '.' && n < max)
                snprintf(out[n++].path, sizeof out->path, "%s/%s", sub, f->d_name);
        closedir(sd);
    }
    closedir(top);
    return n;
}

static void second_open_needs_no_chunk_request(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/codec_lz4.zarr", url);
    ome_stats st = {0};
    size_t before = tu_count_in_log("GET /codec_lz4.zarr/0/");
    ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    size_t cold = tu_count_in_log("GET /codec_lz4.zarr/0/") - before;
    assert_int_equal(cold, 18 + 1); /* every chunk once, and .zarray */
    assert_int_equal(get(&st.disk_writes), get(&st.disk_misses));

    ome_stats st2 = {0};
    s = open_cached(src, dir, 1 << 30, false, &st2);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    size_t warm = tu_count_in_log("GET /codec_lz4.zarr/0/") - before - cold;
    assert_int_equal(warm, 1); /* only the revalidation of .zarray */
    assert_true(get(&st2.not_modified) >= 2);
    assert_int_equal(get(&st2.disk_hits), 18);
    tu_rmtree(dir);
}

/* With a metadata TTL, metadata below the source's root that the server confirmed within it —
 * present or absent (the zarr.json and labels a v2 image does not have) — is used without a
 * request; once older, it is revalidated (304), which restarts its TTL (kept in the entry, so
 * reads, online or offline, keep their recency for eviction apart from it). The root's
 * documents are always asked. */
static void metadata_confirmed_recently_is_trusted(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/codec_lz4.zarr", url);
    size_t before = tu_count_in_log("GET /codec_lz4.zarr/");
    ome_stats st = {0};
    ome_store *s = open_cached_ttl(src, dir, 1 << 30, false, 0, 60, &st);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    size_t cold = tu_count_in_log("GET /codec_lz4.zarr/") - before;
    assert_true(cold > 18 + 1); /* chunks, .zarray, and the group's documents, some absent */

    size_t root_before = tu_count_in_log("GET /codec_lz4.zarr/"), level_before =
        tu_count_in_log("GET /codec_lz4.zarr/0/");
    ome_stats st2 = {0};
    s = open_cached_ttl(src, dir, 1 << 30, false, 0, 60, &st2);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    /* only the source's own documents at its root are asked (the mount's check) */
    size_t warm = tu_count_in_log("GET /codec_lz4.zarr/") - root_before;
    assert_int_equal(tu_count_in_log("GET /codec_lz4.zarr/0/") - level_before, 0);
    assert_true(warm >= 1 && warm <= 3);
    assert_int_equal(get(&st2.requests), warm);

    /* confirmed more than a TTL of 1 s ago: asked again, and confirmed anew */
    sleep(2);
    ome_stats st3 = {0};
    s = open_cached_ttl(src, dir, 1 << 30, false, 0, 1, &st3);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    size_t again = tu_count_in_log("GET /codec_lz4.zarr/0/") - level_before;
    assert_int_equal(again, 1); /* 0/.zarray: metadata only, chunks never expire */
    assert_true(get(&st3.not_modified) >= 2);
    ome_stats st4 = {0};
    s = open_cached_ttl(src, dir, 1 << 30, false, 0, 60, &st4);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    assert_int_equal(get(&st4.requests), warm);
    assert_int_equal(tu_count_in_log("GET /codec_lz4.zarr/0/") - level_before, 1);
    tu_rmtree(dir);
}

/* Entries waiting behind reads are all written when the store closes, however much may wait:
 * an offline open afterwards serves every chunk. */
static void written_behind_entries_land_at_close(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    static const size_t behind[] = {1, 64u << 20};
    for (size_t i = 0; i < 2; i++) {
        char *dir = tu_mkdtemp(), src[4096];
        snprintf(src, sizeof src, "%s/codec_lz4.zarr", url);
        ome_stats st = {0};
        ome_store *s = open_cached_behind(src, dir, 1 << 30, false, behind[i], &st);
        READ_OK(s, "codec_lz4", "codec_lz4");
        ome_store_close(s);
        assert_int_equal(get(&st.disk_writes), get(&st.disk_misses));
        ome_stats st2 = {0};
        s = open_cached(src, dir, 1 << 30, true, &st2);
        READ_OK(s, "codec_lz4", "codec_lz4");
        ome_store_close(s);
        assert_true(get(&st2.disk_hits) >= 18); /* the chunks, and the metadata read */
        assert_int_equal(get(&st2.disk_misses), 0);
        assert_int_equal(get(&st2.disk_corrupt), 0);
        tu_rmtree(dir);
    }
}

static void corrupt_entries_are_refetched(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/codec_zstd.zarr", url);
    ome_stats st = {0};
    ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
    READ_OK(s, "codec_zstd", "codec_zstd");
    ome_store_close(s);

    entry_path e[64];
    size_t n = list_entries(dir, e, 64);
    assert_true(n >= 18);
    /* flip a byte near the end of every entry (in the body); truncate a few; empty one */
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(e[i].path, "r+b");
        assert_non_null(f);
        fseek(f, -1, SEEK_END);
        int c = fgetc(f);
        fseek(f, -1, SEEK_END);
        fputc(c ^ 0x5a, f);
        fclose(f);
        if (i % 5 == 0)
            assert_int_equal(truncate(e[i].path, i == 0 ? 0 : 40), 0);
    }
    size_t before = tu_count_in_log("GET /codec_zstd.zarr/0/");
    ome_stats st2 = {0};
    s = open_cached(src, dir, 1 << 30, false, &st2);
    READ_OK(s, "codec_zstd", "codec_zstd");
    ome_store_close(s);
    assert_int_equal(get(&st2.disk_corrupt), n);
    /* every chunk and every metadata document fetched again */
    assert_int_equal(tu_count_in_log("GET /codec_zstd.zarr/0/") - before, 18 + 1);
    /* and the rewritten entries are good */
    ome_stats st3 = {0};
    s = open_cached(src, dir, 1 << 30, false, &st3);
    READ_OK(s, "codec_zstd", "codec_zstd");
    ome_store_close(s);
    assert_int_equal(get(&st3.disk_corrupt), 0);
    assert_int_equal(get(&st3.disk_hits), 18);
    tu_rmtree(dir);
}

/* What stands in an entry's place and is not a file (a FIFO, which would block an open for
 * reading; a directory) is passed over: the chunk is fetched, and no read waits on it. */
static void non_files_in_an_entrys_place_are_passed_over(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/codec_lz4.zarr", url);
    ome_stats st = {0};
    ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    entry_path e[64];
    size_t n = list_entries(dir, e, 64);
    assert_true(n >= 18);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(unlink(e[i].path), 0);
        assert_int_equal(i % 2 ? mkdir(e[i].path, 0700) : mkfifo(e[i].path, 0600), 0);
    }
    alarm(30); /* a read held by a FIFO ends the test */
    ome_stats st2 = {0};
    s = open_cached(src, dir, 1 << 30, false, &st2);
    READ_OK(s, "codec_lz4", "codec_lz4");
    ome_store_close(s);
    alarm(0);
    assert_int_equal(get(&st2.disk_hits), 0);
    tu_rmtree(dir);
}

static void eviction_keeps_the_cap(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/odd_700x900.zarr", url); /* 12 chunks of 117 KiB, zlib */
    ome_stats st = {0};
    uint64_t cap = 200 << 10;
    ome_store *s = open_cached(src, dir, cap, false, &st);
    for (int round = 0; round < 2; round++)
        READ_OK(s, "odd_700x900", "odd_700x900");
    ome_store_close(s);
    assert_true(get(&st.disk_evictions) > 0);
    assert_true(ome_disk_cache_scan_bytes(dir) <= cap);
    tu_rmtree(dir);
}

static void offline_serves_from_the_cache_only(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/axes_czyx.zarr", url);
    ome_err err;
    ome_stats st = {0};
    ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
    READ_OK(s, "axes_czyx", "axes_czyx");
    ome_store_close(s);

    /* offline, with the network gone: the same source reads exactly, with no request */
    size_t before = tu_count_in_log("/axes_czyx.zarr/");
    ome_stats st2 = {0};
    s = open_cached(src, dir, 1 << 30, true, &st2);
    READ_OK(s, "axes_czyx", "axes_czyx");
    ome_store_close(s);
    assert_int_equal(tu_count_in_log("/axes_czyx.zarr/") - before, 0);
    assert_int_equal(get(&st2.requests), 0);

    /* something never fetched: a clear error naming the URL */
    snprintf(src, sizeof src, "%s/axes_tyx.zarr", url);
    s = open_cached(src, dir, 1 << 30, true, &st2);
    ome_image *img;
    assert_true(ome_image_open(s, "", "axes_tyx", &img, &err) < 0);
    tu_assert_contains(err.msg, "axes_tyx.zarr");
    tu_assert_contains(err.msg, "not in the disk cache (offline)");
    ome_store_close(s);
    tu_rmtree(dir);
}

static void entries_stay_inside_and_private(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *top = tu_mkdtemp(), dir[4096], src[4096];
    snprintf(dir, sizeof dir, "%s/cache", top);
    snprintf(src, sizeof src, "%s/axes_2d.zarr", url);
    ome_stats st = {0};
    ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
    char longkey[3000];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    const char *keys[] = {"../../escape", "%2e%2e/%2e%2e/escape", "/etc/passwd", "0/../../x",
                          "a/\x01\xff/b", longkey, "0/0.0"};
    ome_store_req reqs[7] = {0};
    for (int i = 0; i < 7; i++)
        reqs[i].key = keys[i];
    ome_store_get_many(s, reqs, 7);
    assert_int_equal(reqs[6].status, OME_OK); /* a real chunk */
    ome_store_reqs_free(reqs, 7);
    ome_store_close(s);

    /* the top directory holds only the cache; every entry is DIR/v2/XX/<14 hex>, mode 0600 */
    DIR *d = opendir(top);
    struct dirent *de;
    int others = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "cache"))
            others++;
    closedir(d);
    assert_int_equal(others, 0);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    entry_path e[64];
    size_t n = list_entries(dir, e, 64);
    assert_true(n >= 2); /* absent markers for the odd keys, and the chunk */
    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(e[i].path, '/') + 1;
        assert_int_equal(strlen(name), 14);
        assert_int_equal(strspn(name, "0123456789abcdef"), 14);
        assert_int_equal(strncmp(e[i].path, dir, strlen(dir)), 0);
        assert_int_equal(stat(e[i].path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", e[i].path);
        *strrchr(parent, '/') = '\0';
        assert_int_equal(stat(parent, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0700);
    }
    /* a directory open to others is made private */
    char *loose = tu_mkdtemp();
    assert_int_equal(chmod(loose, 0755), 0);
    s = open_cached(src, loose, 1 << 30, false, NULL);
    ome_store_close(s);
    assert_int_equal(stat(loose, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    tu_rmtree(loose);
    tu_rmtree(top);
}

typedef struct {
    const char *src, *dir;
    int ok;
} sharer_arg;

static void *sharer(void *p)
{
    sharer_arg *a = p;
    ome_err err;
    a->ok = 1;
    for (int round = 0; round < 3; round++) {
        ome_store *s = open_cached(a->src, a->dir, 1 << 30, false, NULL);
        if (read_and_check(s, "odd_700x900", "odd_700x900", &err) != OME_OK)
            a->ok = 0;
        ome_store_close(s);
    }
    return NULL;
}

static void two_caches_share_a_directory(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096];
    snprintf(src, sizeof src, "%s/odd_700x900.zarr", url);
    pthread_t th[4];
    sharer_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (sharer_arg){src, dir, 0};
        pthread_create(&th[i], NULL, sharer, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(a[i].ok);
    }
    ome_stats st = {0};
    ome_store *s = open_cached(src, dir, 1 << 30, true, &st);
    READ_OK(s, "odd_700x900", "odd_700x900");
    ome_store_close(s);
    assert_int_equal(get(&st.disk_corrupt), 0);
    tu_rmtree(dir);
}

static void rewritten_array_never_mixes(void **state)
{
    (void)state;
    /* the file store is cached too when asked: a local copy that can be rewritten */
    char *data = tu_mkdtemp(), *dir = tu_mkdtemp(), cmd[8192], src[4096];
    snprintf(cmd, sizeof cmd, "cp -r %s/codec_lz4.zarr %s/img.zarr", tu_fixtures(), data);
    assert_int_equal(system(cmd), 0);
    snprintf(src, sizeof src, "%s/img.zarr", data);
    ome_err err;
    ome_store *s = open_cached(src, dir, 1 << 30, false, NULL);
    READ_OK(s, "img", "codec_lz4");
    ome_store_close(s);
    /* the same array rewritten without compression: cached lz4 chunks must not be used */
    snprintf(cmd, sizeof cmd, "rm -rf %s/img.zarr && cp -r %s/codec_none.zarr %s/img.zarr", data,
             tu_fixtures(), data);
    assert_int_equal(system(cmd), 0);
    ome_stats st = {0};
    s = open_cached(src, dir, 1 << 30, false, &st);
    if (read_and_check(s, "img", "codec_none", &err) != OME_OK)
        fail_msg("%s", err.msg);
    ome_store_close(s);
    assert_int_equal(get(&st.disk_hits), 0);
    tu_rmtree(data);
    tu_rmtree(dir);
}

/* Writes array NAME (4 uint8, one uncompressed chunk of `first`, 1, 2, 3) under dir; `fill`
 * makes its metadata differ. */
static void write_tiny_array(const char *dir, const char *name, int first, int fill)
{
    char key[512], zarray[256];
    snprintf(zarray, sizeof zarray,
             "{\"zarr_format\": 2, \"shape\": [4], \"chunks\": [4], \"dtype\": \"|u1\", "
             "\"compressor\": null, \"filters\": null, \"fill_value\": %d, \"order\": \"C\"}",
             fill);
    snprintf(key, sizeof key, "%s/.zarray", name);
    tu_write_text(dir, key, zarray);
    uint8_t chunk[4] = {(uint8_t)first, 1, 2, 3};
    snprintf(key, sizeof key, "%s/0", name);
    tu_write_file(dir, key, chunk, sizeof chunk);
}

/* Reads array NAME's metadata then its chunk through s; returns the chunk's first byte. */
static int read_tiny_array(ome_store *s, const char *name)
{
    char meta[512], chunk[512];
    snprintf(meta, sizeof meta, "%s/.zarray", name);
    snprintf(chunk, sizeof chunk, "%s/0", name);
    ome_buf b = {0};
    ome_err err = {0};
    if (ome_store_get(s, meta, &b, &err) != OME_OK || ome_store_get(s, chunk, &b, &err) != OME_OK)
        fail_msg("%s: %s", name, err.msg);
    assert_int_equal(b.len, 4);
    int first = b.data[0];
    ome_buf_free(&b);
    return first;
}

/* A plate's worth of arrays (300, more than any fixed table held): the last one, rewritten
 * with new metadata, gets its new chunk after a remount, never the cached old one. */
static void rewritten_array_never_mixes_past_many_arrays(void **state)
{
    (void)state;
    char *data = tu_mkdtemp(), *dir = tu_mkdtemp(), name[32];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "a%d", i);
        write_tiny_array(data, name, i % 200, 0);
    }
    ome_store *s = open_cached(data, dir, 1 << 30, false, NULL);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "a%d", i);
        assert_int_equal(read_tiny_array(s, name), i % 200);
    }
    ome_store_close(s);
    write_tiny_array(data, "a299", 250, 1);
    s = open_cached(data, dir, 1 << 30, false, NULL);
    for (int i = 0; i < 299; i++) {
        snprintf(name, sizeof name, "a%d", i);
        assert_int_equal(read_tiny_array(s, name), i % 200);
    }
    assert_int_equal(read_tiny_array(s, "a299"), 250);
    ome_store_close(s);
    tu_rmtree(data);
    tu_rmtree(dir);
}

/* Two HTTP sources that differ only in their query (…?v=1, …?v=2: the test server serves a
 * different folder for each) keep apart in one cache directory. */
static void sources_differing_by_query_keep_apart(void **state)
{
    (void)state;
    const char *base = tu_server("OMEFS_TEST_HTTP");
    if (!base)
        skip();
    tu_write_text(tu_fixtures(), "versions/v1/img.zarr/0/0", "one");
    tu_write_text(tu_fixtures(), "versions/v2/img.zarr/0/0", "two");
    char *dir = tu_mkdtemp(), src[4096];
    const char *want[] = {"one", "two", "one"};
    for (int v = 0; v < 3; v++) {
        snprintf(src, sizeof src, "%s/versioned/img.zarr?v=%d", base, v % 2 + 1);
        ome_store *s = open_cached(src, dir, 1 << 30, false, NULL);
        ome_buf b = {0};
        ome_err err = {0};
        if (ome_store_get(s, "0/0", &b, &err) != OME_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(b.len, 3);
        assert_memory_equal(b.data, want[v], 3);
        tu_assert_lacks(s->root, "v=");
        ome_buf_free(&b);
        ome_store_close(s);
    }
    tu_rmtree(dir);
}

/* A chunk whose bytes arrive damaged (here a zlib stream cut short) fails to decode; it is
 * fetched again from the source, and no cache keeps the damaged copy: once the source serves it
 * whole, the same store and a later one on the same cache directory read it right. */
static void damaged_bodies_do_not_stick(void **state)
{
    (void)state;
    char *data = tu_mkdtemp(), *dir = tu_mkdtemp();
    tu_write_text(data, "img/.zarray",
                  "{\"zarr_format\": 2, \"shape\": [4096], \"chunks\": [4096], \"dtype\": \"|u1\", "
                  "\"compressor\": {\"id\": \"zlib\", \"level\": 1}, \"filters\": null, "
                  "\"fill_value\": 0, \"order\": \"C\"}");
    uint8_t raw[4096], packed[8192];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 7 + i / 100);
    uLongf plen = sizeof packed;
    assert_int_equal(compress2(packed, &plen, raw, sizeof raw, 1), Z_OK);
    tu_write_file(data, "img/0", packed, plen / 2); /* cut short */
    for (int round = 0; round < 3; round++) {
        ome_stats st = {0};
        ome_store *s = open_cached(data, dir, 1 << 30, false, &st);
        ome_zarr_array *a;
        ome_err err = {0};
        if (ome_zarr_array_open(s, "img", &a, &err))
            fail_msg("%s", err.msg);
        for (int again = 0; again < 2; again++) {
            ome_zarr_chunk c = {.idx = {0}};
            ome_zarr_get_chunks(s, a, &c, 1, NULL);
            if (round == 0 && again == 0) {
                assert_true(c.status < 0); /* damaged at the source too: an error */
                tu_write_file(data, "img/0", packed, plen); /* the source is healthy again */
                continue;
            }
            if (c.status != OME_OK)
                fail_msg("round %d: %s", round, c.err.msg);
            assert_memory_equal(c.data, raw, sizeof raw);
            free(c.data);
        }
        ome_zarr_array_free(a);
        ome_store_close(s);
    }
    tu_rmtree(data);
    tu_rmtree(dir);
}

static void refuses_a_file_as_directory(void **state)
{
    (void)state;
    char *top = tu_mkdtemp(), path[4096];
    tu_write_text(top, "file", "x");
    snprintf(path, sizeof path, "%s/file", top);
    ome_store *inner, *s;
    ome_err err;
    assert_int_equal(ome_source_open_address(top, NULL, &inner, &err), OME_OK);
    ome_disk_cache_opts o = {.classify = ome_zarr_key_kind, .dir = path, .cap_bytes = 1 << 20};
    assert_true(ome_disk_cache_open(inner, &o, &s, &err) < 0);
    tu_assert_contains(err.msg, path);
    tu_rmtree(top);
}

/* The cache directory is opened once and used through that descriptor: swapped under the
 * mount, the swapped-in one is never written or read. A directory in a folder that another
 * user could write to is refused, naming it; without any home the default is none (never a
 * shared place like /tmp). */
static void swapped_or_shared_directories_are_refused(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *top = tu_mkdtemp(), dir[4096], old[4096], src[4096], shared[4096];
    snprintf(dir, sizeof dir, "%s/cache", top);
    snprintf(old, sizeof old, "%s/cache.old", top);
    snprintf(src, sizeof src, "%s/axes_2d.zarr", url);
    ome_stats st = {0};
    ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
    ome_buf b = {0};
    ome_err err;
    assert_int_equal(ome_store_get(s, ".zattrs", &b, &err), OME_OK);
    entry_path e[64];
    size_t before = list_entries(dir, e, 64);
    assert_true(before > 0);
    assert_int_equal(rename(dir, old), 0); /* the swap */
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(ome_store_get(s, "0/.zarray", &b, &err), OME_OK);
    ome_buf_free(&b);
    ome_store_close(s);
    assert_int_equal(list_entries(old, e, 64), before + 1); /* written where it was opened */
    char v2[4200];
    snprintf(v2, sizeof v2, "%s/v2", dir);
    assert_int_not_equal(access(v2, F_OK), 0); /* the swapped-in directory untouched */

    snprintf(shared, sizeof shared, "%s/shared", top);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 0777), 0); /* writable by all, not sticky */
    snprintf(dir, sizeof dir, "%s/cache", shared);
    ome_store *inner;
    assert_int_equal(ome_source_open_address(src, NULL, &inner, &err), OME_OK);
    ome_disk_cache_opts o = {.classify = ome_zarr_key_kind, .dir = dir, .cap_bytes = 1 << 20};
    assert_int_equal(ome_disk_cache_open(inner, &o, &s, &err), OME_EDENIED);
    tu_assert_contains(err.msg, shared);
    tu_assert_contains(err.msg, "another user");
    tu_rmtree(top);

    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    unsetenv("HOME");
    unsetenv("XDG_CACHE_HOME");
    char def[4096];
    if (ome_disk_cache_default_dir(def, sizeof def))
        tu_assert_lacks(def, "/tmp");
    else
        assert_string_equal(def, "");
    if (home)
        setenv("HOME", home, 1);
    if (xdg)
        setenv("XDG_CACHE_HOME", xdg, 1);
    free(home);
    free(xdg);
}

/* A listing of the root's folders is kept: offline, the same names; a cache that never listed
 * says so. */
static void listings_are_kept_for_offline(void **state)
{
    (void)state;
    char *src = tu_mkdtemp(), *cache = tu_mkdtemp(), *empty = tu_mkdtemp();
    tu_write_text(src, "b.zarr/.zattrs", "{}");
    tu_write_text(src, "a.zarr/.zattrs", "{}");
    ome_store *inner, *s;
    ome_err err = {0};
    char **names;
    int n;
    for (int round = 0; round < 3; round++) { /* online, then offline, then never listed */
        assert_int_equal(ome_source_open_address(src, NULL, &inner, &err), OME_OK);
        ome_disk_cache_opts o = {.classify = ome_zarr_key_kind, .dir = round < 2 ? cache : empty, .cap_bytes = 1 << 20,
                                 .offline = round > 0};
        assert_int_equal(ome_disk_cache_open(inner, &o, &s, &err), OME_OK);
        if (round == 1) { /* gone from the source: offline never looks */
            char gone[4200];
            snprintf(gone, sizeof gone, "%s/a.zarr", src);
            tu_rmtree(strdup(gone));
        }
        int rc = ome_store_list_dirs(s, "", &names, &n, &err);
        if (round < 2) {
            assert_int_equal(rc, OME_OK);
            assert_int_equal(n, 2);
            assert_string_equal(names[0], "a.zarr");
            assert_string_equal(names[1], "b.zarr");
            ome_store_names_free(names, n);
        } else {
            assert_int_equal(rc, OME_EUNSUPPORTED);
            tu_assert_contains(err.msg, "never listed online");
        }
        ome_store_close(s);
    }
    tu_rmtree(src);
    tu_rmtree(cache);
    tu_rmtree(empty);
}

typedef struct {
    int calls[3];
    double at[3];
    size_t len[3];
    uint32_t crc[3];
} arrivals;

static void note_arrival(ome_store_req *r, void *ctx)
{
    arrivals *a = ctx;
    int i = r->key[strlen(r->key) - 1] - '0'; /* keys end in 0, 1, 2 */
    a->calls[i]++;
    a->at[i] = ome_now();
    a->len[i] = r->status == OME_OK ? r->body.len : 0;
    a->crc[i] = (uint32_t)crc32(0, r->body.data, (uInt)r->body.len);
}

/* A batch hands each request to its caller as soon as it is final (on_done), through the disk
 * cache and the HTTP store: a fast chunk while a slow one is still on its way, with the bytes
 * the server holds, once each; then again from the entries kept, and an absent one too. */
static void requests_are_passed_on_as_they_come(void **state)
{
    (void)state;
    const char *url = http_or_skip();
    char *dir = tu_mkdtemp(), src[4096], got[64];
    snprintf(src, sizeof src, "%s/codec_lz4.zarr", url);
    const char *keys[3] = {"0/0.0.0", "0/0.0.1", "0/9.9.2"}; /* the last one is absent */
    uint32_t want[2];
    size_t want_len[2];
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/codec_lz4.zarr/%s", tu_fixtures(), keys[i]);
        uint8_t *b = tu_read_file(path, &want_len[i]);
        want[i] = (uint32_t)crc32(0, b, (uInt)want_len[i]);
        free(b);
    }
    tu_control("/_control/set?slow=codec_lz4.zarr/0/0.0.1&slow_ms=1500", got, sizeof got);
    for (int round = 0; round < 2; round++) { /* from the source, then from the entries */
        ome_stats st = {0};
        ome_store *s = open_cached(src, dir, 1 << 30, false, &st);
        arrivals a = {0};
        ome_store_req reqs[3] = {{0}};
        for (int i = 0; i < 3; i++)
            reqs[i] = (ome_store_req){.key = keys[i], .range = OME_RANGE_ALL,
                                      .on_done = note_arrival, .on_done_ctx = &a};
        assert_int_equal(ome_store_get_many(s, reqs, 3), OME_OK);
        double returned = ome_now();
        for (int i = 0; i < 3; i++) {
            assert_int_equal(a.calls[i], 1);
            assert_null(reqs[i].on_done);
        }
        for (int i = 0; i < 2; i++) {
            assert_int_equal(reqs[i].status, OME_OK);
            assert_int_equal(a.len[i], want_len[i]);
            assert_int_equal(a.crc[i], want[i]);
        }
        assert_int_equal(reqs[2].status, OME_ABSENT);
        if (round == 0) /* the fast one came long before the slow one */
            assert_true(returned - a.at[0] > 1.0);
        else
            assert_int_equal(get(&st.disk_hits), 3);
        ome_store_reqs_free(reqs, 3);
        ome_store_close(s);
    }
    tu_control("/_control/set?slow=", got, sizeof got);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(second_open_needs_no_chunk_request),
        cmocka_unit_test(metadata_confirmed_recently_is_trusted),
        cmocka_unit_test(written_behind_entries_land_at_close),
        cmocka_unit_test(corrupt_entries_are_refetched),
        cmocka_unit_test(non_files_in_an_entrys_place_are_passed_over),
        cmocka_unit_test(eviction_keeps_the_cap),
        cmocka_unit_test(offline_serves_from_the_cache_only),
        cmocka_unit_test(entries_stay_inside_and_private),
        cmocka_unit_test(two_caches_share_a_directory),
        cmocka_unit_test(rewritten_array_never_mixes),
        cmocka_unit_test(rewritten_array_never_mixes_past_many_arrays),
        cmocka_unit_test(sources_differing_by_query_keep_apart),
        cmocka_unit_test(damaged_bodies_do_not_stick),
        cmocka_unit_test(refuses_a_file_as_directory),
        cmocka_unit_test(swapped_or_shared_directories_are_refused),
        cmocka_unit_test(listings_are_kept_for_offline),
        cmocka_unit_test(requests_are_passed_on_as_they_come),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
