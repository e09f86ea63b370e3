/* vtiff: segment bookkeeping and the byte-range reader shared by both virtual TIFF layouts. */
#include "vtiff/vtiff_layout.h"

#include <stdlib.h>
#include <string.h>

vt_seg *vt_add_seg(ome_vtiff *vt, vt_seg_kind kind, uint64_t len)
{
    if (vt->nsegs == vt->capsegs) {
        int cap = vt->capsegs ? vt->capsegs * 2 : 16;
        vt_seg *s = realloc(vt->segs, (size_t)cap * sizeof *s);
        if (!s)
            return NULL;
        vt->segs = s;
        vt->capsegs = cap;
    }
    vt_seg *s = &vt->segs[vt->nsegs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->off = vt->size;
    s->len = len;
    vt->size += len;
    return s;
}

uint8_t *vt_own_blob(ome_vtiff *vt, size_t len)
{
    if (vt->nblobs == vt->capblobs) {
        int cap = vt->capblobs ? vt->capblobs * 2 : 16;
        uint8_t **b = realloc(vt->blobs, (size_t)cap * sizeof *b);
        if (!b)
            return NULL;
        vt->blobs = b;
        vt->capblobs = cap;
    }
    uint8_t *p = calloc(1, len ? len : 1);
    if (p)
        vt->blobs[vt->nblobs++] = p;
    return p;
}

ome_vtiff *vt_new(const ome_image *img, ome_vtiff_kind kind, int level)
{
    ome_vtiff *vt = calloc(1, sizeof *vt);
    if (!vt)
        return NULL;
    vt->img = img;
    vt->kind = kind;
    vt->level = level;
    vt->built = true;
    pthread_mutex_init(&vt->use_lock, NULL);
    return vt;
}

/* Frees the layout (segments and what they hold); the file's size and kind stay. */
static void layout_drop(ome_vtiff *vt)
{
    for (int i = 0; i < vt->nblobs; i++)
        free(vt->blobs[i]);
    free(vt->blobs);
    free(vt->segs);
    if (vt->lazy_free)
        vt->lazy_free(vt->lazy);
    else
        free(vt->lazy);
    free(vt->tile_w);
    free(vt->tile_h);
    vt->blobs = NULL;
    vt->segs = NULL;
    vt->lazy = NULL;
    vt->tile_w = vt->tile_h = NULL;
    vt->render = NULL;
    vt->nblobs = vt->capblobs = vt->nsegs = vt->capsegs = 0;
    vt->built = false;
}

/* Makes the layout again, called with use_lock held: the same metadata gives the same one. */
static int layout_build(ome_vtiff *vt, ome_err *err)
{
    ome_vtiff *made;
    int rc = vt->remake(vt, &made, err);
    if (rc)
        return rc;
    if (made->size != vt->size) { /* cannot be: the image's metadata does not change */
        ome_vtiff_free(made);
        return ome_err_set(err, OME_EIO, "%s: the file's layout came out %llu bytes, not %llu",
                           ome_vtiff_where(vt), (unsigned long long)made->size,
                           (unsigned long long)vt->size);
    }
    vt->nsegs = made->nsegs, vt->capsegs = made->capsegs, vt->segs = made->segs;
    vt->nblobs = made->nblobs, vt->capblobs = made->capblobs, vt->blobs = made->blobs;
    vt->tile_w = made->tile_w, vt->tile_h = made->tile_h;
    vt->render = made->render, vt->lazy = made->lazy, vt->lazy_free = made->lazy_free;
    vt->built = true;
    made->segs = NULL, made->blobs = NULL, made->tile_w = made->tile_h = NULL, made->lazy = NULL;
    made->nblobs = 0;
    ome_vtiff_free(made);
    return OME_OK;
}

/* A reader of the layout begins: it is made if it was dropped. `idle_skip`: none is made for a
 * file nobody has open (read-ahead after the file was closed), OME_ABSENT then. */
static int layout_use(const ome_vtiff *cvt, bool idle_skip, ome_err *err)
{
    ome_vtiff *vt = (ome_vtiff *)cvt; /* the layout's life is not the file's content */
    pthread_mutex_lock(&vt->use_lock);
    int rc = OME_OK;
    if (!vt->built && idle_skip && vt->opens == 0)
        rc = OME_ABSENT;
    else if (!vt->built && !vt->remake)
        rc = ome_err_set(err, OME_EINVAL, "a layout without its maker");
    else if (!vt->built)
        rc = layout_build(vt, err);
    if (rc == OME_OK)
        vt->users++;
    pthread_mutex_unlock(&vt->use_lock);
    return rc;
}

static void layout_done(const ome_vtiff *cvt)
{
    ome_vtiff *vt = (ome_vtiff *)cvt;
    pthread_mutex_lock(&vt->use_lock);
    if (--vt->users == 0 && vt->opens == 0 && vt->unloadable && vt->built)
        layout_drop(vt);
    pthread_mutex_unlock(&vt->use_lock);
}

void ome_vtiff_unload(ome_vtiff *vt)
{
    pthread_mutex_lock(&vt->use_lock);
    vt->unloadable = true;
    if (vt->users == 0 && vt->opens == 0 && vt->built)
        layout_drop(vt);
    pthread_mutex_unlock(&vt->use_lock);
}

void ome_vtiff_open(const ome_vtiff *cvt)
{
    ome_vtiff *vt = (ome_vtiff *)cvt;
    pthread_mutex_lock(&vt->use_lock);
    vt->opens++;
    pthread_mutex_unlock(&vt->use_lock);
}

void ome_vtiff_close(const ome_vtiff *cvt)
{
    ome_vtiff *vt = (ome_vtiff *)cvt;
    pthread_mutex_lock(&vt->use_lock);
    if (--vt->opens == 0 && vt->users == 0 && vt->unloadable && vt->built)
        layout_drop(vt);
    pthread_mutex_unlock(&vt->use_lock);
}

void ome_vtiff_free(ome_vtiff *vt)
{
    if (!vt)
        return;
    layout_drop(vt);
    free(vt->where);
    pthread_mutex_destroy(&vt->use_lock);
    free(vt);
}

ome_dtype vt_imagej_dtype(ome_dtype t)
{
    switch (t) {
    case OME_DT_U8: case OME_DT_U16: case OME_DT_I16: case OME_DT_F32: case OME_DT_I32:
        return t;
    case OME_DT_U32: case OME_DT_F64: return OME_DT_F32;
    case OME_DT_I8: return OME_DT_I16;
    default: return OME_DT_NONE;
    }
}

/* Converts n pixels from the image type to the file type (both native order), then to
 * little-endian. */
static void convert_pixels(const uint8_t *src, ome_dtype from, uint8_t *dst, ome_dtype to,
                           size_t n)
{
    if (from == to) {
        memcpy(dst, src, n * ome_dtype_size(from));
    } else {
        for (size_t i = 0; i < n; i++) {
            if (from == OME_DT_U32) {
                uint32_t v;
                memcpy(&v, src + 4 * i, 4);
                float f = (float)v;
                memcpy(dst + 4 * i, &f, 4);
            } else if (from == OME_DT_F64) {
                double v;
                memcpy(&v, src + 8 * i, 8);
                float f = (float)v;
                memcpy(dst + 4 * i, &f, 4);
            } else if (from == OME_DT_I8) {
                int16_t v = (int8_t)src[i];
                memcpy(dst + 2 * i, &v, 2);
            }
        }
    }
    size_t es = ome_dtype_size(to);
    if (es > 1 && ome_host_is_big_endian())
        ome_bswap(dst, n, es);
}

static void read_arith(const vt_seg *s, uint64_t rel, size_t n, uint8_t *out)
{
    for (size_t k = 0; k < n;) {
        uint64_t i = (rel + k) / (uint64_t)s->elem, within = (rel + k) % (uint64_t)s->elem;
        uint8_t v[8];
        uint64_t val = s->kind == VT_SEG_CONST ? s->start : s->start + i * s->stride;
        vt_put_le(v, val, s->elem);
        size_t take = (size_t)((uint64_t)s->elem - within);
        if (take > n - k)
            take = n - k;
        memcpy(out + k, v + within, take);
        k += take;
    }
}

/* Bytes [within, within+n) of the IFD template patched with a strip offset and a next IFD. */
static void patched_ifd(const vt_seg *s, uint64_t strip, uint64_t next, uint64_t within,
                        size_t n, uint8_t *out)
{
    uint8_t *tmp = malloc(s->tmpl_len);
    if (!tmp) {
        memset(out, 0, n);
        return;
    }
    memcpy(tmp, s->blob, s->tmpl_len);
    vt_put_le(tmp + s->patch_strip, strip, s->off_size);
    vt_put_le(tmp + s->patch_next, next, s->off_size);
    memcpy(out, tmp + within, n);
    free(tmp);
}

static void read_repeat(const vt_seg *s, uint64_t rel, size_t n, uint8_t *out)
{
    uint64_t count = s->len / s->tmpl_len;
    for (size_t k = 0; k < n;) {
        uint64_t i = (rel + k) / s->tmpl_len, within = (rel + k) % s->tmpl_len;
        uint64_t next = i + 1 < count ? s->off + (i + 1) * s->tmpl_len : 0;
        size_t take = (size_t)(s->tmpl_len - within);
        if (take > n - k)
            take = n - k;
        patched_ifd(s, s->strip_first + i * s->strip_stride, next, within, take, out + k);
        k += take;
    }
}

/* The gap after plane `block` (bytes [within, within+n) of its block, all past the pixels):
 * zeros, with the next plane's IFD where the layout put one there. */
static void read_plane_gap(const vt_seg *s, uint64_t block, uint64_t within, size_t n,
                           uint8_t *out)
{
    memset(out, 0, n);
    uint64_t count = s->len / s->plane_stride;
    if (!s->blob || block + 1 >= count)
        return;
    uint64_t a = within > s->gap_ifd_at ? within : s->gap_ifd_at;
    uint64_t b = within + n < s->gap_ifd_at + s->tmpl_len ? within + n : s->gap_ifd_at + s->tmpl_len;
    if (a >= b)
        return;
    uint64_t here = s->off + block * s->plane_stride + s->gap_ifd_at;
    uint64_t next = block + 2 < count ? here + s->plane_stride : 0;
    patched_ifd(s, s->off + (block + 1) * s->plane_stride, next, a - s->gap_ifd_at,
                (size_t)(b - a), out + (a - within));
}

/* Plane index → (t, c, z): OME planes are XYZCT (z fastest), ImageJ planes CZT (c fastest). */
static void plane_coords(const ome_vtiff *vt, const ome_level *L, uint64_t p, uint64_t *t,
                         uint64_t *c, uint64_t *z)
{
    uint64_t C = L->shape[OME_C], Z = L->shape[OME_Z];
    if (vt->kind == OME_VT_OME) {
        *z = p % Z;
        *c = (p / Z) % C;
        *t = p / (Z * C);
    } else {
        *c = p % C;
        *z = (p / C) % Z;
        *t = p / (C * Z);
    }
}

/* Gathers rows [r0, r1] (inclusive) of a w-wide window at (y, x) and writes them converted to
 * the file type into `rows`; rows beyond the level are left as zero. */
static int gather_rows(const ome_vtiff *vt, const ome_level *L, int level, uint64_t t, uint64_t c,
                       uint64_t z, uint64_t y0, uint64_t x0, uint64_t w_file, uint64_t r0,
                       uint64_t r1, uint8_t *rows, ome_access access, ome_err *err)
{
    const ome_image *img = vt->img;
    size_t src_es = ome_dtype_size(img->dtype), dst_es = ome_dtype_size(vt->file_dtype);
    uint64_t H = L->shape[OME_Y], W = L->shape[OME_X];
    uint64_t w = x0 + w_file <= W ? w_file : W - x0;
    uint64_t ys = y0 + r0, ye = y0 + r1 + 1 < H ? y0 + r1 + 1 : H;
    if (w < w_file || ys >= ye || ye - ys < r1 - r0 + 1) /* padding of edge tiles */
        memset(rows, 0, (size_t)((r1 - r0 + 1) * w_file * dst_es));
    if (ys >= ye)
        return OME_OK;
    uint64_t h = ye - ys;
    if (w == w_file && img->dtype == vt->file_dtype) /* the common case: straight in */
        return ome_image_read_region_as(img, level, t, c, z, ys, x0, h, w, rows, access, err);
    uint8_t *src = malloc((size_t)(h * w * src_es));
    if (!src)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    int rc = ome_image_read_region_as(img, level, t, c, z, ys, x0, h, w, src, access, err);
    if (rc == OME_OK)
        for (uint64_t r = 0; r < h; r++)
            convert_pixels(src + r * w * src_es, img->dtype, rows + r * w_file * dst_es,
                           vt->file_dtype, (size_t)w);
    free(src);
    return rc;
}

/* Copies [rel, rel+n) of rows r0..r1 (partial rows) through a buffer. */
static int read_rows_buffered(const ome_vtiff *vt, const ome_level *L, int level, uint64_t t,
                              uint64_t c, uint64_t z, uint64_t y0, uint64_t x0, uint64_t w_file,
                              uint64_t row_bytes, uint64_t rel, size_t n, uint8_t *out,
                              ome_access access, ome_err *err)
{
    uint64_t r0 = rel / row_bytes, r1 = (rel + n - 1) / row_bytes;
    uint8_t *rows = malloc((size_t)((r1 - r0 + 1) * row_bytes));
    if (!rows)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    int rc = gather_rows(vt, L, level, t, c, z, y0, x0, w_file, r0, r1, rows, access, err);
    if (rc == OME_OK)
        memcpy(out, rows + (rel - r0 * row_bytes), n);
    free(rows);
    return rc;
}

/* Copies [rel, rel+n) of one pixel block (a tile or a plane) made of `row_bytes`-long rows:
 * whole rows straight into `out`, a partial first or last row through a small buffer. */
static int read_block(const ome_vtiff *vt, const ome_level *L, int level, uint64_t t, uint64_t c,
                      uint64_t z, uint64_t y0, uint64_t x0, uint64_t w_file, uint64_t row_bytes,
                      uint64_t rel, size_t n, uint8_t *out, ome_access access, ome_err *err)
{
    uint64_t end = rel + n;
    uint64_t full0 = (rel + row_bytes - 1) / row_bytes, full1 = end / row_bytes; /* [full0, full1) */
    if (full1 <= full0)
        return read_rows_buffered(vt, L, level, t, c, z, y0, x0, w_file, row_bytes, rel, n, out,
                                  access, err);
    int rc = OME_OK;
    size_t head = (size_t)(full0 * row_bytes - rel);
    if (head)
        rc = read_rows_buffered(vt, L, level, t, c, z, y0, x0, w_file, row_bytes, rel, head, out,
                                access, err);
    if (rc == OME_OK)
        rc = gather_rows(vt, L, level, t, c, z, y0, x0, w_file, full0, full1 - 1, out + head,
                         access, err);
    size_t tail = (size_t)(end - full1 * row_bytes);
    if (rc == OME_OK && tail)
        rc = read_rows_buffered(vt, L, level, t, c, z, y0, x0, w_file, row_bytes,
                                full1 * row_bytes, tail, out + (n - tail), access, err);
    return rc;
}

/* Where byte `rel` of a pixel segment falls: a tile (OME) or a plane (ImageJ). */
typedef struct {
    uint64_t t, c, z, y0, x0, w_file; /* plane, block origin, block width in the file */
    uint64_t index;                   /* which block of the segment */
    uint64_t len, within;             /* block length in bytes (pixels, then any gap), offset
                                         of rel inside it */
    uint64_t data_len;                /* bytes of pixels at the start of the block */
} vt_block;

static uint64_t block_bytes(const vt_seg *s)
{
    return s->kind == VT_SEG_TILES ? s->tile_stride : s->plane_stride;
}

/* The pixels at the start of each block (the rest of it is the zero gap). */
static uint64_t block_pixel_bytes(const vt_seg *s)
{
    return s->kind == VT_SEG_TILES ? s->tile_bytes : s->plane_bytes;
}

static void block_at(const ome_vtiff *vt, const vt_seg *s, uint64_t rel, vt_block *b)
{
    const ome_level *L = &vt->img->levels[s->level];
    uint64_t block;
    b->y0 = b->x0 = 0;
    if (s->kind == VT_SEG_TILES) {
        block = rel / s->tile_stride;
        b->within = rel % s->tile_stride;
        b->len = s->tile_stride;
        b->data_len = s->tile_bytes;
        uint64_t per_plane = s->tiles_x * s->tiles_y, ti = block % per_plane;
        plane_coords(vt, L, block / per_plane, &b->t, &b->c, &b->z);
        b->y0 = (ti / s->tiles_x) * s->tile_h;
        b->x0 = (ti % s->tiles_x) * s->tile_w;
        b->w_file = s->tile_w;
    } else {
        block = rel / s->plane_stride;
        b->within = rel % s->plane_stride;
        b->len = s->plane_stride;
        b->data_len = s->plane_bytes;
        plane_coords(vt, L, block, &b->t, &b->c, &b->z);
        b->w_file = L->shape[OME_X];
    }
    b->index = block;
}

static int read_pixels(const ome_vtiff *vt, const vt_seg *s, uint64_t rel, size_t n,
                       uint8_t *out, ome_access access, ome_err *err)
{
    const ome_level *L = &vt->img->levels[s->level];
    size_t es = ome_dtype_size(vt->file_dtype);
    while (n > 0) {
        vt_block b;
        block_at(vt, s, rel, &b);
        size_t take = (size_t)(b.len - b.within < n ? b.len - b.within : n);
        size_t pixels = b.within >= b.data_len ? 0
                        : (size_t)(b.data_len - b.within < take ? b.data_len - b.within : take);
        int rc = pixels ? read_block(vt, L, s->level, b.t, b.c, b.z, b.y0, b.x0, b.w_file,
                                     b.w_file * es, b.within, pixels, out, access, err)
                        : OME_OK;
        if (rc)
            return rc;
        if (take > pixels && s->kind == VT_SEG_PLANES) /* the gap after a plane */
            read_plane_gap(s, b.index, b.within + pixels, take - pixels, out + pixels);
        else
            memset(out + pixels, 0, take - pixels); /* the gap after a tile */
        out += take;
        rel += take;
        n -= take;
    }
    return OME_OK;
}

/* Loads into the cache every chunk behind [rel, rel+n) of a pixel segment, as one batch. */
static int load_pixels(const ome_vtiff *vt, const vt_seg *s, uint64_t rel, uint64_t n,
                       size_t *nchunks, ome_access access, ome_err *err)
{
    const ome_level *L = &vt->img->levels[s->level];
    uint64_t row_bytes_es = ome_dtype_size(vt->file_dtype);
    uint64_t H = L->shape[OME_Y], W = L->shape[OME_X];
    ome_chunk_list l = {0};
    int rc = OME_OK;
    while (n > 0 && rc == OME_OK) {
        vt_block b;
        block_at(vt, s, rel, &b);
        uint64_t take = b.len - b.within < n ? b.len - b.within : n;
        uint64_t pixels = b.within >= b.data_len ? 0
                          : b.data_len - b.within < take ? b.data_len - b.within : take;
        uint64_t row_bytes = b.w_file * row_bytes_es;
        uint64_t r0 = b.within / row_bytes, r1 = (b.within + pixels - 1) / row_bytes;
        uint64_t ys = b.y0 + r0, ye = b.y0 + r1 + 1 < H ? b.y0 + r1 + 1 : H;
        uint64_t w = b.x0 + b.w_file <= W ? b.w_file : W - b.x0;
        if (pixels && ys < ye && b.x0 < W)
            rc = ome_image_region_chunks(vt->img, s->level, b.t, b.c, b.z, ys, b.x0, ye - ys, w,
                                         &l, err);
        rel += take;
        n -= take;
    }
    if (rc == OME_OK)
        rc = ome_image_load_chunks(vt->img, &l, access, err);
    if (nchunks)
        *nchunks += l.n;
    ome_chunk_list_free(&l);
    return rc;
}

/* Finds the segment holding `off`. */
static int seg_at(const ome_vtiff *vt, uint64_t off)
{
    int lo = 0, hi = vt->nsegs - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (vt->segs[mid].off <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static int load_built(const ome_vtiff *vt, uint64_t off, uint64_t len, size_t *nchunks,
                   ome_err *err)
{
    if (nchunks)
        *nchunks = 0;
    if (off >= vt->size || !vt->img || !vt->img->cache)
        return OME_OK;
    if (len > vt->size - off)
        len = vt->size - off;
    uint64_t end = off + len;
    for (int i = seg_at(vt, off); i < vt->nsegs && vt->segs[i].off < end; i++) {
        const vt_seg *s = &vt->segs[i];
        if (s->kind != VT_SEG_TILES && s->kind != VT_SEG_PLANES)
            continue;
        uint64_t a = off > s->off ? off : s->off;
        uint64_t b = end < s->off + s->len ? end : s->off + s->len;
        if (a < b) {
            int rc = load_pixels(vt, s, a - s->off, b - a, nchunks, OME_ACCESS_AHEAD, err);
            if (rc)
                return rc;
        }
    }
    return OME_OK;
}

int64_t ome_vtiff_read(const ome_vtiff *vt, uint64_t off, size_t len, void *buf, ome_err *err)
{
    return ome_vtiff_read_as(vt, off, len, buf, OME_ACCESS_RANDOM, err);
}

static int64_t read_as_built(const ome_vtiff *vt, uint64_t off, size_t len, void *buf,
                          ome_access access, ome_err *err)
{
    if (off >= vt->size)
        return 0;
    if (len > vt->size - off)
        len = (size_t)(vt->size - off);
    int lo = seg_at(vt, off);
    uint8_t *out = buf;
    size_t done = 0;
    for (int i = lo; i < vt->nsegs && done < len; i++) {
        const vt_seg *s = &vt->segs[i];
        uint64_t pos = off + done;
        if (s->len == 0 || pos >= s->off + s->len)
            continue;
        uint64_t rel = pos - s->off;
        size_t n = (size_t)(s->len - rel < len - done ? s->len - rel : len - done);
        int rc = OME_OK;
        switch (s->kind) {
        case VT_SEG_BLOB:
            if (s->blob)
                memcpy(out + done, s->blob + rel, n);
            else
                memset(out + done, 0, n);
            break;
        case VT_SEG_ARITH:
        case VT_SEG_CONST: read_arith(s, rel, n, out + done); break;
        case VT_SEG_REPEAT: read_repeat(s, rel, n, out + done); break;
        case VT_SEG_LAZY: rc = vt->render(vt, pos, n, out + done, err); break;
        case VT_SEG_TILES:
        case VT_SEG_PLANES:
            /* several blocks: fetch all their chunks at once, then copy from the cache */
            if (vt->img->cache && rel / block_bytes(s) != (rel + n - 1) / block_bytes(s))
                rc = load_pixels(vt, s, rel, n, NULL, access, err);
            if (rc == OME_OK)
                rc = read_pixels(vt, s, rel, n, out + done, access, err);
            break;
        }
        if (rc)
            return rc;
        done += n;
    }
    return (int64_t)done;
}

static uint64_t block_of_built(const ome_vtiff *vt, uint64_t off)
{
    if (off >= vt->size)
        return UINT64_MAX;
    int i = seg_at(vt, off);
    const vt_seg *s = &vt->segs[i];
    if ((s->kind != VT_SEG_TILES && s->kind != VT_SEG_PLANES) || block_bytes(s) == 0)
        return UINT64_MAX;
    /* the zero gap after a tile or plane is no pixels: read-ahead into it starts no stream */
    uint64_t rel = off - s->off;
    if (rel % block_bytes(s) >= block_pixel_bytes(s))
        return UINT64_MAX;
    /* ordinals of later segments (lower levels) lie beyond any of an earlier one */
    return ((uint64_t)i << 40) + rel / block_bytes(s);
}

static bool block_span_built(const ome_vtiff *vt, uint64_t off, uint64_t *start, uint64_t *end)
{
    if (block_of_built(vt, off) == UINT64_MAX)
        return false;
    const vt_seg *s = &vt->segs[seg_at(vt, off)];
    uint64_t stride = block_bytes(s), first = s->off + (off - s->off) / stride * stride;
    *start = first;
    *end = first + block_pixel_bytes(s);
    return true;
}

static uint64_t band_end_built(const ome_vtiff *vt, uint64_t off)
{
    if (off >= vt->size)
        return UINT64_MAX;
    const vt_seg *s = &vt->segs[seg_at(vt, off)];
    uint64_t stride = block_bytes(s);
    if ((s->kind != VT_SEG_TILES && s->kind != VT_SEG_PLANES) || stride == 0)
        return UINT64_MAX;
    uint64_t start = s->off + (off - s->off) / stride * stride, end = start + block_pixel_bytes(s);
    if (off >= end) /* the gap after a block: to its end */
        return start + stride;
    if (s->kind == VT_SEG_TILES)
        return end;
    const ome_level *L = &vt->img->levels[s->level];
    uint64_t row_bytes = L->shape[OME_X] * ome_dtype_size(vt->file_dtype), ch = L->chunk[OME_Y];
    if (row_bytes == 0 || ch == 0)
        return end;
    uint64_t rows_end = ((off - start) / row_bytes / ch + 1) * ch;
    return rows_end * row_bytes < end - start ? start + rows_end * row_bytes : end;
}

static bool only_gap_built(const ome_vtiff *vt, uint64_t from, uint64_t to)
{
    if (from >= to)
        return from == to;
    if (from >= vt->size)
        return false;
    const vt_seg *s = &vt->segs[seg_at(vt, from)];
    if ((s->kind != VT_SEG_TILES && s->kind != VT_SEG_PLANES) || block_bytes(s) == 0)
        return false;
    uint64_t stride = block_bytes(s), rel = from - s->off;
    return rel % stride >= block_pixel_bytes(s) && to <= s->off + (rel / stride + 1) * stride;
}

uint64_t ome_vtiff_size(const ome_vtiff *vt)
{
    return vt->size;
}

ome_vtiff_kind ome_vtiff_kind_of(const ome_vtiff *vt)
{
    return vt->kind;
}

const ome_image *ome_vtiff_image(const ome_vtiff *vt)
{
    return vt->img;
}

const char *ome_vtiff_where(const ome_vtiff *vt)
{
    return vt->where ? vt->where : vt->img->where;
}

/* ---- the public readers of the layout: made while they read it ---- */

int ome_vtiff_load(const ome_vtiff *vt, uint64_t off, uint64_t len, size_t *nchunks,
                   ome_err *err)
{
    if (nchunks)
        *nchunks = 0;
    int rc = layout_use(vt, true, err);
    if (rc)
        return rc == OME_ABSENT ? OME_OK : rc; /* closed meanwhile: nothing to read ahead */
    rc = load_built(vt, off, len, nchunks, err);
    layout_done(vt);
    return rc;
}

int64_t ome_vtiff_read_as(const ome_vtiff *vt, uint64_t off, size_t len, void *buf,
                          ome_access access, ome_err *err)
{
    int rc = layout_use(vt, false, err);
    if (rc)
        return rc;
    int64_t n = read_as_built(vt, off, len, buf, access, err);
    layout_done(vt);
    return n;
}

uint64_t ome_vtiff_block_of(const ome_vtiff *vt, uint64_t off)
{
    ome_err err = {0};
    if (layout_use(vt, false, &err))
        return UINT64_MAX;
    uint64_t b = block_of_built(vt, off);
    layout_done(vt);
    return b;
}

bool ome_vtiff_block_span(const ome_vtiff *vt, uint64_t off, uint64_t *start, uint64_t *end)
{
    ome_err err = {0};
    if (layout_use(vt, false, &err))
        return false;
    bool ok = block_span_built(vt, off, start, end);
    layout_done(vt);
    return ok;
}

uint64_t ome_vtiff_band_end(const ome_vtiff *vt, uint64_t off)
{
    ome_err err = {0};
    if (layout_use(vt, false, &err))
        return UINT64_MAX;
    uint64_t e = band_end_built(vt, off);
    layout_done(vt);
    return e;
}

bool ome_vtiff_only_gap(const ome_vtiff *vt, uint64_t from, uint64_t to)
{
    ome_err err = {0};
    if (layout_use(vt, false, &err))
        return false;
    bool gap = only_gap_built(vt, from, to);
    layout_done(vt);
    return gap;
}
