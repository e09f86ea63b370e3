/* Unit tests of store_zip on archives built here, held by an in-memory store: entries found
 * while another request loads the rest of a "jsonFirst" directory, sizes that overflow the
 * archive's offsets, and deflated entries whose CRC-32 is not the directory's. */
#include "testutil.h"

#include "store/store_backend.h"
#include "store/store_zip.h"

#include <zlib.h>

/* An in-memory archive as a store; before answering a batch, `hook` is called once when set. */
typedef struct {
    ome_store base;
    ome_buf bytes;
    void (*hook)(void);
    uint64_t served; /* bytes answered */
} mem_store;

static int mem_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    mem_store *m = (mem_store *)s;
    if (n && m->hook) {
        void (*hook)(void) = m->hook;
        m->hook = NULL;
        hook();
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t off, len;
        ome_store_req_part(&reqs[i], m->bytes.len, &off, &len);
        ome_buf_free(&reqs[i].body);
        reqs[i].status = ome_buf_append(&reqs[i].body, m->bytes.data + off, (size_t)len);
        m->served += len;
    }
    return OME_OK;
}

static void mem_destroy(ome_store *s)
{
    ome_buf_free(&((mem_store *)s)->bytes);
    free(s->root);
    free(s);
}

static const ome_store_ops mem_ops = {mem_get_many, mem_destroy, NULL};

static mem_store *mem_open(void)
{
    mem_store *m = calloc(1, sizeof *m);
    m->base.ops = &mem_ops;
    m->base.root = strdup("mem:test.ozx");
    return m;
}

typedef struct {
    const char *name;
    const void *data;
    size_t len;       /* of data as stored (deflated bytes for method 8) */
    uint16_t method;
    uint32_t crc;
    uint64_t usize;
    uint64_t csize64; /* non-zero: the directory's compressed size, in a ZIP64 field */
} zent;

static void put16(ome_buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    ome_buf_append(b, p, 2);
}

static void put32(ome_buf *b, uint32_t v)
{
    put16(b, (uint16_t)v);
    put16(b, (uint16_t)(v >> 16));
}

static void put64(ome_buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

/* Local headers (with `lfh_extra` zero bytes of extra field) and data, the directory, the end
 * record with `comment`. */
static void build_zip(ome_buf *z, const zent *es, size_t n, size_t lfh_extra, const char *comment)
{
    uint64_t *offs = calloc(n, sizeof *offs);
    for (size_t i = 0; i < n; i++) {
        offs[i] = z->len;
        size_t nl = strlen(es[i].name);
        put32(z, 0x04034b50u), put16(z, 20), put16(z, 0), put16(z, es[i].method);
        put32(z, 0), put32(z, es[i].crc), put32(z, (uint32_t)es[i].len);
        put32(z, (uint32_t)es[i].usize), put16(z, (uint16_t)nl), put16(z, (uint16_t)lfh_extra);
        ome_buf_append(z, es[i].name, nl);
        for (size_t k = 0; k < lfh_extra; k++)
            ome_buf_append(z, "", 1);
        ome_buf_append(z, es[i].data, es[i].len);
    }
    uint64_t cd_off = z->len;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(es[i].name);
        put32(z, 0x02014b50u), put16(z, 20), put16(z, 20), put16(z, 0), put16(z, es[i].method);
        put32(z, 0), put32(z, es[i].crc);
        put32(z, es[i].csize64 ? 0xffffffffu : (uint32_t)es[i].len);
        put32(z, (uint32_t)es[i].usize), put16(z, (uint16_t)nl);
        put16(z, es[i].csize64 ? 12 : 0), put16(z, 0), put16(z, 0), put16(z, 0), put32(z, 0);
        put32(z, (uint32_t)offs[i]);
        ome_buf_append(z, es[i].name, nl);
        if (es[i].csize64)
            put16(z, 1), put16(z, 8), put64(z, es[i].csize64);
    }
    uint64_t cd_size = z->len - cd_off;
    put32(z, 0x06054b50u), put16(z, 0), put16(z, 0), put16(z, (uint16_t)n), put16(z, (uint16_t)n);
    put32(z, (uint32_t)cd_size), put32(z, (uint32_t)cd_off), put16(z, (uint16_t)strlen(comment));
    ome_buf_append(z, comment, strlen(comment));
    free(offs);
}

static const char *json_first =
    "{\"ome\": {\"version\": \"0.5\", \"zipFile\": {\"centralDirectory\": {\"jsonFirst\": true}}}}";

static ome_store *g_zip;

/* A request for a chunk beyond the first part of the directory: loads the rest of it. */
static void read_last_chunk(void)
{
    ome_buf b = {0};
    ome_err err;
    assert_int_equal(ome_store_get(g_zip, "c/3999", &b, &err), OME_OK);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "3999", 4);
    ome_buf_free(&b);
}

enum { N = 4001 };
typedef struct {
    zent es[N];
    char names[N][16], data[N][8];
} many_entries;

/* zarr.json and chunks c/0 … c/3999 of 4 bytes: a directory of several parts. */
static many_entries *chunk_entries(void)
{
    many_entries *me = calloc(1, sizeof *me);
    me->es[0] = (zent){.name = "zarr.json", .data = "{\"a\":1}", .len = 7};
    for (size_t i = 1; i < N; i++) {
        snprintf(me->names[i], sizeof me->names[i], "c/%zu", i - 1);
        snprintf(me->data[i], sizeof me->data[i], "%04zu", i - 1);
        me->es[i] = (zent){.name = me->names[i], .data = me->data[i], .len = 4};
    }
    for (size_t i = 0; i < N; i++) {
        me->es[i].usize = me->es[i].len;
        me->es[i].crc = (uint32_t)crc32(0, me->es[i].data, (uInt)me->es[i].len);
    }
    return me;
}

/* An entry found before another request loads the rest of the directory (which moves the
 * entries in memory) is still read whole and right. */
static void entry_survives_loading_the_rest(void **state)
{
    (void)state;
    many_entries *me = chunk_entries();
    mem_store *m = mem_open();
    build_zip(&m->bytes, me->es, N, 0, json_first);
    ome_err err;
    assert_int_equal(ome_store_zip_open(&m->base, "", &g_zip, &err), OME_OK);
    m->hook = read_last_chunk; /* while zarr.json's bytes are on their way */
    ome_buf b = {0};
    assert_int_equal(ome_store_get(g_zip, "zarr.json", &b, &err), OME_OK);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "{\"a\":1}", 7);
    ome_buf_free(&b);
    /* a part of a stored entry, whose local header is read first */
    m->hook = NULL;
    ome_store_req r = {.key = "c/1234", .range = OME_RANGE_SPAN, .off = 1, .len = 2};
    ome_store_get_many(g_zip, &r, 1);
    assert_int_equal(r.status, OME_OK);
    assert_memory_equal(r.body.data, "23", 2);
    ome_store_reqs_free(&r, 1);
    ome_store_close(g_zip);
    free(me);
}

/* A directory damaged beyond its first part: said for a key looked for there, and not read
 * again for the next one. */
static void damaged_directory_read_once(void **state)
{
    (void)state;
    many_entries *me = chunk_entries();
    mem_store *m = mem_open();
    build_zip(&m->bytes, me->es, N, 0, json_first);
    /* the signature of the last directory entry */
    uint8_t *last = (uint8_t *)memmem(m->bytes.data + m->bytes.len - 200, 200, "PK\1\2", 4);
    assert_non_null(last);
    last[0] = 'X';
    ome_store *zip;
    ome_err err;
    assert_int_equal(ome_store_zip_open(&m->base, "", &zip, &err), OME_OK);
    ome_buf b = {0};
    assert_int_equal(ome_store_get(zip, "c/absent", &b, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "the central directory is damaged");
    uint64_t served = m->served;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ome_store_get(zip, "c/absent", &b, &err), OME_EINVAL);
        tu_assert_contains(err.msg, "the central directory is damaged");
    }
    assert_int_equal(m->served, served);
    /* entries before the damage are read */
    assert_int_equal(ome_store_get(zip, "c/3000", &b, &err), OME_OK);
    assert_memory_equal(b.data, "3000", 4);
    ome_buf_free(&b);
    ome_store_close(zip);
    free(me);
}

/* A ZIP64 compressed size near 2^64, chosen so that offset + size wraps to within the archive:
 * an error naming the entry, no allocation of that size. */
static void refuses_sizes_beyond_the_archive(void **state)
{
    (void)state;
    /* first entry: so the second's header is not at 0; second: local extra of 64 bytes, the
     * read slack, which makes header + size wrap to exactly what was read */
    uint64_t wrap = UINT64_MAX - (30 + 1 + 64) + 1 + 40;
    zent es[2] = {
        {.name = "pad.bin", .data = "0123456789012345678901234567890123456789", .len = 40},
        {.name = "x", .data = "abcdefghij", .len = 10, .method = 8, .usize = 5,
         .csize64 = wrap},
    };
    es[0].usize = 40;
    es[0].crc = (uint32_t)crc32(0, es[0].data, 40);
    mem_store *m = mem_open();
    build_zip(&m->bytes, es, 2, 64, "");
    ome_store *zip;
    ome_err err;
    assert_int_equal(ome_store_zip_open(&m->base, "", &zip, &err), OME_OK);
    for (int pass = 0; pass < 2; pass++) {
        ome_buf b = {0};
        assert_int_not_equal(ome_store_get(zip, "x", &b, &err), OME_OK);
        tu_assert_contains(err.msg, "mem:test.ozx/x");
        ome_buf_free(&b);
    }
    ome_store_close(zip);
}

/* A deflated entry that decodes to the stated size but not to the directory's CRC-32. */
static void checks_crc_of_deflated_entries(void **state)
{
    (void)state;
    const char *plain = "hello hello hello hello";
    uint8_t packed[128];
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)plain;
    zs.avail_in = (uInt)strlen(plain);
    zs.next_out = packed;
    zs.avail_out = sizeof packed;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t plen = sizeof packed - zs.avail_out;
    deflateEnd(&zs);
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)plain, (uInt)strlen(plain));
    zent es[2] = {
        {.name = "good", .data = packed, .len = plen, .method = 8, .usize = strlen(plain),
         .crc = crc},
        {.name = "bad", .data = packed, .len = plen, .method = 8, .usize = strlen(plain),
         .crc = crc ^ 1},
    };
    mem_store *m = mem_open();
    build_zip(&m->bytes, es, 2, 0, "");
    ome_store *zip;
    ome_err err;
    assert_int_equal(ome_store_zip_open(&m->base, "", &zip, &err), OME_OK);
    ome_buf b = {0};
    assert_int_equal(ome_store_get(zip, "good", &b, &err), OME_OK);
    assert_memory_equal(b.data, plain, strlen(plain));
    ome_buf_free(&b);
    assert_int_equal(ome_store_get(zip, "bad", &b, &err), OME_EINVAL);
    tu_assert_contains(err.msg, "CRC-32");
    ome_buf_free(&b);
    ome_store_close(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_survives_loading_the_rest),
        cmocka_unit_test(damaged_directory_read_once),
        cmocka_unit_test(refuses_sizes_beyond_the_archive),
        cmocka_unit_test(checks_crc_of_deflated_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
