/* preview: NAME.preview.png, a small RGB picture of an image — its channels composited
 * additively with their colours and display windows, middle Z, first T — computed from the
 * smallest level at least as large as the picture. Its size follows from the metadata (a PNG of
 * stored deflate blocks); the picture is rendered when the file is first read and kept while
 * the file's layout is (while it is open or read). The same file can hold a picture painted by
 * its maker (ome_vtiff_make_picture: a plate's, of its wells). */
#include "vtiff/vtiff_layout.h"

#include "base/png_stored.h"
#include "vtiff/pixel_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A picture of an image: the level sampled, the size. */
typedef struct shot {
    int level;
    uint32_t w, h;
} shot;

typedef struct preview {
    pthread_mutex_t lock; /* rendering happens once, whoever reads first */
    shot at;              /* an image's preview; a picture is painted by vt->paint */
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

/* The smallest level whose long side is at least `side` (level 0 when none is). */
static int pick_level(const ome_image *img, uint64_t side)
{
    int best = 0;
    for (int k = 1; k < img->nlevels; k++)
        if (long_side(&img->levels[k]) >= side &&
            long_side(&img->levels[k]) < long_side(&img->levels[best]))
            best = k;
    return best;
}

void ome_preview_fit(const ome_image *img, uint64_t side, uint32_t *w, uint32_t *h)
{
    const ome_level *L0 = &img->levels[0];
    uint64_t big = long_side(L0);
    side = side < big ? side : big;
    *w = scaled(L0->shape[OME_X], side, big);
    *h = scaled(L0->shape[OME_Y], side, big);
}

void ome_preview_geometry(const ome_image *img, int *level, uint32_t *w, uint32_t *h)
{
    uint64_t big = long_side(&img->levels[0]), side = big < OME_PREVIEW_MAX ? big : OME_PREVIEW_MAX;
    ome_preview_fit(img, side, w, h);
    *level = pick_level(img, side);
}

/* Rows of a level read at once: whole rows of chunks, about this many bytes, so a preview of a
 * level that is large (an image without a pyramid) is read in bounded memory. */
#define BAND_BYTES (4u << 20)

static uint64_t sample_at(uint64_t i, uint64_t n, uint64_t of)
{
    return (2 * i + 1) * of / (2 * n);
}

/* Reads channel c's plane band by band: the sampled pixels into smp (w × h), every pixel into
 * st when given. Bands with no sampled row are skipped when st is NULL. */
static int sample_plane(const ome_image *img, const shot *pv, uint64_t c, double *smp,
                        ome_pixel_stats *st, ome_err *err)
{
    const ome_level *L = &img->levels[pv->level];
    uint64_t H = L->shape[OME_Y], W = L->shape[OME_X], es = ome_dtype_size(img->dtype);
    uint64_t ch = L->chunk[OME_Y] ? L->chunk[OME_Y] : 1, per = BAND_BYTES / (ch * W * es);
    uint64_t rows = ch * (per ? per : 1);
    rows = rows < H ? rows : H;
    uint8_t *band = malloc((size_t)(rows * W * es));
    if (!band)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    int rc = OME_OK;
    uint32_t y = 0; /* the next sampled row */
    for (uint64_t y0 = 0; rc == OME_OK && y0 < H; y0 += rows) {
        uint64_t h = H - y0 < rows ? H - y0 : rows;
        if (!st && (y >= pv->h || sample_at(y, pv->h, H) >= y0 + h))
            continue;
        rc = ome_image_read_region_as(img, pv->level, 0, c, L->shape[OME_Z] / 2, y0, 0, h, W,
                                      band, OME_ACCESS_STREAM, err);
        if (rc == OME_OK && st)
            rc = ome_pixel_stats_add(st, band, (size_t)(h * W), err);
        for (uint64_t sy; rc == OME_OK && y < pv->h && (sy = sample_at(y, pv->h, H)) < y0 + h;
             y++)
            for (uint32_t x = 0; x < pv->w; x++)
                smp[(size_t)y * pv->w + x] =
                    ome_pixel_value(band + ((sy - y0) * W + sample_at(x, pv->w, W)) * es,
                                    img->dtype);
    }
    free(band);
    return rc;
}

/* Adds channel c's share of the picture to acc (w × h × 3). */
static int add_channel(const ome_image *img, const shot *pv, uint64_t c, double *acc,
                       ome_err *err)
{
    const ome_channel *ch = c < (uint64_t)img->nchannels ? &img->channels[c] : NULL;
    bool known = ch && ch->has_window;
    size_t n = (size_t)pv->w * pv->h;
    double *smp = malloc(n * sizeof *smp), start = 0, end = 0;
    ome_pixel_stats st;
    int rc = smp ? ome_pixel_stats_init(&st, img->dtype, err)
                 : ome_err_set(err, OME_ENOMEM, "out of memory");
    if (rc == OME_OK) {
        rc = sample_plane(img, pv, c, smp, known ? NULL : &st, err);
        if (known)
            start = ch->start, end = ch->end;
        else
            start = ome_pixel_stats_percentile(&st, 0.1), end = ome_pixel_stats_percentile(&st, 99.9);
        ome_pixel_stats_free(&st);
    }
    uint32_t rgb = ch ? ch->rgb : 0xFFFFFF;
    double col[3] = {(double)(rgb >> 16 & 0xFF), (double)(rgb >> 8 & 0xFF), (double)(rgb & 0xFF)};
    for (size_t i = 0; rc == OME_OK && i < n; i++) {
        double f = end > start ? (smp[i] - start) / (end - start) : smp[i] > start ? 1 : 0;
        f = isnan(f) ? 0 : f < 0 ? 0 : f > 1 ? 1 : f;
        for (int k = 0; k < 3; k++)
            acc[i * 3 + k] += f * col[k];
    }
    free(smp);
    return rc;
}

/* The composite of every channel of shot `at` of img into rgb. */
static int composite(const ome_image *img, const shot *at, uint8_t *rgb, ome_err *err)
{
    size_t n = (size_t)at->w * at->h;
    double *acc = calloc(n * 3, sizeof *acc);
    int rc = acc ? OME_OK : ome_err_set(err, OME_ENOMEM, "out of memory");
    for (uint64_t c = 0; rc == OME_OK && c < img->levels[at->level].shape[OME_C]; c++)
        rc = add_channel(img, at, c, acc, err);
    for (size_t i = 0; rc == OME_OK && i < n * 3; i++)
        rgb[i] = acc[i] >= 254.5 ? 255 : (uint8_t)floor(acc[i] + 0.5);
    free(acc);
    return rc;
}

int ome_preview_paint(const ome_image *img, uint32_t w, uint32_t h, uint8_t *rgb, ome_err *err)
{
    shot at = {pick_level(img, w > h ? w : h), w, h};
    return composite(img, &at, rgb, err);
}

static int render_png(const ome_vtiff *vt, preview *pv, ome_err *err)
{
    uint8_t *rgb = calloc((size_t)pv->at.w * pv->at.h, 3);
    uint8_t *png = malloc((size_t)vt->size);
    int rc = rgb && png ? OME_OK : ome_err_set(err, OME_ENOMEM, "out of memory");
    if (rc == OME_OK)
        rc = vt->paint ? vt->paint(vt->paint_ctx, rgb, pv->at.w, pv->at.h, err)
                       : composite(vt->img, &pv->at, rgb, err);
    if (rc == OME_OK) {
        ome_png_stored_write(rgb, pv->at.w, pv->at.h, png);
        pv->png = png;
        png = NULL;
    }
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

/* The layout: one segment rendered when read, for a picture of `at`'s size. */
static int make_layout(const ome_image *img, const shot *at, ome_vtiff **out, ome_err *err)
{
    preview *pv = calloc(1, sizeof *pv);
    ome_vtiff *vt = pv ? vt_new(img, OME_VT_PREVIEW, 0) : NULL;
    if (!vt) {
        free(pv);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&pv->lock, NULL);
    pv->at = *at;
    vt->lazy = pv;
    vt->lazy_free = preview_free;
    vt->render = render;
    if (!vt_add_seg(vt, VT_SEG_LAZY, ome_png_stored_size(at->w, at->h))) {
        ome_vtiff_free(vt);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    *out = vt;
    return OME_OK;
}

static int remake_preview(const ome_vtiff *like, ome_vtiff **out, ome_err *err)
{
    return ome_vtiff_make_preview(like->img, out, err);
}

static int remake_picture(const ome_vtiff *like, ome_vtiff **out, ome_err *err)
{
    shot at = {0, like->pic_w, like->pic_h};
    return make_layout(NULL, &at, out, err);
}

int ome_vtiff_make_preview(const ome_image *img, ome_vtiff **out, ome_err *err)
{
    if (img->nlevels < 1)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: an image without levels has no preview",
                           img->where);
    shot at;
    ome_preview_geometry(img, &at.level, &at.w, &at.h);
    int rc = make_layout(img, &at, out, err);
    if (rc == OME_OK)
        (*out)->remake = remake_preview;
    return rc;
}

int ome_vtiff_make_picture(const char *where, uint32_t w, uint32_t h, ome_paint_fn paint,
                           const void *ctx, ome_vtiff **out, ome_err *err)
{
    if (w < 1 || h < 1 || w > OME_PREVIEW_MAX || h > OME_PREVIEW_MAX)
        return ome_err_set(err, OME_EINVAL, "%s: a picture of %ux%u pixels", where, w, h);
    shot at = {0, w, h};
    int rc = make_layout(NULL, &at, out, err);
    if (rc)
        return rc;
    (*out)->remake = remake_picture;
    (*out)->paint = paint, (*out)->paint_ctx = ctx;
    (*out)->pic_w = w, (*out)->pic_h = h;
    if (!((*out)->where = strdup(where))) {
        ome_vtiff_free(*out);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    return OME_OK;
}
