/* Unit tests of vtiff: layouts (sizes, tile and strip geometry, tags read back by libtiff),
 * reads at every boundary (one byte, spans across segments, past the end), and a 100 000 ×
 * 100 000 × 3-channel, 5-level layout made without any I/O in small memory. */
#include "testutil.h"
#include "zarr/zarr_v2.h"
#include "tree/source.h"

#include "zarr/chunk_cache.h"
#include "vtiff/ome_xml.h"
#include "vtiff/vtiff_layout.h"

#include <math.h>
#include <tiffio.h>

typedef struct {
    ome_store *store;
    ome_image *img;
} fx_t;

static fx_t open_fx(const char *name)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/%s.zarr", tu_fixtures(), name);
    fx_t f;
    ome_err err;
    assert_int_equal(ome_source_open_address(src, NULL, &f.store, &err), OME_OK);
    if (ome_image_open(f.store, "", name, &f.img, &err))
        fail_msg("%s", err.msg);
    return f;
}

static void close_fx(fx_t f)
{
    ome_image_free(f.img);
    ome_store_close(f.store);
}

static uint8_t *read_all(const ome_vtiff *vt)
{
    uint8_t *all = malloc(vt->size);
    ome_err err;
    assert_int_equal(ome_vtiff_read(vt, 0, vt->size, all, &err), (int64_t)vt->size);
    return all;
}

/* Every segment boundary ±3 bytes, single bytes, and reads past the end agree with one whole
 * read. */
static void check_boundaries(const ome_vtiff *vt)
{
    uint8_t *all = read_all(vt);
    uint8_t buf[64];
    ome_err err;
    for (int i = 0; i < vt->nsegs; i++) {
        uint64_t b = vt->segs[i].off;
        for (uint64_t start = b >= 3 ? b - 3 : 0; start < b + 3 && start < vt->size; start++) {
            for (size_t len = 1; len < 9; len += 3) {
                int64_t n = ome_vtiff_read(vt, start, len, buf, &err);
                size_t want = start + len <= vt->size ? len : (size_t)(vt->size - start);
                assert_int_equal(n, (int64_t)want);
                assert_memory_equal(buf, all + start, want);
            }
        }
    }
    assert_int_equal(ome_vtiff_read(vt, vt->size, 10, buf, &err), 0);
    assert_int_equal(ome_vtiff_read(vt, vt->size + 100, 10, buf, &err), 0);
    assert_int_equal(ome_vtiff_read(vt, vt->size - 2, 10, buf, &err), 2);
    free(all);
}

static char *write_temp(const ome_vtiff *vt)
{
    char *path = strdup("/tmp/omefs-vtiff-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t *all = read_all(vt);
    assert_int_equal(write(fd, all, vt->size), (ssize_t)vt->size);
    close(fd);
    free(all);
    return path;
}

static void ome_layout_odd_sizes(void **state)
{
    (void)state;
    fx_t f = open_fx("odd_700x900"); /* chunks 200 × 300: not multiples of 16 → 256 tiles */
    ome_vtiff *vt;
    ome_err err;
    assert_int_equal(ome_vtiff_make_ome(f.img, &vt, &err), OME_OK);
    assert_int_equal(vt->tile_w[0], 256);
    assert_int_equal(vt->tile_h[0], 256);
    /* pixel blocks: level 0 has 3 × 4 tiles, level 1 (350 × 450) 2 × 2 */
    uint64_t tiles = (3 * 4 + 2 * 2) * (256 * 256 * 2);
    const vt_seg *last = &vt->segs[vt->nsegs - 1];
    assert_int_equal(last->kind, VT_SEG_TILES);
    assert_int_equal(vt->size, vt->segs[vt->nsegs - 2].off + tiles);
    assert_int_equal(vt->segs[vt->nsegs - 2].off % 4096, 0);
    check_boundaries(vt);
    char *path = write_temp(vt);
    TIFF *t = TIFFOpen(path, "r");
    assert_non_null(t);
    uint32_t w, h, tw, th;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    assert_int_equal(w, 900);
    assert_int_equal(h, 700);
    assert_int_equal(tw, 256);
    /* tiles start on pages */
    uint64_t *offs, *counts;
    assert_true(TIFFGetField(t, TIFFTAG_TILEOFFSETS, &offs));
    assert_true(TIFFGetField(t, TIFFTAG_TILEBYTECOUNTS, &counts));
    for (int i = 0; i < 12; i++) {
        assert_int_equal(offs[i] % 4096, 0);
        assert_int_equal(counts[i], 256 * 256 * 2);
        if (i > 0)
            assert_int_equal(offs[i], offs[i - 1] + counts[i - 1]);
        /* a tile is a band of its own; the header before the first is none */
        assert_int_equal(ome_vtiff_band_end(vt, offs[i]), offs[i] + counts[i]);
        assert_int_equal(ome_vtiff_band_end(vt, offs[i] + counts[i] - 1), offs[i] + counts[i]);
    }
    assert_int_equal(ome_vtiff_band_end(vt, 0), UINT64_MAX);
    assert_int_equal(ome_vtiff_band_end(vt, vt->size), UINT64_MAX);
    char *desc = NULL;
    assert_true(TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc));
    tu_assert_contains(desc, "SizeX=\"900\" SizeY=\"700\"");
    assert_string_equal(desc + strlen(desc) - 6, "</OME>");
    uint16_t nsub;
    uint64_t *subs;
    assert_true(TIFFGetField(t, TIFFTAG_SUBIFD, &nsub, &subs));
    assert_int_equal(nsub, 1);
    /* a tile read by libtiff equals the gather of that region */
    uint16_t tile[256 * 256], want[256 * 256];
    assert_true(TIFFReadEncodedTile(t, TIFFComputeTile(t, 300, 600, 0, 0), tile, sizeof tile) > 0);
    assert_int_equal(ome_image_read_region(f.img, 0, 0, 0, 0, 512, 256, 188, 256, want, &err), 0);
    for (int y = 0; y < 188; y++)
        assert_memory_equal(tile + y * 256, want + y * 256, 256 * 2);
    for (int y = 188; y < 256; y++) /* padding below the image */
        for (int x = 0; x < 256; x++)
            assert_int_equal(tile[y * 256 + x], 0);
    TIFFClose(t);
    unlink(path);
    free(path);
    ome_vtiff_free(vt);
    close_fx(f);
}

static void imagej_layout_planes_contiguous(void **state)
{
    (void)state;
    fx_t f = open_fx("axes_tczyx"); /* 2 t, 3 c, 4 z, 96 × 80 int16 */
    ome_vtiff *vt;
    ome_err err;
    assert_int_equal(ome_vtiff_make_imagej(f.img, 0, &vt, &err), OME_OK);
    uint64_t plane = 96 * 80 * 2, N = 24;
    const vt_seg *px = &vt->segs[1];
    assert_int_equal(px->kind, VT_SEG_PLANES);
    assert_int_equal(px->off % 4096, 0);
    assert_int_equal(px->len, N * plane);
    check_boundaries(vt);
    char *path = write_temp(vt);
    TIFF *t = TIFFOpen(path, "rc"); /* no strip chopping */
    assert_non_null(t);
    assert_int_equal(TIFFNumberOfDirectories(t), N);
    /* directory k holds plane k in CZT order (c fastest) */
    int16_t got[96 * 80], want[96 * 80];
    for (tdir_t d = 0; d < N; d += 5) {
        assert_true(TIFFSetDirectory(t, d));
        tmsize_t got_n = TIFFReadEncodedStrip(t, 0, got, (tmsize_t)sizeof got);
        if (got_n != (tmsize_t)plane)
            fail_msg("directory %d: strip read returned %ld", (int)d, (long)got_n);
        uint64_t c = d % 3, z = (d / 3) % 4, tt = d / 12;
        assert_int_equal(ome_image_read_region(f.img, 0, tt, c, z, 0, 0, 96, 80, want, &err), 0);
        assert_memory_equal(got, want, plane);
    }
    TIFFClose(t);
    unlink(path);
    free(path);
    ome_vtiff_free(vt);
    close_fx(f);
}

/* Large planes (seq_czyx: 2 c x 2 z x 1024 x 1024 uint16, 2 MiB each) are padded: zeros
 * before the first plane and after every plane, at least twice the kernel's read-ahead, every
 * plane page-aligned, each plane's IFD between it and the previous plane; no `images=`
 * (ImageJ then follows the IFDs); pixels exact. */
static void imagej_large_planes_padded(void **state)
{
    (void)state;
    fx_t f = open_fx("seq_czyx");
    ome_vtiff *vt;
    ome_err err;
    assert_int_equal(ome_vtiff_make_imagej(f.img, 0, &vt, &err), OME_OK);
    uint64_t plane = 1024 * 1024 * 2;
    check_boundaries(vt);
    uint8_t *all = read_all(vt);
    char *path = write_temp(vt);
    TIFF *t = TIFFOpen(path, "rc");
    assert_non_null(t);
    assert_int_equal(TIFFNumberOfDirectories(t), 4);
    char *desc = NULL;
    assert_true(TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc));
    assert_null(strstr(desc, "images="));
    assert_non_null(strstr(desc, "channels=2\nslices=2\n"));
    uint16_t *got = malloc(plane), *want = malloc(plane);
    uint64_t prev_end = 0;
    for (tdir_t d = 0; d < 4; d++) {
        assert_true(TIFFSetDirectory(t, d));
        uint32_t *offs;
        assert_true(TIFFGetField(t, TIFFTAG_STRIPOFFSETS, &offs));
        uint64_t start = offs[0];
        assert_int_equal(start % 4096, 0);
        /* zeros before this plane and after the previous one; between them, this plane's IFD */
        assert_true(d == 0 || start - prev_end >= 4 * OME_VTIFF_READAHEAD);
        for (uint64_t i = start - 2 * OME_VTIFF_READAHEAD; i < start; i++)
            if (all[i])
                fail_msg("byte %llu before plane %d is not zero", (unsigned long long)i, (int)d);
        for (uint64_t i = prev_end; d > 0 && i < prev_end + 2 * OME_VTIFF_READAHEAD; i++)
            if (all[i])
                fail_msg("byte %llu after plane %d is not zero", (unsigned long long)i, (int)d - 1);
        uint64_t ifd = TIFFCurrentDirOffset(t);
        assert_true(d == 0 || (ifd > prev_end && ifd < start));
        assert_int_equal(ome_vtiff_block_of(vt, start - 1), UINT64_MAX);
        assert_int_not_equal(ome_vtiff_block_of(vt, start), UINT64_MAX);
        /* a reader seeking from one plane's end to the next one's start skips only a gap */
        assert_true(d == 0 || ome_vtiff_only_gap(vt, prev_end, start));
        assert_true(d == 0 || !ome_vtiff_only_gap(vt, prev_end - 1, start));
        assert_false(ome_vtiff_only_gap(vt, start - 1, start + 1));
        /* bands of chunk rows: 256 rows of 2 KiB; the gap before a plane ends at its start */
        uint64_t band = 256 * 1024 * 2;
        assert_int_equal(ome_vtiff_band_end(vt, start), start + band);
        assert_int_equal(ome_vtiff_band_end(vt, start + band - 1), start + band);
        assert_int_equal(ome_vtiff_band_end(vt, start + band), start + 2 * band);
        assert_int_equal(ome_vtiff_band_end(vt, start + plane - 1), start + plane);
        assert_true(d == 0 || ome_vtiff_band_end(vt, start - 1) == start);
        assert_true(d == 0 || ome_vtiff_band_end(vt, prev_end) == start);
        prev_end = start + plane;
        assert_int_equal(TIFFReadEncodedStrip(t, 0, got, (tmsize_t)plane), (tmsize_t)plane);
        assert_int_equal(ome_image_read_region(f.img, 0, 0, d % 2, d / 2, 0, 0, 1024, 1024, want,
                                               &err), 0);
        assert_memory_equal(got, want, plane);
    }
    for (uint64_t i = prev_end; i < prev_end + 2 * OME_VTIFF_READAHEAD; i++)
        assert_int_equal(all[i], 0);
    free(got), free(want), free(all);
    TIFFClose(t);
    unlink(path);
    free(path);
    ome_vtiff_free(vt);
    close_fx(f);
}

/* Planes start on a row when rows are a power of two above a page (8 KiB here), so the
 * kernel's page-aligned reads hold whole rows; on a page otherwise (1800-byte rows). libtiff
 * reads every plane as the image's pixels, and the bytes agree across every boundary. */
static void imagej_planes_start_on_a_row(void **state)
{
    (void)state;
    const struct {
        const char *name;
        uint64_t align, c, h, w;
    } cases[] = {{"wide_rows", 8192, 2, 256, 4096}, {"odd_700x900", 4096, 1, 700, 900}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        fx_t f = open_fx(cases[k].name);
        ome_vtiff *vt;
        ome_err err;
        assert_int_equal(ome_vtiff_make_imagej(f.img, 0, &vt, &err), OME_OK);
        check_boundaries(vt);
        for (int i = 0; i < vt->nsegs; i++)
            if (vt->segs[i].kind == VT_SEG_PLANES) {
                assert_int_equal(vt->segs[i].off % cases[k].align, 0);
                /* padded planes (wide_rows) keep the alignment; small ones are contiguous */
                assert_true(vt->segs[i].plane_stride % cases[k].align == 0 ||
                            vt->segs[i].plane_stride == vt->segs[i].plane_bytes);
            }
        char *path = write_temp(vt);
        TIFF *t = TIFFOpen(path, "rc");
        assert_non_null(t);
        size_t plane = (size_t)(cases[k].h * cases[k].w * 2);
        uint16_t *got = malloc(plane), *want = malloc(plane);
        for (tdir_t d = 0; d < (tdir_t)cases[k].c; d++) {
            assert_true(TIFFSetDirectory(t, d));
            assert_int_equal(TIFFReadEncodedStrip(t, 0, got, (tmsize_t)plane), (tmsize_t)plane);
            assert_int_equal(ome_image_read_region(f.img, 0, 0, d, 0, 0, 0, cases[k].h,
                                                   cases[k].w, want, &err), 0);
            assert_memory_equal(got, want, plane);
        }
        free(got), free(want);
        TIFFClose(t);
        unlink(path);
        free(path);
        ome_vtiff_free(vt);
        close_fx(f);
    }
}

static void imagej_types_and_refusals(void **state)
{
    (void)state;
    struct { const char *fx; ome_dtype want; } cases[] = {
        {"dtype_u4le", OME_DT_F32}, {"dtype_f8be", OME_DT_F32}, {"dtype_i1", OME_DT_I16},
        {"dtype_i4le", OME_DT_I32}, {"dtype_u1", OME_DT_U8},    {"dtype_i2be", OME_DT_I16},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx_t f = open_fx(cases[i].fx);
        ome_vtiff *vt;
        ome_err err;
        assert_int_equal(ome_vtiff_make_imagej(f.img, 0, &vt, &err), OME_OK);
        assert_int_equal(vt->file_dtype, cases[i].want);
        check_boundaries(vt);
        ome_vtiff_free(vt);
        close_fx(f);
    }
    fx_t f = open_fx("dtype_i8le");
    ome_vtiff *vt;
    ome_err err = {0};
    assert_int_equal(ome_vtiff_make_imagej(f.img, 0, &vt, &err), OME_EUNSUPPORTED);
    tu_assert_contains(err.msg, "ImageJ has no int64 pixel type");
    close_fx(f);
}

/* A huge image described by metadata only: no chunk is ever touched. */
static void huge_layout_without_io(void **state)
{
    (void)state;
    ome_zarr_array *arrays[5];
    ome_err err;
    uint64_t size = 100000;
    for (int k = 0; k < 5; k++, size /= 2) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{\"shape\":[3,%llu,%llu],\"chunks\":[1,512,512],\"dtype\":\"<u2\","
                 "\"compressor\":null,\"fill_value\":0}",
                 (unsigned long long)size, (unsigned long long)size);
        json_t *j = json_loads(doc, 0, NULL);
        char path[8];
        snprintf(path, sizeof path, "%d", k);
        assert_int_equal(ome_zarr_array_parse_v2(j, path, "mem", &arrays[k], &err), OME_OK);
        json_decref(j);
    }
    ome_ngff_multiscale ms;
    json_t *attrs = json_loads(
        "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"c\",\"type\":\"channel\"},"
        "{\"name\":\"y\",\"type\":\"space\",\"unit\":\"micrometer\"},{\"name\":\"x\",\"type\":"
        "\"space\",\"unit\":\"micrometer\"}],\"datasets\":[{\"path\":\"0\"},{\"path\":\"1\"},"
        "{\"path\":\"2\"},{\"path\":\"3\"},{\"path\":\"4\"}]}]}", 0, NULL);
    assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
    ome_image *img;
    assert_int_equal(ome_image_build(NULL, "mem", "huge", &ms, arrays, NULL, 0, &img, &err), OME_OK);
    ome_vtiff *vt;
    assert_int_equal(ome_vtiff_make_ome(img, &vt, &err), OME_OK);
    /* 3 planes × 5 levels of IFDs; offsets arrays are computed, not stored */
    assert_true(vt->nsegs < 64);
    size_t held = 0;
    for (int i = 0; i < vt->nsegs; i++)
        if (vt->segs[i].kind == VT_SEG_BLOB)
            held += (size_t)vt->segs[i].len;
    assert_true(held < 64 * 1024);
    assert_true(vt->size > 3ull * 100000 * 100000 * 2);
    /* the 100 000th tile offset of plane 2 is where the arithmetic says */
    uint8_t hdr[16];
    assert_int_equal(ome_vtiff_read(vt, 0, 16, hdr, &err), 16);
    assert_int_equal(hdr[2], 43);
    ome_vtiff_free(vt);
    assert_int_equal(ome_vtiff_make_imagej(img, 0, &vt, &err), OME_EUNSUPPORTED);
    tu_assert_contains(err.msg, "more than ImageJ holds");
    assert_int_equal(ome_vtiff_make_imagej(img, 3, &vt, &err), OME_OK);
    ome_vtiff_free(vt);
    ome_image_free(img);
    ome_ngff_multiscale_free(&ms);
    json_decref(attrs);
}

static uint64_t u64_at(const ome_vtiff *vt, uint64_t off)
{
    uint8_t b[8];
    ome_err err;
    assert_int_equal(ome_vtiff_read(vt, off, 8, b, &err), 8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

/* 4 million planes (a 300-byte .zarray) make an OME-TIFF layout of a few segments: the IFDs
 * of planes after the first are made when read, and chain as they should to the last. */
static void millions_of_planes_take_no_memory(void **state)
{
    (void)state;
    ome_zarr_array *arr;
    ome_err err;
    json_t *j = json_loads("{\"shape\":[1000,4,1000,64,64],\"chunks\":[1,1,1,64,64],"
                           "\"dtype\":\"<u2\",\"compressor\":null,\"fill_value\":0}",
                           0, NULL);
    assert_int_equal(ome_zarr_array_parse_v2(j, "0", "mem", &arr, &err), OME_OK);
    json_decref(j);
    ome_ngff_multiscale ms;
    json_t *attrs = json_loads(
        "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"t\",\"type\":\"time\"},"
        "{\"name\":\"c\",\"type\":\"channel\"},{\"name\":\"z\",\"type\":\"space\"},"
        "{\"name\":\"y\",\"type\":\"space\"},{\"name\":\"x\",\"type\":\"space\"}],"
        "\"datasets\":[{\"path\":\"0\"}]}]}", 0, NULL);
    assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
    ome_image *img;
    assert_int_equal(ome_image_build(NULL, "mem", "many", &ms, &arr, NULL, 0, &img, &err), OME_OK);
    ome_vtiff *vt;
    assert_int_equal(ome_vtiff_make_ome(img, &vt, &err), OME_OK);
    assert_true(vt->nsegs < 16);
    size_t held = 0;
    for (int i = 0; i < vt->nsegs; i++)
        if (vt->segs[i].kind == VT_SEG_BLOB)
            held += (size_t)vt->segs[i].len;
    assert_true(held < 256 * 1024);
    /* BigTIFF: first IFD at 8; an IFD is an 8-byte count, 20-byte entries, the next offset */
    uint64_t ifd0 = u64_at(vt, 8), ifd1 = u64_at(vt, ifd0 + 8 + 20 * u64_at(vt, ifd0));
    uint64_t n1 = u64_at(vt, ifd1), ifd2 = u64_at(vt, ifd1 + 8 + 20 * n1);
    uint64_t per_plane = ifd2 - ifd1, last = ifd1 + (4000000 - 2) * per_plane;
    assert_true(per_plane > 0 && last < vt->size);
    assert_int_equal(u64_at(vt, last), n1);                   /* a plane's IFD like the others */
    assert_int_equal(u64_at(vt, last + 8 + 20 * n1), 0);      /* and the end of the chain */
    assert_int_equal(u64_at(vt, last - per_plane + 8 + 20 * n1), last);
    ome_vtiff_free(vt);
    ome_image_free(img);
    ome_ngff_multiscale_free(&ms);
    json_decref(attrs);
}

/* Over 4 GiB the ImageJ file keeps ImageJ's own convention: IFD0 only, images=N. */
static void imagej_over_4gib_has_ifd0_only(void **state)
{
    (void)state;
    ome_zarr_array *arr;
    ome_err err;
    json_t *j = json_loads("{\"shape\":[40,10000,10000],\"chunks\":[1,1000,1000],\"dtype\":"
                           "\"<u2\",\"compressor\":null,\"fill_value\":0}", 0, NULL);
    assert_int_equal(ome_zarr_array_parse_v2(j, "0", "mem", &arr, &err), OME_OK);
    json_decref(j);
    json_t *attrs = json_loads("{\"multiscales\":[{\"axes\":[\"z\",\"y\",\"x\"],"
                               "\"datasets\":[{\"path\":\"0\"}]}]}", 0, NULL);
    ome_ngff_multiscale ms;
    assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
    ome_image *img;
    assert_int_equal(ome_image_build(NULL, "mem", "big", &ms, &arr, NULL, 0, &img, &err), OME_OK);
    ome_vtiff *vt;
    assert_int_equal(ome_vtiff_make_imagej(img, 0, &vt, &err), OME_OK);
    assert_true(vt->size > (4ull << 30));
    assert_int_equal(vt->nsegs, 2); /* header + planes: no trailing IFDs */
    uint8_t head[4096];
    assert_int_equal(ome_vtiff_read(vt, 0, sizeof head, head, &err), (int64_t)sizeof head);
    uint16_t n = (uint16_t)(head[8] | head[9] << 8);
    size_t next = 8 + 2 + 12 * (size_t)n;
    assert_int_equal(head[next] | head[next + 1] | head[next + 2] | head[next + 3], 0);
    head[sizeof head - 1] = 0;
    bool found = false;
    for (size_t i = 0; i + 10 < sizeof head; i++)
        if (memcmp(head + i, "images=40\n", 10) == 0)
            found = true;
    assert_true(found);
    assert_int_equal(vt->segs[1].off, 4096);
    assert_int_equal(vt->segs[1].plane_bytes, 10000ull * 10000 * 2);
    ome_vtiff_free(vt);
    ome_image_free(img);
    ome_ngff_multiscale_free(&ms);
    json_decref(attrs);
}

/* Absurd plane counts (a hostile shape) whose padded or contiguous size would wrap 64 bits:
 * refused with a message, never a layout whose offsets point outside the file. */
static void imagej_absurd_plane_counts_refused(void **state)
{
    (void)state;
    static const char *shapes[] = {"[7025896454557,1024,2048]", "[4503599627370496,1,1024,2048]"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char doc[256];
        snprintf(doc, sizeof doc, "{\"shape\":%s,\"chunks\":[1,%s1024,1024],\"dtype\":\"|u1\","
                 "\"compressor\":null,\"fill_value\":0}", shapes[i], i ? "1," : "");
        ome_zarr_array *arr;
        ome_err err;
        json_t *j = json_loads(doc, 0, NULL);
        assert_non_null(j);
        int rc = ome_zarr_array_parse_v2(j, "0", "mem", &arr, &err);
        json_decref(j);
        if (rc != OME_OK)
            continue; /* refused earlier: as good */
        json_t *attrs = json_loads(i ? "{\"multiscales\":[{\"axes\":[\"t\",\"z\",\"y\",\"x\"],"
                                       "\"datasets\":[{\"path\":\"0\"}]}]}"
                                     : "{\"multiscales\":[{\"axes\":[\"t\",\"y\",\"x\"],"
                                       "\"datasets\":[{\"path\":\"0\"}]}]}", 0, NULL);
        ome_ngff_multiscale ms;
        assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
        ome_image *img;
        if (ome_image_build(NULL, "mem", "absurd", &ms, &arr, NULL, 0, &img, &err) == OME_OK) {
            ome_vtiff *vt = NULL;
            rc = ome_vtiff_make_imagej(img, 0, &vt, &err);
            if (rc == OME_OK) { /* then IFD0's next IFD lies inside the file */
                uint8_t head[4096];
                assert_int_equal(ome_vtiff_read(vt, 0, sizeof head, head, &err), (int64_t)sizeof head);
                uint16_t n = (uint16_t)(head[8] | head[9] << 8);
                size_t at = 8 + 2 + 12 * (size_t)n;
                uint64_t next = head[at] | head[at + 1] << 8 | (uint64_t)head[at + 2] << 16 |
                                (uint64_t)head[at + 3] << 24;
                assert_true(next < ome_vtiff_size(vt));
                ome_vtiff_free(vt);
            } else {
                assert_non_null(strstr(err.msg, "more than a file can hold"));
            }
            ome_image_free(img);
        }
        ome_ngff_multiscale_free(&ms);
        json_decref(attrs);
    }
}

/* Hostile shapes whose OME-TIFF would pass 2^62 bytes (2^52 + 1 planes of one pixel; 2^63
 * bytes in one plane; IFDs of 2^62 bytes less a few, whose rounding up to a page went past
 * the limit) are refused with a message, never laid out with wrapped offsets (a file whose
 * planes point past its end, or whose size is negative as an off_t). */
static void ome_layout_too_large_refused(void **state)
{
    (void)state;
    static const struct { const char *arrays[3], *axes; } cases[] = {
        {{"{\"shape\":[1,4503599627370497,1,1],\"chunks\":[1,1,1,1],\"dtype\":\"|u1\""},
         "[\"t\",\"z\",\"y\",\"x\"]"},
        {{"{\"shape\":[2147483648,2147483648],\"chunks\":[1024,1024],\"dtype\":\"<u2\""},
         "[\"y\",\"x\"]"},
        {{"{\"shape\":[4334291370702432,1,1],\"chunks\":[1,1,1],\"dtype\":\"|u1\"",
          "{\"shape\":[1,1,1],\"chunks\":[1,1,1],\"dtype\":\"|u1\"",
          "{\"shape\":[1,1,1],\"chunks\":[1,1,1],\"dtype\":\"|u1\""},
         "[\"z\",\"y\",\"x\"]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ome_zarr_array *arr[3];
        ome_err err;
        int n = 0;
        for (; n < 3 && cases[i].arrays[n]; n++) {
            char doc[256];
            snprintf(doc, sizeof doc, "%s,\"compressor\":null,\"fill_value\":0}",
                     cases[i].arrays[n]);
            json_t *j = json_loads(doc, 0, NULL);
            assert_non_null(j);
            assert_int_equal(ome_zarr_array_parse_v2(j, "0", "mem", &arr[n], &err), OME_OK);
            json_decref(j);
        }
        char ms_doc[256];
        snprintf(ms_doc, sizeof ms_doc,
                 "{\"multiscales\":[{\"axes\":%s,\"datasets\":[{\"path\":\"0\"}%s%s]}]}",
                 cases[i].axes, n > 1 ? ",{\"path\":\"1\"}" : "", n > 2 ? ",{\"path\":\"2\"}" : "");
        json_t *attrs = json_loads(ms_doc, 0, NULL);
        assert_non_null(attrs);
        ome_ngff_multiscale ms;
        assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
        ome_image *img;
        assert_int_equal(ome_image_build(NULL, "mem", "huge", &ms, arr, NULL, 0, &img, &err),
                         OME_OK);
        ome_vtiff *vt = NULL;
        assert_int_equal(ome_vtiff_make_ome(img, &vt, &err), OME_ERANGE);
        assert_null(vt);
        assert_non_null(strstr(err.msg, "too large for a TIFF file"));
        ome_image_free(img);
        ome_ngff_multiscale_free(&ms);
        json_decref(attrs);
    }
}

/* Scales each in range whose product is not (1e299 · 1e299 overflows, 1e-300 · 1e-300
 * underflows): the level's scale becomes 1 with a warning, so the OME-XML never carries a
 * size of inf or 0 (both invalid for readers). */
static void scales_multiplying_out_of_range_become_1(void **state)
{
    (void)state;
    ome_err err;
    json_t *j = json_loads("{\"shape\":[8,8],\"chunks\":[8,8],\"dtype\":\"|u1\","
                           "\"compressor\":null,\"fill_value\":0}", 0, NULL);
    ome_zarr_array *arr;
    assert_int_equal(ome_zarr_array_parse_v2(j, "0", "mem", &arr, &err), OME_OK);
    json_decref(j);
    json_t *attrs = json_loads(
        "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"y\",\"type\":\"space\","
        "\"unit\":\"angstrom\"},{\"name\":\"x\",\"type\":\"space\",\"unit\":\"angstrom\"}],"
        "\"datasets\":[{\"path\":\"0\",\"coordinateTransformations\":[{\"type\":\"scale\","
        "\"scale\":[1e299,1e-300]}]}],\"coordinateTransformations\":[{\"type\":\"scale\","
        "\"scale\":[1e299,1e-300]}]}]}", 0, NULL);
    assert_non_null(attrs);
    ome_ngff_multiscale ms;
    assert_int_equal(ome_ngff_parse_multiscales(attrs, "mem", &ms, &err), OME_OK);
    ome_image *img;
    assert_int_equal(ome_image_build(NULL, "mem", "tiny", &ms, &arr, NULL, 0, &img, &err),
                     OME_OK);
    assert_true(img->levels[0].scale[OME_Y] == 1 && img->levels[0].scale[OME_X] == 1);
    char *xml = ome_xml_make(img);
    assert_non_null(xml);
    assert_null(strstr(xml, "inf"));
    assert_null(strstr(xml, "PhysicalSizeX=\"0\""));
    assert_non_null(strstr(xml, "PhysicalSizeY=\"0.0001\""));
    free(xml);
    ome_image_free(img);
    ome_ngff_multiscale_free(&ms);
    json_decref(attrs);
}

/* Resolutions as TIFF rationals are exact to 1e-9 relative (ImageJ shows 65 nm as 65 nm, not
 * 64.9984), for sizes from nanometres to beyond 2·10^6 units. */
static void rationals_are_exact(void **state)
{
    (void)state;
    const double values[] = {1 / 0.065, 1 / 9.6, 0.065, 9.6, 2e6, 3.7e9, 1e-3,
                             1 / 0.325, 1 / 0.1083333333, 12345.6789, 4294967295.0};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        vt_ifd ifd;
        vt_ifd_init(&ifd, false);
        vt_ifd_rational(&ifd, 282, values[i]);
        const uint8_t *d = ifd.e[0].data;
        uint32_t num = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                       (uint32_t)d[3] << 24;
        uint32_t den = (uint32_t)d[4] | (uint32_t)d[5] << 8 | (uint32_t)d[6] << 16 |
                       (uint32_t)d[7] << 24;
        double got = (double)num / (double)den, rel = fabs(got - values[i]) / values[i];
        if (!(den > 0 && rel <= 1e-9))
            fail_msg("%.12g written as %u/%u (relative error %.3g)", values[i], num, den, rel);
        vt_ifd_free(&ifd);
    }
}

/* The OME-XML is well-formed whatever the names hold (bytes that are not UTF-8, a surrogate,
 * control characters, markup), judged by Python's XML parser; valid characters are kept. */
static void ome_xml_well_formed_for_any_name(void **state)
{
    (void)state;
    fx_t f = open_fx("axes_cyx");
    free(f.img->title);
    f.img->title = strdup("bad\xff\xfe name \xc3\x28 <&>\" \x01 caf\xc3\xa9 \xf0\x9f\x98\x80 "
                          "\xe0\x80\xaf \xef\xbf\xbe end");
    free(f.img->channels[0].name);
    f.img->channels[0].name = strdup("\xed\xa0\x80 surrogate \xf4\x90\x80\x80 \xc0");
    char *xml = ome_xml_make(f.img);
    assert_non_null(xml);
    tu_assert_contains(xml, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    tu_assert_contains(xml, "bad\xef\xbf\xbd\xef\xbf\xbd name \xef\xbf\xbd(");
    tu_assert_contains(xml, "&lt;&amp;&gt;&quot;");
    char *dir = tu_mkdtemp(), cmd[8400];
    tu_write_text(dir, "ome.xml", xml);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; "
             "E.parse(sys.argv[1])' %s/ome.xml",
             dir);
    assert_int_equal(system(cmd), 0);
    tu_rmtree(dir);
    free(xml);
    close_fx(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rationals_are_exact),
        cmocka_unit_test(ome_xml_well_formed_for_any_name),
        cmocka_unit_test(ome_layout_odd_sizes),
        cmocka_unit_test(imagej_layout_planes_contiguous),
        cmocka_unit_test(imagej_large_planes_padded),
        cmocka_unit_test(imagej_planes_start_on_a_row),
        cmocka_unit_test(imagej_types_and_refusals),
        cmocka_unit_test(huge_layout_without_io),
        cmocka_unit_test(millions_of_planes_take_no_memory),
        cmocka_unit_test(imagej_over_4gib_has_ifd0_only),
        cmocka_unit_test(imagej_absurd_plane_counts_refused),
        cmocka_unit_test(ome_layout_too_large_refused),
        cmocka_unit_test(scales_multiplying_out_of_range_become_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
