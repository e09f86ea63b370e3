/* image: builds the TCZYX image description from OME-NGFF metadata and gathers regions. */
#include "image/image.h"

#include "base/key.h"
#include "image/group.h"

#include "zarr/chunk_cache.h"
#include "base/log.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A level's scale along an axis: beyond these, unit conversions and 1/scale overflow. */
#define SCALE_MIN 1e-100
#define SCALE_MAX 1e100

/* Default channel colours when the metadata gives none: grey for one channel, else a cycle. */
static uint32_t default_color(int c, int n)
{
    static const uint32_t cycle[] = {0xFF0000, 0x00FF00, 0x0000FF, 0xFF00FF,
                                     0x00FFFF, 0xFFFF00, 0xFFFFFF};
    return n == 1 ? 0xFFFFFF : cycle[c % 7];
}

/* Level i's geometry from its array and the multiscale's axes and transforms (level 0 first:
 * a level with no scale takes it from its shape's ratio to level 0). */
static int build_level(ome_image *img, const ome_ngff_multiscale *ms, int i, ome_err *err)
{
    ome_level *L = &img->levels[i];
    ome_zarr_array *arr = L->arr;
    if (arr->ndim != ms->naxes)
        return ome_err_set(err, OME_EINVAL, "%s: array has %d dimensions but the image has %d "
                           "axes", arr->where, arr->ndim, ms->naxes);
    if (arr->dtype != img->dtype)
        return ome_err_set(err, OME_EINVAL, "%s: dtype %s differs from level 0 (%s)",
                           arr->where, ome_dtype_name(arr->dtype), ome_dtype_name(img->dtype));
    for (int r = 0; r < OME_NROLES; r++) {
        L->dim_of[r] = -1;
        L->shape[r] = L->chunk[r] = 1;
        L->scale[r] = 1;
    }
    for (int a = 0; a < ms->naxes; a++) {
        int r = ms->axes[a].role;
        L->dim_of[r] = a;
        L->shape[r] = arr->shape[a];
        L->chunk[r] = arr->chunks[a];
        const ome_ngff_dataset *ds = &ms->datasets[i];
        double s = ds->has_scale ? ds->scale[a] : 0;
        if (s <= 0) /* no scale given: derive from the shape ratio to level 0 */
            s = i > 0 && arr->shape[a] ? img->levels[0].scale[r] *
                                             (double)img->levels[0].shape[r] /
                                             (double)arr->shape[a] / ms->top_scale[a]
                                       : 1;
        L->scale[r] = s * ms->top_scale[a];
        L->translation[r] = ds->translation[a] * ms->top_scale[a] + ms->top_translation[a];
        /* factors each in range can multiply out of it (1e299 · 1e299 is inf): readers then
         * get no valid size */
        if (!(L->scale[r] > SCALE_MIN && L->scale[r] < SCALE_MAX)) {
            OME_LOGW("%s: axis %c's scale comes to %g, out of range; 1 used", arr->where,
                     "TCZYX"[r], L->scale[r]);
            L->scale[r] = 1;
        }
        if (!isfinite(L->translation[r]))
            L->translation[r] = 0;
    }
    for (int r = 0; r < OME_NROLES; r++)
        if (L->shape[r] == 0)
            return ome_err_set(err, OME_EINVAL, "%s: axis %c has size 0", arr->where,
                               "TCZYX"[r]);
    const ome_level *L0 = &img->levels[0], *up = &img->levels[i > 0 ? i - 1 : 0];
    if (i > 0 && (L->shape[OME_C] != L0->shape[OME_C] || L->shape[OME_T] != L0->shape[OME_T]))
        return ome_err_set(err, OME_EINVAL, "%s: level %d has %llu channels and %llu time "
                           "points; level 0 has %llu and %llu", arr->where, i,
                           (unsigned long long)L->shape[OME_C],
                           (unsigned long long)L->shape[OME_T],
                           (unsigned long long)L0->shape[OME_C],
                           (unsigned long long)L0->shape[OME_T]);
    if (i > 0 && (L->shape[OME_Y] > up->shape[OME_Y] || L->shape[OME_X] > up->shape[OME_X] ||
                  L->shape[OME_Z] > up->shape[OME_Z]))
        return ome_err_set(err, OME_EINVAL, "%s: level %d is larger than level %d", arr->where,
                           i, i - 1);
    return OME_OK;
}

/* The image's channels: names, colours and display windows from the omero metadata where it
 * has them. */
static int build_channels(ome_image *img, const char *where, const ome_channel_meta *chmeta,
                          int nchmeta, ome_err *err)
{
    uint64_t nch = img->levels[0].shape[OME_C];
    if (nch > 100000)
        return ome_err_set(err, OME_ERANGE, "%s: %llu channels is more than omefs supports",
                           where, (unsigned long long)nch);
    if (!(img->channels = calloc(nch, sizeof *img->channels)))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    if (nchmeta && (uint64_t)nchmeta != nch)
        OME_LOGW("%s: omero lists %d channels but the image has %llu; extra entries ignored",
                 where, nchmeta, (unsigned long long)nch);
    img->nchannels = (int)nch;
    for (int c = 0; c < img->nchannels; c++) {
        ome_channel *ch = &img->channels[c];
        const ome_channel_meta *m = c < nchmeta ? &chmeta[c] : NULL;
        char fallback[32];
        snprintf(fallback, sizeof fallback, "Channel %d", c);
        ch->name = strdup(m && m->label ? m->label : fallback);
        ch->named = m && m->label;
        ch->rgb = m && m->has_color ? m->rgb : default_color(c, img->nchannels);
        if (m && m->has_window) {
            ch->has_window = true;
            ch->start = m->start;
            ch->end = m->end;
            ch->min = m->min;
            ch->max = m->max;
        }
        if (!ch->name)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    return OME_OK;
}

int ome_image_build(ome_store *store, const char *where, const char *name,
                    const ome_ngff_multiscale *ms, ome_zarr_array **arrays,
                    const ome_channel_meta *chmeta, int nchmeta, ome_image **out, ome_err *err)
{
    ome_image *img = calloc(1, sizeof *img);
    if (!img || !(img->levels = calloc((size_t)ms->ndatasets, sizeof *img->levels)) ||
        !(img->name = strdup(name)) || !(img->where = strdup(where))) {
        if (img)
            img->nlevels = 0;
        for (int i = 0; i < ms->ndatasets; i++)
            ome_zarr_array_free(arrays[i]);
        ome_image_free(img);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    img->store = store;
    img->nlevels = ms->ndatasets;
    for (int i = 0; i < ms->ndatasets; i++)
        img->levels[i].arr = arrays[i];
    for (int a = 0; a < ms->naxes; a++) {
        img->has_axis[ms->axes[a].role] = true;
        snprintf(img->unit[ms->axes[a].role], sizeof img->unit[0], "%s", ms->axes[a].unit);
    }
    img->dtype = arrays[0]->dtype;
    int rc = OME_OK;
    for (int i = 0; i < ms->ndatasets && rc == OME_OK; i++)
        rc = build_level(img, ms, i, err);
    if (rc == OME_OK)
        rc = build_channels(img, where, chmeta, nchmeta, err);
    if (rc) {
        ome_image_free(img);
        return rc;
    }
    *out = img;
    return OME_OK;
}

int ome_image_open(ome_store *store, const char *path, const char *name, ome_image **out,
                   ome_err *err)
{
    char where[4096];
    json_t *attrs = NULL;
    int rc = ome_group_attrs_load(store, path, &attrs, where, sizeof where, err);
    if (rc)
        return rc == OME_ABSENT ? OME_EINVAL : rc; /* the message says what is missing */
    rc = ome_image_open_attrs(store, path, name, attrs, where, out, err);
    json_decref(attrs);
    return rc;
}

int ome_image_open_attrs(ome_store *store, const char *path, const char *name, json_t *attrs,
                         const char *where, ome_image **out, ome_err *err)
{
    int rc;
    ome_ngff_multiscale ms;
    if ((rc = ome_ngff_parse_multiscales(attrs, where, &ms, err)))
        return rc;
    ome_channel_meta *chmeta = NULL;
    int nchmeta = 0;
    rc = ome_ngff_parse_omero(attrs, where, &chmeta, &nchmeta, err);
    ome_zarr_array **arrays = calloc((size_t)ms.ndatasets, sizeof *arrays);
    if (!arrays && rc == OME_OK)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    /* every level's metadata in one batch (v3 groups have v3 arrays: their zarr.json first) */
    char(*keys)[2048] = rc == OME_OK ? calloc((size_t)ms.ndatasets, sizeof *keys) : NULL;
    const char **paths = keys ? calloc((size_t)ms.ndatasets, sizeof *paths) : NULL;
    if (rc == OME_OK && !paths)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int i = 0; rc == OME_OK && i < ms.ndatasets; i++) {
        rc = ome_key_join(keys[i], sizeof keys[i], path, ms.datasets[i].path, err);
        paths[i] = keys[i];
    }
    size_t wl = strlen(where);
    bool v3 = wl >= 9 && strcmp(where + wl - 9, "zarr.json") == 0;
    if (rc == OME_OK)
        rc = ome_zarr_arrays_open(store, paths, ms.ndatasets, v3, arrays, err);
    free(paths);
    free(keys);
    if (rc == OME_OK) {
        char group[4096];
        ome_store_describe(store, path, group, sizeof group);
        rc = ome_image_build(store, group, name, &ms, arrays, chmeta, nchmeta, out, err);
        const char *title = ome_ngff_omero_name(attrs);
        if (rc == OME_OK && title && !((*out)->title = strdup(title))) {
            ome_image_free(*out);
            *out = NULL;
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        }
    } else if (arrays) {
        for (int i = 0; i < ms.ndatasets; i++)
            ome_zarr_array_free(arrays[i]);
    }
    free(arrays);
    ome_channel_meta_free(chmeta, nchmeta);
    ome_ngff_multiscale_free(&ms);
    return rc;
}

void ome_image_free(ome_image *img)
{
    if (!img)
        return;
    for (int i = 0; i < img->nlevels; i++)
        ome_zarr_array_free(img->levels[i].arr);
    free(img->levels);
    for (int c = 0; c < img->nchannels; c++)
        free(img->channels[c].name);
    free(img->channels);
    free(img->name);
    free(img->title);
    free(img->where);
    free(img);
}

size_t ome_image_pixel_size(const ome_image *img) { return ome_dtype_size(img->dtype); }

/* Copies the part of one decoded chunk that overlaps the region. */
static void copy_from_chunk(const ome_level *L, const uint8_t *chunk, const uint64_t *cidx,
                            const uint64_t *fixed, uint64_t y0, uint64_t x0, uint64_t h,
                            uint64_t w, size_t es, uint8_t *out)
{
    const ome_zarr_array *a = L->arr;
    uint64_t stride[OME_ZARR_MAX_DIMS];
    uint64_t s = 1;
    for (int d = a->ndim - 1; d >= 0; d--) {
        stride[d] = s;
        s *= a->chunks[d];
    }
    int dy = L->dim_of[OME_Y], dx = L->dim_of[OME_X];
    uint64_t base = 0;
    for (int r = OME_T; r <= OME_Z; r++) {
        int d = L->dim_of[r];
        if (d >= 0)
            base += (fixed[r] - cidx[d] * a->chunks[d]) * stride[d];
    }
    uint64_t cy0 = cidx[dy] * a->chunks[dy], cx0 = cidx[dx] * a->chunks[dx];
    uint64_t ys = y0 > cy0 ? y0 : cy0, ye = y0 + h < cy0 + a->chunks[dy] ? y0 + h : cy0 + a->chunks[dy];
    uint64_t xs = x0 > cx0 ? x0 : cx0, xe = x0 + w < cx0 + a->chunks[dx] ? x0 + w : cx0 + a->chunks[dx];
    for (uint64_t y = ys; y < ye; y++) {
        uint64_t src = base + (y - cy0) * stride[dy] + (xs - cx0) * stride[dx];
        uint8_t *dst = out + ((y - y0) * w + (xs - x0)) * es;
        if (stride[dx] == 1) {
            memcpy(dst, chunk + src * es, (size_t)(xe - xs) * es);
        } else {
            for (uint64_t x = xs; x < xe; x++)
                memcpy(dst + (x - xs) * es, chunk + (src + (x - xs) * stride[dx]) * es, es);
        }
    }
}

/* At most this many decoded bytes, and this many chunks (each costs a few KiB of bookkeeping
 * on its way: requests, messages), are handled at once while gathering; larger regions go in
 * batches. */
#define GATHER_BATCH_BYTES ((uint64_t)256 << 20)
#define GATHER_BATCH_CHUNKS ((uint64_t)1024)

/* How many of n chunks of array a one batch takes. */
static size_t batch_of(const ome_zarr_array *a, size_t n)
{
    uint64_t per = GATHER_BATCH_BYTES / (a->chunk_nbytes ? a->chunk_nbytes : 1);
    per = per == 0 ? 1 : per < GATHER_BATCH_CHUNKS ? per : GATHER_BATCH_CHUNKS;
    return (size_t)(per < n ? per : n);
}

int ome_image_read_region(const ome_image *img, int level, uint64_t t, uint64_t c, uint64_t z,
                          uint64_t y0, uint64_t x0, uint64_t h, uint64_t w, void *out,
                          ome_err *err)
{
    return ome_image_read_region_as(img, level, t, c, z, y0, x0, h, w, out, OME_ACCESS_RANDOM,
                                    err);
}

int ome_image_read_region_as(const ome_image *img, int level, uint64_t t, uint64_t c,
                             uint64_t z, uint64_t y0, uint64_t x0, uint64_t h, uint64_t w,
                             void *out, ome_access access, ome_err *err)
{
    ome_chunk_list l = {0};
    int rc = ome_image_region_chunks(img, level, t, c, z, y0, x0, h, w, &l, err);
    if (rc != OME_OK || l.n == 0)
        return rc;
    const ome_level *L = &img->levels[level];
    const ome_zarr_array *a = L->arr;
    size_t es = ome_dtype_size(img->dtype);
    const uint64_t fixed[OME_NROLES] = {t, c, z, 0, 0};
    size_t batch = batch_of(a, l.n);
    ome_zarr_chunk *chunks = calloc(batch, sizeof *chunks);
    if (!chunks) {
        ome_chunk_list_free(&l);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    for (size_t first = 0; first < l.n && rc == OME_OK; first += batch) {
        size_t n = l.n - first < batch ? l.n - first : batch;
        for (size_t i = 0; i < n; i++)
            memcpy(chunks[i].idx, l.idx[first + i], sizeof chunks[i].idx);
        ome_cache_get_chunks_as(img->cache, img->store, a, chunks, n, access);
        for (size_t i = 0; i < n; i++) {
            if (chunks[i].status == OME_OK && rc == OME_OK)
                copy_from_chunk(L, chunks[i].data, chunks[i].idx, fixed, y0, x0, h, w, es, out);
            else if (chunks[i].status != OME_OK && rc == OME_OK) {
                if (err)
                    *err = chunks[i].err;
                rc = chunks[i].status;
            }
            ome_cache_release(img->cache, &chunks[i]);
        }
    }
    free(chunks);
    ome_chunk_list_free(&l);
    return rc;
}

int ome_image_region_chunks(const ome_image *img, int level, uint64_t t, uint64_t c, uint64_t z,
                            uint64_t y0, uint64_t x0, uint64_t h, uint64_t w, ome_chunk_list *l,
                            ome_err *err)
{
    if (level < 0 || level >= img->nlevels)
        return ome_err_set(err, OME_ERANGE, "%s: no level %d", img->where, level);
    const ome_level *L = &img->levels[level];
    const ome_zarr_array *a = L->arr;
    if (t >= L->shape[OME_T] || c >= L->shape[OME_C] || z >= L->shape[OME_Z] ||
        y0 > L->shape[OME_Y] || h > L->shape[OME_Y] - y0 || x0 > L->shape[OME_X] ||
        w > L->shape[OME_X] - x0)
        return ome_err_set(err, OME_ERANGE, "%s: region outside level %d", img->where, level);
    if (h == 0 || w == 0)
        return OME_OK;
    if (l->n && l->level != level)
        return ome_err_set(err, OME_EINVAL, "chunk list mixes levels");
    l->level = level;
    const uint64_t fixed[OME_NROLES] = {t, c, z, 0, 0};
    int dy = L->dim_of[OME_Y], dx = L->dim_of[OME_X];
    uint64_t gy0 = y0 / a->chunks[dy], gy1 = (y0 + h - 1) / a->chunks[dy];
    uint64_t gx0 = x0 / a->chunks[dx], gx1 = (x0 + w - 1) / a->chunks[dx];
    for (uint64_t gy = gy0; gy <= gy1; gy++) {
        for (uint64_t gx = gx0; gx <= gx1; gx++) {
            if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 64;
                void *p = realloc(l->idx, cap * sizeof *l->idx);
                if (!p)
                    return ome_err_set(err, OME_ENOMEM, "out of memory");
                l->idx = p;
                l->cap = cap;
            }
            uint64_t *idx = l->idx[l->n++];
            memset(idx, 0, sizeof *l->idx);
            for (int r = OME_T; r <= OME_Z; r++)
                if (L->dim_of[r] >= 0)
                    idx[L->dim_of[r]] = fixed[r] / a->chunks[L->dim_of[r]];
            idx[dy] = gy;
            idx[dx] = gx;
        }
    }
    return OME_OK;
}

static int idx_cmp(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(uint64_t) * OME_ZARR_MAX_DIMS);
}

int ome_image_load_chunks(const ome_image *img, ome_chunk_list *l, ome_access access,
                          ome_err *err)
{
    if (l->n == 0)
        return OME_OK;
    qsort(l->idx, l->n, sizeof *l->idx, idx_cmp);
    size_t u = 1;
    for (size_t i = 1; i < l->n; i++)
        if (idx_cmp(l->idx[i], l->idx[u - 1]) != 0)
            memcpy(l->idx[u++], l->idx[i], sizeof *l->idx);
    l->n = u;
    const ome_zarr_array *a = img->levels[l->level].arr;
    size_t batch = batch_of(a, l->n);
    ome_zarr_chunk *chunks = calloc(batch, sizeof *chunks);
    if (!chunks)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    int rc = OME_OK;
    for (size_t first = 0; first < l->n; first += batch) {
        size_t n = l->n - first < batch ? l->n - first : batch;
        for (size_t i = 0; i < n; i++)
            memcpy(chunks[i].idx, l->idx[first + i], sizeof chunks[i].idx);
        ome_cache_get_chunks_as(img->cache, img->store, a, chunks, n, access);
        for (size_t i = 0; i < n; i++) {
            if (chunks[i].status != OME_OK && rc == OME_OK) {
                if (err)
                    *err = chunks[i].err;
                rc = chunks[i].status;
            }
            ome_cache_release(img->cache, &chunks[i]);
        }
    }
    free(chunks);
    return rc;
}

void ome_chunk_list_free(ome_chunk_list *l)
{
    free(l->idx);
    memset(l, 0, sizeof *l);
}
