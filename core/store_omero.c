/* store_omero: an OMERO image as an OME-Zarr 0.4 image. The metadata documents (.zattrs,
 * .zgroup, L/.zarray) are generated from OMERO.web's imgData; a chunk L/t/c/z/y/x is one raw
 * tile of the pixel-buffer microservice (GET /tile/ID/z/c/t?x=&y=&w=&h=&resolution=, big-endian
 * pixels, no compression), padded to the chunk's full size at the image's edges. Everything above
 * the store — Zarr, images, virtual TIFFs, both caches — is what OME-Zarr sources use.
 *
 * The session is made on first use, so a mount served wholly by the disk cache (offline) never
 * contacts the server; an expired session (HTTP 401/403 on tiles) is renewed once per batch. */
#include "log.h"
#include "omero_session.h"
#include "store.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 32
#define MAX_SIDE ((uint64_t)1 << 31)
#define DEFAULT_TILE 1024 /* chunk side for images OMERO does not tile */

typedef struct {
    ome_store base;
    pthread_mutex_t lock;
    ome_store_opts opts;
    char *user, *password, *tile_root, *ca_file;
    char web_root[2048];
    long long image_id;
    ome_omero_session session;
    bool ready;       /* the session and the documents exist */
    unsigned session_gen; /* counts logins, so that one expiry makes one new login */
    ome_store *tiles; /* HTTP store at the pixel service's root */
    /* geometry, from imgData */
    int nlevels;
    uint64_t sizes[MAX_LEVELS][2]; /* width, height of each level, 0 = full resolution */
    uint64_t t, c, z, tile_w, tile_h;
    int bytes_per_pixel;
    char *zattrs, *zarray[MAX_LEVELS];
} omero_store;

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

static const char *pixel_type_of(json_t *img)
{
    const char *t = json_string_value(json_object_get(json_object_get(img, "meta"), "pixelsType"));
    return t ? t : json_string_value(json_object_get(img, "pixelsType"));
}

/* The type from the JSON API, for servers whose imgData lacks meta.pixelsType. */
static char *pixel_type_from_api(omero_store *os, ome_err *err)
{
    char url[2300];
    snprintf(url, sizeof url, "%sm/images/%lld/", os->session.api, os->image_id);
    json_t *doc;
    if (ome_omero_get_json(&os->session, url, &doc, err))
        return NULL;
    const char *v = json_string_value(json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "data"), "Pixels"), "Type"), "value"));
    char *out = v ? strdup(v) : NULL;
    if (!v)
        ome_err_set(err, OME_EINVAL, "%s: no Pixels.Type", url);
    json_decref(doc);
    return out;
}

/* Level sizes: "resolutions" when the server gives them, else the full size scaled by
 * zoomLevelScaling (level 0 is the full resolution in both). */
static int read_levels(omero_store *os, json_t *img, const char *where, ome_err *err)
{
    os->nlevels = 1;
    os->sizes[0][0] = positive(json_object_get(json_object_get(img, "size"), "width"));
    os->sizes[0][1] = positive(json_object_get(json_object_get(img, "size"), "height"));
    if (!os->sizes[0][0] || !os->sizes[0][1] || os->sizes[0][0] > MAX_SIDE ||
        os->sizes[0][1] > MAX_SIDE)
        return ome_err_set(err, OME_EINVAL, "%s: size missing or out of range", where);
    if (!json_is_true(json_object_get(img, "tiles")))
        return OME_OK;
    json_int_t n = json_integer_value(json_object_get(img, "levels"));
    if (n < 1 || n > MAX_LEVELS)
        return ome_err_set(err, OME_EINVAL, "%s: levels %lld out of range 1..%d", where,
                           (long long)n, MAX_LEVELS);
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
            w = (uint64_t)llround((double)os->sizes[0][0] * scale);
            h = (uint64_t)llround((double)os->sizes[0][1] * scale);
        }
        if (w < 1 || h < 1 || w > os->sizes[l - 1][0] || h > os->sizes[l - 1][1])
            return ome_err_set(err, OME_EINVAL,
                               "%s: level %d is %" PRIu64 " x %" PRIu64
                               ", not smaller than the one before",
                               where, l, w, h);
        os->sizes[l][0] = w, os->sizes[l][1] = h;
    }
    os->nlevels = (int)n;
    return OME_OK;
}

/* .zattrs: multiscales 0.4 with physical sizes, and the channels' colours and windows. */
static char *make_zattrs(omero_store *os, json_t *img)
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
    for (int l = 0; l < os->nlevels; l++) {
        char path[16];
        snprintf(path, sizeof path, "%d", l);
        double fx = (double)os->sizes[0][0] / (double)os->sizes[l][0],
               fy = (double)os->sizes[0][1] / (double)os->sizes[l][1];
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

static char *make_zarray(omero_store *os, int l, const char *dtype)
{
    json_t *doc = json_pack(
        "{s:i, s:[I, I, I, I, I], s:[i, i, i, I, I], s:s, s:n, s:i, s:s, s:n, s:s}", "zarr_format",
        2, "shape", (json_int_t)os->t, (json_int_t)os->c, (json_int_t)os->z,
        (json_int_t)os->sizes[l][1], (json_int_t)os->sizes[l][0], "chunks", 1, 1, 1,
        (json_int_t)os->tile_h, (json_int_t)os->tile_w, "dtype", dtype, "compressor", "fill_value",
        0, "order", "C", "filters", "dimension_separator", "/");
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

/* Reads imgData and builds the documents. */
/* Fills the geometry and the documents from imgData. A pixel type missing there is asked of
 * the JSON API when `ask_api` (a session exists). */
static int describe_from(omero_store *os, json_t *img, const char *where, bool ask_api,
                         ome_err *err)
{
    const uint64_t most_planes = (uint64_t)1 << 24;
    json_t *size = json_object_get(img, "size");
    os->t = positive(json_object_get(size, "t"));
    os->c = positive(json_object_get(size, "c"));
    os->z = positive(json_object_get(size, "z"));
    int rc = read_levels(os, img, where, err);
    if (rc == OME_OK && (!os->t || !os->c || !os->z || os->t > most_planes ||
                         os->c > most_planes || os->z > most_planes ||
                         os->t * os->c * os->z > most_planes))
        rc = ome_err_set(err, OME_EINVAL, "%s: size missing or out of range", where);
    if (rc != OME_OK)
        return rc;
    json_t *ts = json_object_get(img, "tile_size");
    os->tile_w = positive(json_object_get(ts, "width"));
    os->tile_h = positive(json_object_get(ts, "height"));
    if (!json_is_true(json_object_get(img, "tiles")) || !os->tile_w || !os->tile_h ||
        os->tile_w > 8192 || os->tile_h > 8192)
        os->tile_w = os->tile_h = DEFAULT_TILE;
    if (os->tile_w > os->sizes[0][0])
        os->tile_w = os->sizes[0][0];
    if (os->tile_h > os->sizes[0][1])
        os->tile_h = os->sizes[0][1];
    const char *type = pixel_type_of(img);
    char *api_type = NULL;
    if (!type && ask_api && !(type = api_type = pixel_type_from_api(os, err)))
        return err->code ? err->code : OME_EINVAL;
    if (!type)
        return ome_err_set(err, OME_EINVAL, "%s: no pixel type", where);
    const char *dtype = NULL;
    for (size_t i = 0; i < sizeof pixel_types / sizeof pixel_types[0]; i++)
        if (strcmp(type, pixel_types[i].omero) == 0) {
            dtype = pixel_types[i].zarr;
            os->bytes_per_pixel = pixel_types[i].bytes;
        }
    if (!dtype)
        rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: pixel type \"%s\" is not supported%s", where,
                         type, strcmp(type, "bit") == 0 ? " (1 bit per pixel)" : "");
    if (rc == OME_OK && !(os->zattrs = make_zattrs(os, img)))
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int l = 0; rc == OME_OK && l < os->nlevels; l++)
        if (!(os->zarray[l] = make_zarray(os, l, dtype)))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    free(api_type);
    return rc;
}

/* Reads imgData and builds the documents. */
static int describe_image(omero_store *os, ome_err *err)
{
    char url[2300];
    snprintf(url, sizeof url, "%s/webgateway/imgData/%lld/", os->web_root, os->image_id);
    char where[2300];
    ome_url_redact(url, where, sizeof where);
    json_t *img;
    int rc = ome_omero_get_json(&os->session, url, &img, err);
    if (rc == OME_ABSENT)
        return ome_err_set(err, OME_EINVAL, "%s: no OMERO image %lld here", where, os->image_id);
    if (rc == OME_EDENIED) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return ome_err_set(err, OME_EDENIED, "%s; the image is not visible to %s", why,
                           os->user ? "this user" : "the public user (log in with omero_user=)");
    }
    if (rc)
        return rc;
    rc = describe_from(os, img, where, true, err);
    json_decref(img);
    return rc;
}

static void free_documents(omero_store *os)
{
    free(os->zattrs);
    os->zattrs = NULL;
    for (int l = 0; l < MAX_LEVELS; l++) {
        free(os->zarray[l]);
        os->zarray[l] = NULL;
    }
}

int ome_omero_describe_imgdata(const char *text, size_t len, ome_err *err)
{
    omero_store *os = calloc(1, sizeof *os);
    if (!os)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    json_error_t je;
    json_t *img = json_loadb(text, len, 0, &je);
    int rc = img ? describe_from(os, img, "imgData", false, err)
                 : ome_err_set(err, OME_EINVAL, "imgData: not JSON (%s)", je.text);
    json_decref(img);
    free_documents(os);
    free(os);
    return rc;
}

/* Sends the session's cookie and key with every tile request. */
static int share_session(omero_store *os)
{
    const char *h[2];
    size_t n = 0;
    char key[200];
    if (os->session.cookie[0])
        h[n++] = os->session.cookie;
    if (os->session.session_key[0]) {
        snprintf(key, sizeof key, "X-OMERO-Session-Key: %s", os->session.session_key);
        h[n++] = key;
    }
    return ome_store_http_set_headers(os->tiles, h, n);
}

/* One pixel of the smallest level: is the pixel-buffer microservice there, and does it take
 * this session? (OMERO.web alone renders JPEGs only.) */
static int probe_tiles(omero_store *os, ome_err *err)
{
    char key[128], shown[4300];
    snprintf(key, sizeof key, "tile/%lld/0/0/0?x=0&y=0&w=1&h=1&resolution=0", os->image_id);
    ome_store_describe(os->tiles, key, shown, sizeof shown);
    ome_store_req r = {.key = key};
    os->tiles->ops->get_many(os->tiles, &r, 1);
    int rc = r.status;
    if (rc == OME_ABSENT)
        rc = ome_err_set(err, OME_EINVAL,
                         "%s: not found: no OMERO pixel-buffer microservice there (OMERO.web "
                         "itself serves only rendered JPEGs); name it with omero_tiles=",
                         shown);
    else if (rc < 0)
        *err = r.err;
    else if (r.body.len != (size_t)os->bytes_per_pixel)
        rc = ome_err_set(err, OME_EINVAL,
                         "%s: %zu bytes for one pixel of %d bytes: not raw pixels from the "
                         "pixel-buffer microservice",
                         shown, r.body.len, os->bytes_per_pixel);
    ome_buf_free(&r.body);
    return rc;
}

static int ensure_ready(omero_store *os, ome_err *err)
{
    pthread_mutex_lock(&os->lock);
    int rc = OME_OK;
    if (!os->ready) {
        rc = ome_omero_connect(&os->session, os->web_root, &os->opts, os->user, os->password, err);
        if (rc == OME_OK)
            rc = describe_image(os, err);
        if (rc == OME_OK &&
            (rc = ome_store_http_open(os->tile_root, &os->opts, &os->tiles, err)) == OME_OK) {
            ome_store_http_keys_carry_query(os->tiles);
            rc = share_session(os);
            if (rc == OME_OK)
                rc = probe_tiles(os, err);
        }
        os->ready = rc == OME_OK;
        if (!os->ready)
            ome_omero_session_free(&os->session);
    }
    pthread_mutex_unlock(&os->lock);
    return rc;
}

/* L/t/c/z/y/x → level and indices; false for anything else. */
static bool parse_chunk_key(const omero_store *os, const char *key, int *l, uint64_t ix[5])
{
    unsigned long long v[6];
    int used = 0;
    if (sscanf(key, "%llu/%llu/%llu/%llu/%llu/%llu%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &used) != 6 ||
        key[used] != '\0' || v[0] >= (unsigned long long)os->nlevels)
        return false;
    *l = (int)v[0];
    const uint64_t *sz = os->sizes[*l];
    uint64_t lim[5] = {os->t, os->c, os->z, (sz[1] + os->tile_h - 1) / os->tile_h,
                       (sz[0] + os->tile_w - 1) / os->tile_w};
    for (int i = 0; i < 5; i++) {
        if (v[i + 1] >= lim[i])
            return false;
        ix[i] = v[i + 1];
    }
    return true;
}

/* Where chunk ix of level l lies in the level: its tile, clamped to the level's edges. */
static void tile_extent(const omero_store *os, int l, const uint64_t ix[5], uint64_t *x,
                        uint64_t *y, uint64_t *w, uint64_t *h)
{
    *x = ix[4] * os->tile_w, *y = ix[3] * os->tile_h;
    *w = os->sizes[l][0] - *x < os->tile_w ? os->sizes[l][0] - *x : os->tile_w;
    *h = os->sizes[l][1] - *y < os->tile_h ? os->sizes[l][1] - *y : os->tile_h;
}

static void serve_document(ome_store_req *r, const char *text)
{
    if (!text) {
        r->status = OME_ABSENT;
        return;
    }
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

/* The raw tile in r->body (w x h pixels) becomes a chunk of tile_w x tile_h pixels. */
static int tile_to_chunk(const omero_store *os, ome_store_req *r, uint64_t w, uint64_t h,
                         const char *shown)
{
    size_t bpp = (size_t)os->bytes_per_pixel, want = (size_t)(w * h) * bpp;
    if (r->body.len != want)
        return ome_err_set(&r->err, OME_EIO,
                           "%s: tile of %zu bytes, expected %" PRIu64 " x %" PRIu64
                           " pixels of %zu bytes",
                           shown, r->body.len, w, h, bpp);
    if (w == os->tile_w && h == os->tile_h)
        return OME_OK;
    ome_buf chunk = {0};
    size_t row = (size_t)os->tile_w * bpp, full = row * (size_t)os->tile_h;
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

static int omero_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    omero_store *os = (omero_store *)s;
    ome_err err = {0};
    int rc = ensure_ready(os, &err);
    ome_store_req *tiles = calloc(n ? n : 1, sizeof *tiles);
    size_t *which = calloc(n ? n : 1, sizeof *which), ntiles = 0;
    char(*keys)[160] = calloc(n ? n : 1, sizeof *keys);
    if (rc == OME_OK && (!tiles || !which || !keys))
        rc = ome_err_set(&err, OME_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        ome_store_req *r = &reqs[i];
        r->body.len = 0;
        r->etag[0] = r->last_modified[0] = '\0';
        ome_err_clear(&r->err);
        if (rc != OME_OK) {
            r->status = rc;
            r->err = err;
            continue;
        }
        int l;
        uint64_t ix[5];
        if (strcmp(r->key, ".zattrs") == 0) {
            serve_document(r, os->zattrs);
        } else if (strcmp(r->key, ".zgroup") == 0) {
            serve_document(r, "{\"zarr_format\":2}");
        } else if (sscanf(r->key, "%d/.zarray", &l) == 1 && l >= 0 && l < os->nlevels &&
                   strchr(r->key, '/') && strcmp(strchr(r->key, '/'), "/.zarray") == 0) {
            serve_document(r, os->zarray[l]);
        } else if (parse_chunk_key(os, r->key, &l, ix)) {
            uint64_t x, y, w, h;
            tile_extent(os, l, ix, &x, &y, &w, &h);
            snprintf(keys[ntiles], sizeof keys[ntiles],
                     "tile/%lld/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "?x=%" PRIu64 "&y=%" PRIu64
                     "&w=%" PRIu64 "&h=%" PRIu64 "&resolution=%d",
                     os->image_id, ix[2], ix[1], ix[0], x, y, w, h, os->nlevels - 1 - l);
            tiles[ntiles].key = keys[ntiles];
            which[ntiles++] = i;
        } else {
            r->status = OME_ABSENT;
        }
    }
    if (ntiles) {
        pthread_mutex_lock(&os->lock);
        unsigned gen = os->session_gen;
        pthread_mutex_unlock(&os->lock);
        os->tiles->ops->get_many(os->tiles, tiles, ntiles);
        bool denied = false;
        for (size_t k = 0; k < ntiles; k++)
            denied |= tiles[k].status == OME_EDENIED;
        if (denied) { /* sessions expire: log in again once, then ask again */
            ome_err e2 = {0};
            pthread_mutex_lock(&os->lock);
            int rc2 = OME_OK;
            if (os->session_gen == gen) { /* not renewed by another batch meanwhile */
                rc2 = ome_omero_reconnect(&os->session, &e2);
                if (rc2 == OME_OK)
                    rc2 = share_session(os);
                os->session_gen++;
                OME_LOGI("%s: session renewed after access denied: %s", os->base.root,
                         rc2 ? e2.msg : "ok");
            }
            pthread_mutex_unlock(&os->lock);
            if (rc2 == OME_OK) {
                for (size_t k = 0; k < ntiles; k++)
                    ome_buf_free(&tiles[k].body);
                os->tiles->ops->get_many(os->tiles, tiles, ntiles);
            }
        }
        for (size_t k = 0; k < ntiles; k++) {
            ome_store_req *r = &reqs[which[k]], *t = &tiles[k];
            char shown[4300];
            ome_store_describe(os->tiles, t->key, shown, sizeof shown);
            r->status = t->status;
            r->err = t->err;
            if (t->status == OME_ABSENT) /* a tile inside the image is never missing */
                r->status = ome_err_set(&r->err, OME_EIO, "%s: not found", shown);
            ome_buf_free(&r->body);
            r->body = t->body;
            t->body = (ome_buf){0};
            int l;
            uint64_t ix[5];
            if (r->status == OME_OK && parse_chunk_key(os, r->key, &l, ix)) {
                uint64_t x, y, w, h;
                tile_extent(os, l, ix, &x, &y, &w, &h);
                r->status = tile_to_chunk(os, r, w, h, shown);
            }
        }
    }
    ome_store_reqs_free(tiles, ntiles);
    free(tiles), free(which), free(keys);
    return OME_OK;
}

static void omero_destroy(ome_store *s)
{
    omero_store *os = (omero_store *)s;
    ome_omero_session_free(&os->session);
    ome_store_close(os->tiles);
    free_documents(os);
    if (os->password)
        memset(os->password, 0, strlen(os->password));
    free(os->password);
    free(os->user);
    free(os->tile_root);
    free(os->ca_file);
    pthread_mutex_destroy(&os->lock);
    free(os->base.root);
    free(os);
}

static const ome_store_ops omero_ops = {omero_get_many, omero_destroy};

int ome_store_omero_open(const char *source, const ome_store_opts *opts, ome_store **out,
                         ome_err *err)
{
    omero_store *os = calloc(1, sizeof *os);
    if (!os)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    pthread_mutex_init(&os->lock, NULL);
    os->base.ops = &omero_ops;
    os->opts = *opts;
    if (!ome_omero_parse_source(source, os->web_root, sizeof os->web_root, &os->image_id)) {
        omero_destroy(&os->base);
        return ome_err_set(err, OME_EINVAL, "%s: not the address of an OMERO image", source);
    }
    /* The pixel service: as given, else the root of OMERO.web's host (scheme://host[:port]). */
    char origin[2048];
    snprintf(origin, sizeof origin, "%s", os->web_root);
    char *path = strchr(strstr(origin, "://") + 3, '/');
    if (path)
        *path = '\0';
    const char *tile_root = opts->omero_tiles && opts->omero_tiles[0] ? opts->omero_tiles : origin;
    char shown[4096];
    ome_url_redact(source, shown, sizeof shown);
    size_t n = strlen(shown);
    while (n > 8 && shown[n - 1] == '/')
        shown[--n] = '\0';
    os->tile_root = strdup(tile_root);
    os->base.root = strdup(shown);
    os->user = opts->omero_user ? strdup(opts->omero_user) : NULL;
    os->password = opts->omero_password ? strdup(opts->omero_password) : NULL;
    os->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    os->opts.ca_file = os->ca_file;
    os->opts.omero_user = os->opts.omero_password = os->opts.omero_tiles = NULL;
    if (!os->tile_root || !os->base.root || (opts->omero_user && !os->user) ||
        (opts->omero_password && !os->password) || (opts->ca_file && !os->ca_file)) {
        omero_destroy(&os->base);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if (os->user && !os->password)
        OME_LOGW("%s: logging in as %s without a password (set OMERO_PASSWORD)", shown, os->user);
    *out = &os->base;
    return OME_OK;
}
