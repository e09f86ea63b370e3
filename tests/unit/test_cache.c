/* Unit tests of cache: eviction under the byte cap, hits on re-reads, and single-flight —
 * concurrent cold readers of one region make exactly one request per chunk (counted in the
 * real nginx's access log). */
#include "testutil.h"

#include "cache.h"
#include "image.h"

#include <pthread.h>

static ome_image *open_img(const char *root, const char *name, ome_store **store)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/%s.zarr", root, name);
    ome_err err;
    assert_int_equal(ome_store_open(src, NULL, store, &err), OME_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evicts_under_cap_and_stays_exact),
        cmocka_unit_test(single_flight_one_request_per_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
