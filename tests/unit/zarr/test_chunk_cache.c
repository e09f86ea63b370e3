/* Unit tests of cache: eviction under the byte cap, hits on re-reads, scan resistance (a stream
 * keeps only a short window of what it read past, and never pushes out chunks read at random),
 * and single-flight — concurrent cold readers of one region make exactly one request per chunk
 * (counted in the real nginx's access log). */
#include "testutil.h"
#include "tree/source.h"

#include "zarr/chunk_cache.h"
#include "image/image.h"

#include <pthread.h>
#include <stdatomic.h>

static ome_image *open_img(const char *root, const char *name, ome_store **store)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/%s.zarr", root, name);
    ome_err err;
    assert_int_equal(ome_source_open_address(src, NULL, store, &err), OME_OK);
    ome_image *img;
    if (ome_image_open(*store, "", name, &img, &err))
        fail_msg("%s", err.msg);
    return img;
}

static void evicts_under_cap_and_stays_exact(void **state)
{
    (void)state;
    ome_store *s;
    ome_image *img = open_img(tu_fixtures(), "odd_700x900", &s);
    size_t chunk = 200 * 300 * 2;
    ome_chunk_cache *c = ome_cache_new(3 * chunk, NULL);
    ome_image *plain;
    ome_store *s2;
    plain = open_img(tu_fixtures(), "odd_700x900", &s2);
    img->cache = c;
    uint16_t *a = malloc(700 * 900 * 2), *b = malloc(700 * 900 * 2);
    ome_err err;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 0, 0, 700, 900, a, &err), 0);
        assert_int_equal(ome_image_read_region(plain, 0, 0, 0, 0, 0, 0, 700, 900, b, &err), 0);
        assert_memory_equal(a, b, 700 * 900 * 2);
    }
    ome_cache_stats st;
    ome_cache_get_stats(c, &st);
    assert_true(st.bytes <= 3 * chunk);
    assert_true(st.evictions > 0);
    /* re-reading one chunk's region hits */
    uint64_t hits = st.hits;
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 0, 0, 10, 10, a, &err), 0);
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, 5, 5, 10, 10, a, &err), 0);
    ome_cache_get_stats(c, &st);
    assert_true(st.hits > hits);
    free(a);
    free(b);
    ome_image_free(img);
    ome_image_free(plain);
    ome_cache_free(c);
    ome_store_close(s);
    ome_store_close(s2);
}

/* Shard indexes count against the cache's cap (at most half of it) and take the place of
 * chunks: reading a sharded image through a cache of two inner chunks holds no more than that,
 * and every pixel is still right (an index that does not fit is fetched again when needed). */
static void shard_indexes_count_against_the_cap(void **state)
{
    (void)state;
    ome_store *s, *s2;
    ome_image *img = open_img(tu_fixtures(), "v05_sharded_end", &s);
    ome_image *plain = open_img(tu_fixtures(), "v05_sharded_end", &s2);
    size_t cap = 2 * 16 * 32 * 2; /* two inner chunks; the 12 indexes take 128 bytes each */
    for (int k = 0; k < 2; k++) {
        ome_chunk_cache *c = ome_cache_new(k ? 64 << 10 : cap, NULL);
        img->cache = c;
        uint16_t a[100 * 130], b[100 * 130];
        ome_err err;
        for (int ch = 0; ch < 2; ch++) {
            assert_int_equal(ome_image_read_region(img, 0, 0, ch, 0, 0, 0, 100, 130, a, &err), 0);
            assert_int_equal(ome_image_read_region(plain, 0, 0, ch, 0, 0, 0, 100, 130, b, &err),
                             0);
            assert_memory_equal(a, b, sizeof a);
        }
        ome_cache_stats st;
        ome_cache_get_stats(c, &st);
        if (k == 0) {
            assert_true(st.index_bytes <= cap / 2);
            assert_true(st.bytes <= cap);
        } else {
            assert_int_equal(st.index_bytes, 11 * 8 * 16); /* room: every index (1 shard absent) */
        }
        img->cache = NULL;
        ome_cache_free(c);
    }
    ome_image_free(img);
    ome_image_free(plain);
    ome_store_close(s);
    ome_store_close(s2);
}

/* Misses a RANDOM read of the 200 x 300 chunk at chunk row gy, column gx adds. */
static uint64_t misses_reading(ome_image *img, ome_chunk_cache *c, int gy, int gx)
{
    ome_cache_stats st;
    ome_cache_get_stats(c, &st);
    uint64_t before = st.misses;
    uint16_t px[4];
    ome_err err;
    assert_int_equal(ome_image_read_region(img, 0, 0, 0, 0, gy * 200u, gx * 300u, 2, 2, px, &err),
                     OME_OK);
    ome_cache_get_stats(c, &st);
    return st.misses - before;
}

static void streams_keep_a_short_window_and_spare_random_reads(void **state)
{
    (void)state;
    ome_store *s, *s2;
    ome_image *img = open_img(tu_fixtures(), "odd_700x900", &s);
    ome_image *plain = open_img(tu_fixtures(), "odd_700x900", &s2);
    size_t chunk = 200 * 300 * 2; /* 4 x 3 chunks, one band of 3 per 200 rows */
    ome_chunk_cache *c = ome_cache_new(64 << 20, NULL);
    ome_cache_set_stream_keep(c, chunk);
    img->cache = c;
    ome_err err;
    /* A viewer looks at chunk (3, 2); then a stream walks the plane band by band, the first
     * band loaded ahead of it. */
    assert_int_equal(misses_reading(img, c, 3, 2), 1);
    ome_chunk_list l = {0};
    assert_int_equal(ome_image_region_chunks(img, 0, 0, 0, 0, 0, 0, 200, 900, &l, &err), OME_OK);
    assert_int_equal(ome_image_load_chunks(img, &l, OME_ACCESS_AHEAD, &err), OME_OK);
    ome_chunk_list_free(&l);
    uint16_t *band = malloc(200 * 900 * 2), *ref = malloc(200 * 900 * 2);
    for (uint64_t y = 0; y < 700; y += 200) {
        uint64_t h = 700 - y < 200 ? 700 - y : 200;
        assert_int_equal(ome_image_read_region_as(img, 0, 0, 0, 0, y, 0, h, 900, band,
                                                  OME_ACCESS_STREAM, &err), OME_OK);
        assert_int_equal(ome_image_read_region(plain, 0, 0, 0, 0, y, 0, h, 900, ref, &err), 0);
        assert_memory_equal(band, ref, h * 900 * 2);
    }
    ome_cache_stats st;
    ome_cache_get_stats(c, &st);
    /* one band touched per read: twice that is kept of what the stream read past */
    assert_true(st.stream_bytes <= 2 * 3 * chunk);
    assert_true(st.stream_evictions >= 12 - 1 - 6);
    assert_int_equal(misses_reading(img, c, 3, 2), 0); /* the viewer's chunk stayed */
    assert_int_equal(misses_reading(img, c, 0, 0), 1); /* the stream's first band left */
    assert_int_equal(misses_reading(img, c, 2, 1), 0); /* its last bands are in the window */
    /* A chunk read at random after the stream read it is the viewer's now: another pass of the
     * stream keeps it. */
    for (uint64_t y = 0; y < 700; y += 200) {
        uint64_t h = 700 - y < 200 ? 700 - y : 200;
        assert_int_equal(ome_image_read_region_as(img, 0, 0, 0, 0, y, 0, h, 900, band,
                                                  OME_ACCESS_STREAM, &err), OME_OK);
    }
    assert_int_equal(misses_reading(img, c, 0, 0), 0);
    free(band);
    free(ref);
    ome_image_free(img);
    ome_image_free(plain);
    ome_cache_free(c);
    ome_store_close(s);
    ome_store_close(s2);
}

typedef struct {
    ome_image *img;
    int ok;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *r = p;
    uint16_t *buf = malloc(64 * 50 * 2);
    ome_err err;
    r->ok = 1;
    for (uint64_t z = 0; z < 3; z++)
        if (ome_image_read_region(r->img, 0, 0, 0, z, 0, 0, 64, 50, buf, &err))
            r->ok = 0;
    free(buf);
    return NULL;
}

static void single_flight_one_request_per_chunk(void **state)
{
    (void)state;
    const char *url = tu_server("OMEFS_TEST_HTTP");
    if (!url || !tu_server("OMEFS_TEST_NGINX_DIR"))
        skip();
    ome_store *s;
    ome_image *img = open_img(url, "codec_lz4", &s); /* 3 × 64 × 50, chunks 2 × 30 × 20 */
    ome_pool *pool = ome_pool_new(3); /* decoding on workers too */
    ome_chunk_cache *c = ome_cache_new(64 << 20, pool);
    img->cache = c;
    size_t before = tu_count_in_log("GET /codec_lz4.zarr/0/");
    pthread_t th[8];
    reader_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i].img = img;
        pthread_create(&th[i], NULL, reader, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].ok);
    }
    size_t requests = tu_count_in_log("GET /codec_lz4.zarr/0/") - before;
    /* chunks: z 0..1 and 2 → 2 z-chunks × 3 y-chunks × 3 x-chunks = 18 */
    assert_int_equal(requests, 18);
    ome_cache_stats st;
    ome_cache_get_stats(c, &st);
    assert_int_equal(st.misses, 18);
    ome_image_free(img);
    ome_cache_free(c);
    ome_pool_free(pool);
    ome_store_close(s);
}

typedef struct {
    ome_image *img;
    int x, w; /* columns read: [x, x + w) of rows [0, 10) of plane 0 */
    ome_access access;
    _Atomic int done;
    int rc;
} region_reader;

static void *read_columns(void *p)
{
    region_reader *r = p;
    uint16_t buf[10 * 40];
    ome_err err;
    r->rc = ome_image_read_region_as(r->img, 0, 0, 0, 0, 0, (uint64_t)r->x, 10, (uint64_t)r->w,
                                     buf, r->access, &err);
    atomic_store(&r->done, 1);
    return NULL;
}

/* A chunk read-ahead is loading is given to a reader waiting for it as soon as it is in, not
 * when the rest of read-ahead's batch is: a reader of chunk 0.0.0 is not held up by the slow
 * chunk 0.0.1 that read-ahead asked for with it. */
static void a_chunk_is_shared_as_soon_as_it_is_in(void **state)
{
    (void)state;
    const char *url = tu_server("OMEFS_TEST_HTTP");
    if (!url || !tu_server("OMEFS_TEST_NGINX_DIR"))
        skip();
    char got[64];
    ome_store *s;
    ome_image *img = open_img(url, "codec_lz4", &s); /* chunks 2 × 30 × 20 */
    ome_chunk_cache *c = ome_cache_new(64 << 20, NULL);
    img->cache = c;
    tu_control("/_control/set?slow=codec_lz4.zarr/0/0.0.1&slow_ms=3000", got, sizeof got);
    region_reader both = {.img = img, .x = 0, .w = 40, .access = OME_ACCESS_AHEAD};
    region_reader first = {.img = img, .x = 0, .w = 10, .access = OME_ACCESS_RANDOM};
    pthread_t a, b;
    pthread_create(&a, NULL, read_columns, &both); /* chunks 0.0.0 and 0.0.1 */
    ome_cache_stats st;
    for (int i = 0; i < 200; i++) { /* until its batch is claimed (the misses are counted) */
        ome_cache_get_stats(c, &st);
        if (st.misses == 2)
            break;
        usleep(10000);
    }
    usleep(200000); /* 0.0.0 has come by now */
    pthread_create(&b, NULL, read_columns, &first); /* chunk 0.0.0 only */
    pthread_join(b, NULL);
    int slow_still_loading = !atomic_load(&both.done);
    pthread_join(a, NULL);
    tu_control("/_control/set?slow=", got, sizeof got);
    assert_int_equal(first.rc, OME_OK);
    assert_int_equal(both.rc, OME_OK);
    assert_true(slow_still_loading);
    ome_cache_get_stats(c, &st);
    assert_int_equal(st.misses, 2); /* 0.0.0 was loaded once, by the first reader */
    ome_image_free(img);
    ome_cache_free(c);
    ome_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evicts_under_cap_and_stays_exact),
        cmocka_unit_test(shard_indexes_count_against_the_cap),
        cmocka_unit_test(streams_keep_a_short_window_and_spare_random_reads),
        cmocka_unit_test(single_flight_one_request_per_chunk),
        cmocka_unit_test(a_chunk_is_shared_as_soon_as_it_is_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
