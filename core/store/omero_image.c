/* omero_image: one OMERO image described as an OME-Zarr 0.4 image, from OMERO.web's imgData:
 * its geometry (levels, tiles, pixel type), the generated metadata documents (.zattrs, .zgroup,
 * L/.zarray: big-endian pixels, no compressor, a chunk per tile) and the mapping of a chunk key
 * L/t/c/z/y/x to a tile of the pixel-buffer microservice. No network: store_omero fetches. */
#include "store/omero_image.h"

#include <jansson.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE ((uint64_t)1 << 31)
#define DEFAULT_TILE 1024 /* chunk side for images OMERO does not tile */

static const struct {
    const char *omero, *zarr;
    int bytes;
} pixel_types[] = {{"uint8", "|u1", 1}, {"int8", "|i1", 1},   {"uint16", ">u2", 2},
                   {"int16", ">i2", 2}, {"uint32", ">u4", 4}, {"int32", ">i4", 4},
                   {"float", ">f4", 4}, {"double", ">f8", 8}};

static uint64_t positive(json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return (uint64_t)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) >= 1 && json_real_value(v) < 9e15)
        return (uint64_t)json_real_value(v);
    return 0;
}

const char *ome_omero_image_pixel_type(json_t *img)
{
    const char *t = json_string_value(json_object_get(json_object_get(img, "meta"), "pixelsType"));
    return t ? t : json_string_value(json_object_get(img, "pixelsType"));
}

/* Level sizes: "resolutions" when the server gives them, else the full size scaled by
 * zoomLevelScaling (level 0 is the full resolution in both). */
static int read_levels(ome_omero_image *im, json_t *img, const char *where, ome_err *err)
{
    im->nlevels = 1;
    im->sizes[0][0] = positive(json_object_get(json_object_get(img, "size"), "width"));
    im->sizes[0][1] = positive(json_object_get(json_object_get(img, "size"), "height"));
    if (!im->sizes[0][0] || !im->sizes[0][1] || im->sizes[0][0] > MAX_SIDE ||
        im->sizes[0][1] > MAX_SIDE)
        return ome_err_set(err, OME_EINVAL, "%s: size missing or out of range", where);
    if (!json_is_true(json_object_get(img, "tiles")))
        return OME_OK;
    json_int_t n = json_integer_value(json_object_get(img, "levels"));
    if (n < 1 || n > OME_OMERO_MAX_LEVELS)
        return ome_err_set(err, OME_EINVAL, "%s: levels %lld out of range 1..%d", where,
                           (long long)n, OME_OMERO_MAX_LEVELS);
    json_t *res = json_object_get(img, "resolutions"),
           *zoom = json_object_get(img, "zoomLevelScaling");
    for (int l = 1; l < n; l++) {
        char k[16];
        snprintf(k, sizeof k, "%d", l);
        json_t *r = json_object_get(res, k);
        uint64_t w = positive(json_object_get(r, "sizeX")),
                 h = positive(json_object_get(r, "sizeY"));
        if (!r) {
            json_t *f = json_object_get(zoom, k);
            double scale = json_number_value(f);
            if (!json_is_number(f) || !(scale > 0 && scale <= 1))
                return ome_err_set(err, OME_EINVAL,
                                   "%s: zoomLevelScaling[%d] missing or not in "
                                   "(0, 1]",
                                   where, l);
            /* as the server sizes its levels: the product floored (a 1001-row image's half
             * level has 500 rows) */
            w = (uint64_t)floor((double)im->sizes[0][0] * scale);
            h = (uint64_t)floor((double)im->sizes[0][1] * scale);
        }
        if (w < 1 || h < 1 || w > im->sizes[l - 1][0] || h > im->sizes[l - 1][1])
            return ome_err_set(err, OME_EINVAL,
                               "%s: level %d is %" PRIu64 " x %" PRIu64
                               ", not smaller than the one before",
                               where, l, w, h);
        im->sizes[l][0] = w, im->sizes[l][1] = h;
    }
    im->nlevels = (int)n;
    return OME_OK;
}

/* .zattrs: multiscales 0.4 with physical sizes, and the channels' colours and windows. */
static char *make_zattrs(ome_omero_image *im, json_t *img)
{
    json_t *ps = json_object_get(img, "pixel_size");
    double px = json_number_value(json_object_get(ps, "x")),
           py = json_number_value(json_object_get(ps, "y")),
           pz = json_number_value(json_object_get(ps, "z"));
    bool have_xy = px > 0 && py > 0;
    json_t *axes = json_array();
    static const char *names[] = {"t", "c", "z", "y", "x"},
                      *types[] = {"time", "channel", "space", "space", "space"};
    for (int i = 0; i < 5; i++) {
        json_t *a = json_pack("{s:s, s:s}", "name", names[i], "type", types[i]);
        if ((i >= 3 && have_xy) || (i == 2 && pz > 0))
            json_object_set_new(a, "unit", json_string("micrometer"));
        json_array_append_new(axes, a);
    }
    json_t *datasets = json_array();
    for (int l = 0; l < im->nlevels; l++) {
        char path[16];
        snprintf(path, sizeof path, "%d", l);
        double fx = (double)im->sizes[0][0] / (double)im->sizes[l][0],
               fy = (double)im->sizes[0][1] / (double)im->sizes[l][1];
        json_t *scale = json_pack("[f, f, f, f, f]", 1.0, 1.0, pz > 0 ? pz : 1.0,
                                  (have_xy ? py : 1.0) * fy, (have_xy ? px : 1.0) * fx);
        json_array_append_new(datasets, json_pack("{s:s, s:[{s:s, s:o}]}", "path", path,
                                                  "coordinateTransformations", "type", "scale",
                                                  "scale", scale));
    }
    const char *name =
        json_string_value(json_object_get(json_object_get(img, "meta"), "imageName"));
    json_t *channels = json_array(), *ch;
    size_t i;
    json_array_foreach(json_object_get(img, "channels"), i, ch)
    {
        json_t *out = json_object();
        json_t *label = json_object_get(ch, "label"), *color = json_object_get(ch, "color"),
               *window = json_object_get(ch, "window"), *active = json_object_get(ch, "active");
        if (json_is_string(label))
            json_object_set(out, "label", label);
        if (json_is_string(color))
            json_object_set(out, "color", color);
        if (json_is_boolean(active))
            json_object_set(out, "active", active);
        if (json_is_object(window)) {
            json_t *w = json_object();
            static const char *keys[] = {"min", "max", "start", "end"};
            for (int k = 0; k < 4; k++)
                if (json_is_number(json_object_get(window, keys[k])))
                    json_object_set(w, keys[k], json_object_get(window, keys[k]));
            json_object_set_new(out, "window", w);
        }
        json_array_append_new(channels, out);
    }
    json_t *ms = json_pack("{s:s, s:o, s:o}", "version", "0.4", "axes", axes, "datasets", datasets);
    if (name)
        json_object_set_new(ms, "name", json_string(name));
    json_t *omero = json_pack("{s:o}", "channels", channels);
    if (name)
        json_object_set_new(omero, "name", json_string(name));
    json_t *doc = json_pack("{s:[o], s:o}", "multiscales", ms, "omero", omero);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static char *make_zarray(ome_omero_image *im, int l, const char *dtype)
{
    json_t *doc = json_pack(
        "{s:i, s:[I, I, I, I, I], s:[i, i, i, I, I], s:s, s:n, s:i, s:s, s:n, s:s}", "zarr_format",
        2, "shape", (json_int_t)im->t, (json_int_t)im->c, (json_int_t)im->z,
        (json_int_t)im->sizes[l][1], (json_int_t)im->sizes[l][0], "chunks", 1, 1, 1,
        (json_int_t)im->tile_h, (json_int_t)im->tile_w, "dtype", dtype, "compressor", "fill_value",
        0, "order", "C", "filters", "dimension_separator", "/");
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

int ome_omero_image_busy(json_t *img, const char *where, ome_err *err)
{
    json_t *busy = json_object_get(img, "ConcurrencyException");
    if (!busy) /* webgateway's answer while the pyramid is being generated (imageData_json) */
        return OME_OK;
    return ome_err_set(err, OME_EIO,
                       "%s: the server is still building this image's pyramid; try again later "
                       "(it suggests in %lld ms)",
                       where, (long long)json_integer_value(json_object_get(busy, "backOff")));
}

int ome_omero_image_describe(ome_omero_image *im, json_t *img, const char *type_override,
                             const char *where, ome_err *err)
{
    const uint64_t most_planes = (uint64_t)1 << 24;
    int rc = ome_omero_image_busy(img, where, err);
    if (rc)
        return rc;
    json_t *size = json_object_get(img, "size");
    im->t = positive(json_object_get(size, "t"));
    im->c = positive(json_object_get(size, "c"));
    im->z = positive(json_object_get(size, "z"));
    rc = read_levels(im, img, where, err);
    if (rc == OME_OK && (!im->t || !im->c || !im->z || im->t > most_planes ||
                         im->c > most_planes || im->z > most_planes ||
                         im->t * im->c * im->z > most_planes))
        rc = ome_err_set(err, OME_EINVAL, "%s: size missing or out of range", where);
    if (rc != OME_OK)
        return rc;
    json_t *ts = json_object_get(img, "tile_size");
    im->tile_w = positive(json_object_get(ts, "width"));
    im->tile_h = positive(json_object_get(ts, "height"));
    if (!json_is_true(json_object_get(img, "tiles")) || !im->tile_w || !im->tile_h ||
        im->tile_w > 8192 || im->tile_h > 8192)
        im->tile_w = im->tile_h = DEFAULT_TILE;
    if (im->tile_w > im->sizes[0][0])
        im->tile_w = im->sizes[0][0];
    if (im->tile_h > im->sizes[0][1])
        im->tile_h = im->sizes[0][1];
    const char *type = ome_omero_image_pixel_type(img);
    if (!type)
        type = type_override;
    if (!type)
        return ome_err_set(err, OME_EINVAL, "%s: no pixel type", where);
    const char *dtype = NULL;
    for (size_t i = 0; i < sizeof pixel_types / sizeof pixel_types[0]; i++)
        if (strcmp(type, pixel_types[i].omero) == 0) {
            dtype = pixel_types[i].zarr;
            im->bytes_per_pixel = pixel_types[i].bytes;
        }
    if (!dtype)
        rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: pixel type \"%s\" is not supported%s", where,
                         type, strcmp(type, "bit") == 0 ? " (1 bit per pixel)" : "");
    if (rc == OME_OK && !(im->zattrs = make_zattrs(im, img)))
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int l = 0; rc == OME_OK && l < im->nlevels; l++)
        if (!(im->zarray[l] = make_zarray(im, l, dtype)))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    return rc;
}

void ome_omero_image_free(ome_omero_image *im)
{
    free(im->zattrs);
    im->zattrs = NULL;
    for (int l = 0; l < OME_OMERO_MAX_LEVELS; l++) {
        free(im->zarray[l]);
        im->zarray[l] = NULL;
    }
}

int ome_omero_describe_imgdata(const char *text, size_t len, ome_err *err)
{
    ome_omero_image im = {0};
    json_error_t je;
    json_t *img = json_loadb(text, len, 0, &je);
    int rc = img ? ome_omero_image_describe(&im, img, NULL, "imgData", err)
                 : ome_err_set(err, OME_EINVAL, "imgData: not JSON (%s)", je.text);
    json_decref(img);
    ome_omero_image_free(&im);
    return rc;
}

/* L/t/c/z/y/x → level and indices; false for anything else. */
static bool parse_chunk_key(const ome_omero_image *im, const char *key, int *l, uint64_t ix[5])
{
    unsigned long long v[6];
    int used = 0;
    if (sscanf(key, "%llu/%llu/%llu/%llu/%llu/%llu%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &used) != 6 ||
        key[used] != '\0' || v[0] >= (unsigned long long)im->nlevels)
        return false;
    *l = (int)v[0];
    const uint64_t *sz = im->sizes[*l];
    uint64_t lim[5] = {im->t, im->c, im->z, (sz[1] + im->tile_h - 1) / im->tile_h,
                       (sz[0] + im->tile_w - 1) / im->tile_w};
    for (int i = 0; i < 5; i++) {
        if (v[i + 1] >= lim[i])
            return false;
        ix[i] = v[i + 1];
    }
    return true;
}

bool ome_omero_image_tile_key(const ome_omero_image *im, const char *key, char *tile_key,
                              size_t len, uint64_t *w, uint64_t *h)
{
    int l;
    uint64_t ix[5];
    if (!parse_chunk_key(im, key, &l, ix))
        return false;
    uint64_t x = ix[4] * im->tile_w, y = ix[3] * im->tile_h; /* clamped to the level's edges */
    *w = im->sizes[l][0] - x < im->tile_w ? im->sizes[l][0] - x : im->tile_w;
    *h = im->sizes[l][1] - y < im->tile_h ? im->sizes[l][1] - y : im->tile_h;
    int n = snprintf(tile_key, len,
                     "tile/%lld/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "?x=%" PRIu64 "&y=%" PRIu64
                     "&w=%" PRIu64 "&h=%" PRIu64,
                     im->id, ix[2], ix[1], ix[0], x, y, *w, *h);
    /* "resolution" only for pyramids: the service calls setResolutionLevel whenever it is
     * given, which images without a pyramid (ROMIO: made through the API, projections,
     * pre-FS data) refuse, answered as 404 */
    if (im->nlevels > 1 && n > 0 && (size_t)n < len)
        snprintf(tile_key + n, len - (size_t)n, "&resolution=%d", im->nlevels - 1 - l);
    return true;
}

static void serve_text(ome_store_req *r, const char *text)
{
    size_t n = strlen(text);
    uint64_t off = r->range == OME_RANGE_SPAN                   ? r->off
                   : r->range == OME_RANGE_SUFFIX && r->len < n ? n - r->len
                                                                : 0;
    uint64_t len = r->range == OME_RANGE_ALL ? n : r->len;
    if (off > n)
        off = n;
    if (len > n - off)
        len = n - off;
    r->status = ome_buf_append(&r->body, text + off, (size_t)len) ? OME_ENOMEM : OME_OK;
}

bool ome_omero_image_document(const ome_omero_image *im, const char *key, ome_store_req *r)
{
    int l, used = 0;
    if (strcmp(key, ".zattrs") == 0) {
        serve_text(r, im->zattrs);
    } else if (strcmp(key, ".zgroup") == 0) {
        serve_text(r, "{\"zarr_format\":2}");
    } else if (sscanf(key, "%d/.zarray%n", &l, &used) == 1 && key[used] == '\0' && l >= 0 &&
               l < im->nlevels && isdigit((unsigned char)key[0])) {
        serve_text(r, im->zarray[l]);
    } else {
        return false;
    }
    return true;
}

int ome_omero_image_chunk_from_tile(const ome_omero_image *im, ome_store_req *r, uint64_t w,
                                    uint64_t h, const char *shown)
{
    size_t bpp = (size_t)im->bytes_per_pixel, want = (size_t)(w * h) * bpp;
    if (r->body.len != want)
        return ome_err_set(&r->err, OME_EIO,
                           "%s: tile of %zu bytes, expected %" PRIu64 " x %" PRIu64
                           " pixels of %zu bytes",
                           shown, r->body.len, w, h, bpp);
    if (w == im->tile_w && h == im->tile_h)
        return OME_OK;
    ome_buf chunk = {0};
    size_t row = (size_t)im->tile_w * bpp, full = row * (size_t)im->tile_h;
    if (ome_buf_reserve(&chunk, full))
        return ome_err_set(&r->err, OME_ENOMEM, "out of memory");
    memset(chunk.data, 0, full);
    for (uint64_t y = 0; y < h; y++)
        memcpy(chunk.data + y * row, r->body.data + y * w * bpp, (size_t)w * bpp);
    chunk.len = full;
    ome_buf_free(&r->body);
    r->body = chunk;
    return OME_OK;
}
