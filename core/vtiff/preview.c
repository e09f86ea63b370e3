/* preview: NAME.preview.png, a small RGB picture of an image — its channels composited
 * additively with their colours and display windows, middle Z, first T — computed from the
 * smallest level at least as large as the picture. Its size follows from the metadata (a PNG of
 * stored deflate blocks); the picture is rendered when the file is first read and kept while
 * the file's layout is (while it is open or read). */
#include "vtiff/vtiff_layout.h"

#include "base/png_stored.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct preview {
    pthread_mutex_t lock; /* rendering happens once, whoever reads first */
    int level;
    uint32_t w, h;
    uint8_t *png;         /* the whole file once rendered, else NULL */
} preview;

static uint64_t long_side(const ome_level *L)
{
    return L->shape[OME_X] > L->shape[OME_Y] ? L->shape[OME_X] : L->shape[OME_Y];
}

/* n * num / den rounded to nearest, at least 1. */
static uint32_t scaled(uint64_t n, uint64_t num, uint64_t den)
{
    uint64_t v = (2 * n * num + den) / (2 * den);
    return v ? (uint32_t)v : 1;
}

void ome_preview_geometry(const ome_image *img, int *level, uint32_t *w, uint32_t *h)
{
    const ome_level *L0 = &img->levels[0];
    uint64_t big = long_side(L0), side = big < OME_PREVIEW_MAX ? big : OME_PREVIEW_MAX;
    *w = scaled(L0->shape[OME_X], side, big);
    *h = scaled(L0->shape[OME_Y], side, big);
    int best = 0;
    for (int k = 1; k < img->nlevels; k++)
        if (long_side(&img->levels[k]) >= side &&
            long_side(&img->levels[k]) < long_side(&img->levels[best]))
            best = k;
    *level = best;
}

static double as_double(const uint8_t *p, ome_dtype t)
{
    switch (t) {
    case OME_DT_U8: return *p;
    case OME_DT_I8: return (int8_t)*p;
#define AS(T) { T v; memcpy(&v, p, sizeof v); return (double)v; }
    case OME_DT_U16: AS(uint16_t)
    case OME_DT_I16: AS(int16_t)
    case OME_DT_U32: AS(uint32_t)
    case OME_DT_I32: AS(int32_t)
    case OME_DT_U64: AS(uint64_t)
    case OME_DT_I64: AS(int64_t)
    case OME_DT_F32: AS(float)
    case OME_DT_F64: AS(double)
#undef AS
    default: return 0;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile q (0..100) of sorted v[0..n), interpolated linearly between neighbours. */
static double percentile(const double *v, size_t n, double q)
{
    double at = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(at), hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (at - (double)lo);
}

/* The 0.1 and 99.9 percentiles of a plane's pixels (NaNs left out): a window where the
 * metadata gives none. */
static int auto_window(const uint8_t *plane, size_t n, ome_dtype t, double *start, double *end,
                       ome_err *err)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    size_t es = ome_dtype_size(t), m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = as_double(plane + i * es, t);
        if (!isnan(x))
            v[m++] = x;
    }
    qsort(v, m, sizeof *v, cmp_double);
    *start = m ? percentile(v, m, 0.1) : 0;
    *end = m ? percentile(v, m, 99.9) : 0;
    free(v);
    return OME_OK;
}

/* Adds channel c's share of the picture to acc (w × h × 3). */
static int add_channel(const ome_image *img, const preview *pv, uint64_t c, double *acc,
                       ome_err *err)
{
    const ome_level *L = &img->levels[pv->level];
    uint64_t H = L->shape[OME_Y], W = L->shape[OME_X];
    size_t es = ome_dtype_size(img->dtype);
    uint8_t *plane = malloc((size_t)(H * W * es));
    if (!plane)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    int rc = ome_image_read_region_as(img, pv->level, 0, c, L->shape[OME_Z] / 2, 0, 0, H, W,
                                      plane, OME_ACCESS_STREAM, err);
    const ome_channel *ch = c < (uint64_t)img->nchannels ? &img->channels[c] : NULL;
    double start = 0, end = 0;
    if (rc == OME_OK && ch && ch->has_window)
        start = ch->start, end = ch->end;
    else if (rc == OME_OK)
        rc = auto_window(plane, (size_t)(H * W), img->dtype, &start, &end, err);
    uint32_t rgb = ch ? ch->rgb : 0xFFFFFF;
    double col[3] = {(double)(rgb >> 16 & 0xFF), (double)(rgb >> 8 & 0xFF), (double)(rgb & 0xFF)};
    for (uint32_t y = 0; rc == OME_OK && y < pv->h; y++) {
        uint64_t sy = (2 * (uint64_t)y + 1) * H / (2 * (uint64_t)pv->h);
        for (uint32_t x = 0; x < pv->w; x++) {
            uint64_t sx = (2 * (uint64_t)x + 1) * W / (2 * (uint64_t)pv->w);
            double v = as_double(plane + (sy * W + sx) * es, img->dtype), f;
            if (end > start)
                f = (v - start) / (end - start);
            else
                f = v > start ? 1 : 0;
            f = isnan(f) ? 0 : f < 0 ? 0 : f > 1 ? 1 : f;
            double *a = acc + ((size_t)y * pv->w + x) * 3;
            for (int k = 0; k < 3; k++)
                a[k] += f * col[k];
        }
    }
    free(plane);
    return rc;
}

static int render_png(const ome_vtiff *vt, preview *pv, ome_err *err)
{
    const ome_image *img = vt->img;
    size_t n = (size_t)pv->w * pv->h;
    double *acc = calloc(n * 3, sizeof *acc);
    uint8_t *rgb = malloc(n * 3);
    uint8_t *png = malloc((size_t)vt->size);
    int rc = acc && rgb && png ? OME_OK : ome_err_set(err, OME_ENOMEM, "out of memory");
    for (uint64_t c = 0; rc == OME_OK && c < img->levels[pv->level].shape[OME_C]; c++)
        rc = add_channel(img, pv, c, acc, err);
    if (rc == OME_OK) {
        for (size_t i = 0; i < n * 3; i++)
            rgb[i] = acc[i] >= 254.5 ? 255 : (uint8_t)floor(acc[i] + 0.5);
        ome_png_stored_write(rgb, pv->w, pv->h, png);
        pv->png = png;
        png = NULL;
    }
    free(acc);
    free(rgb);
    free(png);
    return rc;
}

static int render(const ome_vtiff *vt, uint64_t off, size_t n, uint8_t *out, ome_err *err)
{
    preview *pv = vt->lazy;
    pthread_mutex_lock(&pv->lock);
    int rc = pv->png ? OME_OK : render_png(vt, pv, err);
    pthread_mutex_unlock(&pv->lock);
    if (rc == OME_OK)
        memcpy(out, pv->png + off, n);
    return rc;
}

static void preview_free(void *p)
{
    preview *pv = p;
    if (!pv)
        return;
    pthread_mutex_destroy(&pv->lock);
    free(pv->png);
    free(pv);
}

static int make_preview(const ome_image *img, int level, ome_vtiff **out, ome_err *err)
{
    (void)level;
    return ome_vtiff_make_preview(img, out, err);
}

int ome_vtiff_make_preview(const ome_image *img, ome_vtiff **out, ome_err *err)
{
    if (img->nlevels < 1)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: an image without levels has no preview",
                           img->where);
    preview *pv = calloc(1, sizeof *pv);
    ome_vtiff *vt = pv ? vt_new(img, OME_VT_PREVIEW, 0) : NULL;
    if (!vt) {
        free(pv);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&pv->lock, NULL);
    ome_preview_geometry(img, &pv->level, &pv->w, &pv->h);
    vt->lazy = pv;
    vt->lazy_free = preview_free;
    vt->render = render;
    vt->remake = make_preview;
    if (!vt_add_seg(vt, VT_SEG_LAZY, ome_png_stored_size(pv->w, pv->h))) {
        ome_vtiff_free(vt);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    *out = vt;
    return OME_OK;
}
