/* Unit tests of pool: every index runs exactly once — for empty, single and large tasks, with no
 * pool, with a pool of no threads, and with several callers sharing one pool at once. */
#include "testutil.h"

#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct {
    _Atomic int *hits;
} count_ctx;

static void count_one(void *ctx, size_t i)
{
    count_ctx *c = ctx;
    atomic_fetch_add(&c->hits[i], 1);
}

static void check_once(ome_pool *p, size_t n)
{
    _Atomic int *hits = calloc(n ? n : 1, sizeof *hits);
    count_ctx c = {hits};
    ome_pool_for(p, n, count_one, &c);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&hits[i]), 1);
    free(hits);
}

static void every_index_once(void **state)
{
    (void)state;
    ome_pool *p = ome_pool_new(3);
    assert_non_null(p);
    size_t sizes[] = {0, 1, 2, 7, 1000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        check_once(p, sizes[k]);
    ome_pool_free(p);
    check_once(NULL, 100);     /* no pool: serial */
    p = ome_pool_new(0);       /* a pool without threads */
    check_once(p, 100);
    ome_pool_free(p);
}

static void *caller(void *arg)
{
    for (int round = 0; round < 50; round++)
        check_once(arg, 257);
    return NULL;
}

static void concurrent_callers(void **state)
{
    (void)state;
    ome_pool *p = ome_pool_new(2);
    pthread_t th[6];
    for (int i = 0; i < 6; i++)
        pthread_create(&th[i], NULL, caller, p);
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    ome_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_index_once),
        cmocka_unit_test(concurrent_callers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
