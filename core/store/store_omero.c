/* store_omero: OMERO images as OME-Zarr 0.4 images. The metadata documents are generated from
 * OMERO.web's imgData and a chunk is one raw tile of the pixel-buffer microservice (both in
 * omero_image.c); everything above the store — Zarr, images, virtual TIFFs, both caches — is what
 * OME-Zarr sources use. A store opened on an image serves it at its root; one opened on a dataset
 * or a plate serves each of its images under "ID/" and lists them (ome_store_omero_list).
 *
 * The session is made on first use, so a mount served wholly by the disk cache (offline) never
 * contacts the server; an expired session (HTTP 401/403 on tiles) is renewed once. */
#include "base/cancel.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/omero_image.h"
#include "store/store_backend.h"
#include "store/omero_session.h"
#include "store/store_omero.h"
#include "base/key.h"
#include "base/url.h"
#include "store/omero_address.h"
#include "store/omero_listing.h"
#include "store/store_http.h"

#include <jansson.h>
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TILE_KEY_LEN 200
/* Where a dataset or plate store serves the list of its images: the attributes of its root
 * group, {LISTING_ATTR: {"images": [{"id", "name", "group"}, …]}}. */
#define LISTING_KEY ".zattrs"
#define LISTING_ATTR "omefs_omero_listing"

typedef struct {
    ome_store base;
    pthread_mutex_t lock;
    ome_store_opts opts;
    char *user, *password, *tile_root, *ca_file;
    char web_root[2048];
    ome_omero_kind kind;
    long long id; /* of the image, or of the dataset */
    ome_omero_session session;
    bool ready;           /* the session and the pixel service's store exist */
    bool probed;          /* the pixel service answered one pixel as it should */
    _Atomic unsigned session_gen; /* counts logins, so that one expiry makes one new login
                                     (read without the lock, which renewals hold) */
    ome_store *tiles;     /* HTTP store at the pixel service's root */
    ome_omero_image **images; /* described so far */
    int nimages, capimages;
} omero_store;

static const char *who(const omero_store *os)
{
    return os->user ? "this user" : "the public user (log in with omero_user=)";
}

/* An error of a JSON request, said again with what it means here. */
static int explain(omero_store *os, int rc, const char *what, ome_err *err)
{
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err->msg);
    if (rc == OME_ABSENT)
        return ome_err_set(err, OME_EINVAL, "%s: no %s here", why, what);
    if (rc == OME_EDENIED)
        return ome_err_set(err, OME_EDENIED, "%s; the %s is not visible to %s", why, what,
                           who(os));
    return rc;
}

/* The type from the JSON API, for servers whose imgData lacks meta.pixelsType. */
static char *pixel_type_from_api(omero_store *os, long long id, ome_err *err)
{
    char url[2300];
    snprintf(url, sizeof url, "%sm/images/%lld/", os->session.api, id);
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

/* Reads imgData of image id and builds its documents. */
static int describe_image(omero_store *os, long long id, ome_omero_image *im, ome_err *err)
{
    char url[2300], where[2300], what[64];
    snprintf(url, sizeof url, "%s/webgateway/imgData/%lld/", os->web_root, id);
    ome_url_redact(url, where, sizeof where);
    snprintf(what, sizeof what, "OMERO image %lld", id);
    json_t *img;
    int rc = ome_omero_get_json(&os->session, url, &img, err);
    if (rc)
        return explain(os, rc, what, err);
    im->id = id;
    if ((rc = ome_omero_image_busy(img, where, err))) {
        json_decref(img);
        return rc;
    }
    char *api_type = NULL;
    if (!ome_omero_image_pixel_type(img) && !(api_type = pixel_type_from_api(os, id, err)))
        rc = err->code ? err->code : OME_EINVAL;
    if (rc == OME_OK)
        rc = ome_omero_image_describe(im, img, api_type, where, err);
    free(api_type);
    json_decref(img);
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

/* Whether the pixel-buffer microservice answers at the tile root: it says so to OPTIONS /tile/
 * ({"provider": "PixelBufferMicroservice"}). A 404 for a tile is no proof of absence: the
 * service answers 404 for any failure. */
static int probe_service(omero_store *os, ome_err *err)
{
    char url[2200], shown[2200];
    snprintf(url, sizeof url, "%s/tile/", os->tile_root);
    ome_url_redact(url, shown, sizeof shown);
    ome_buf body = {0};
    long code = 0;
    int rc = ome_omero_options(&os->session, url, &body, &code, err);
    json_t *doc = rc == OME_OK ? json_loadb((const char *)body.data, body.len, 0, NULL) : NULL;
    const char *who = json_string_value(json_object_get(doc, "provider"));
    if (rc == OME_OK && (code != 200 || !who || !strstr(who, "PixelBuffer")))
        rc = ome_err_set(err, OME_EINVAL,
                         "%s: no OMERO pixel-buffer microservice there (OPTIONS answered HTTP "
                         "%ld%s%s; OMERO.web itself serves only rendered JPEGs); name it with "
                         "omero_tiles=",
                         shown, code, who ? ", provider " : "", who ? who : "");
    json_decref(doc);
    ome_buf_free(&body);
    return rc;
}

/* One pixel of the smallest level (no "resolution" for an image without a pyramid): does the
 * service read this image with this session? */
static int probe_tiles(omero_store *os, const ome_omero_image *im, ome_err *err)
{
    char key[128], shown[4300];
    int rc = probe_service(os, err);
    if (rc)
        return rc;
    snprintf(key, sizeof key, "tile/%lld/0/0/0?x=0&y=0&w=1&h=1%s", im->id,
             im->nlevels > 1 ? "&resolution=0" : "");
    ome_store_describe(os->tiles, key, shown, sizeof shown);
    ome_store_req r = {.key = key};
    ome_store_get_many(os->tiles, &r, 1);
    rc = r.status;
    if (rc == OME_ABSENT)
        rc = ome_err_set(err, OME_EIO,
                         "%s: the pixel-buffer service cannot read image %lld (HTTP 404, its "
                         "answer to any failure%s%s)",
                         shown, im->id, r.err.msg[0] ? ": " : "", r.err.msg);
    else if (rc < 0)
        *err = r.err;
    else if (r.body.len != (size_t)im->bytes_per_pixel)
        rc = ome_err_set(err, OME_EINVAL,
                         "%s: %zu bytes for one pixel of %d bytes: not raw pixels from the "
                         "pixel-buffer microservice",
                         shown, r.body.len, im->bytes_per_pixel);
    ome_buf_free(&r.body);
    return rc;
}

/* Logs in (or takes the public user's session) and opens the pixel service's store, once. */
static int ensure_ready_locked(omero_store *os, ome_err *err)
{
    if (os->ready)
        return OME_OK;
    int rc = ome_omero_connect(&os->session, os->web_root, &os->opts, os->user, os->password, err);
    if (rc == OME_OK && !os->tiles &&
        (rc = ome_store_http_open(os->tile_root, &os->opts, &os->tiles, err)) == OME_OK)
        ome_store_http_keys_carry_query(os->tiles);
    if (rc == OME_OK)
        rc = share_session(os);
    os->ready = rc == OME_OK;
    if (!os->ready)
        ome_omero_session_free(&os->session);
    return rc;
}

/* The description of image id: described (and the pixel service probed) on first use. A
 * failure is not kept: the next request tries again. */
static const ome_omero_image *image_of(omero_store *os, long long id, ome_err *err)
{
    if (ome_cancel_lock(&os->lock) != OME_OK) {
        ome_err_set(err, OME_EINTR, "%s: interrupted", os->base.root);
        return NULL;
    }
    ome_omero_image *found = NULL;
    for (int i = 0; i < os->nimages && !found; i++)
        if (os->images[i]->id == id)
            found = os->images[i];
    int rc = found ? OME_OK : ensure_ready_locked(os, err);
    if (!found && rc == OME_OK && os->nimages == os->capimages) {
        int cap = os->capimages * 2 + 4;
        ome_omero_image **grown = realloc(os->images, (size_t)cap * sizeof *grown);
        if (grown) {
            os->images = grown;
            os->capimages = cap;
        } else {
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        }
    }
    if (!found && rc == OME_OK) {
        ome_omero_image *im = calloc(1, sizeof *im);
        if (!im)
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        if (rc == OME_OK)
            rc = describe_image(os, id, im, err);
        if (rc == OME_OK) /* the public user's session cookie may come with the first answer */
            rc = share_session(os);
        if (rc == OME_OK && !os->probed)
            rc = probe_tiles(os, im, err);
        if (rc == OME_OK) {
            os->probed = true;
            os->images[os->nimages++] = found = im;
        } else if (im) {
            ome_omero_image_free(im);
            free(im);
        }
    }
    pthread_mutex_unlock(&os->lock);
    return found;
}

/* Which image a key belongs to and the key inside it: the root of an image store, "ID/…" in a
 * dataset store. False for keys outside any image. */
static bool split_key(const omero_store *os, const char *key, long long *id, const char **rest)
{
    if (os->kind == OME_OMERO_IMAGE) {
        *id = os->id;
        *rest = key;
        return true;
    } /* a dataset's or a plate's images */
    char *end;
    if (!isdigit((unsigned char)key[0]))
        return false;
    long long v = strtoll(key, &end, 10);
    if (v <= 0 || *end != '/')
        return false;
    *id = v;
    *rest = end + 1;
    return true;
}

/* A new session for the tiles: a login again, or for the public user a request to OMERO.web
 * itself (the image's imgData), the only thing that makes it a new public session — the
 * microservice never does. Called with the lock held. */
static int renew_for_tiles(omero_store *os, long long image_id, ome_err *err)
{
    int rc = ome_omero_renew(&os->session, err);
    if (rc == OME_OK && !os->user) {
        char url[2200];
        json_t *doc = NULL;
        snprintf(url, sizeof url, "%s/webgateway/imgData/%lld/", os->web_root, image_id);
        rc = ome_omero_get_json(&os->session, url, &doc, err);
        json_decref(doc);
    }
    if (rc == OME_OK)
        rc = share_session(os);
    return rc;
}

/* Fetches the tiles, renewing the session once (single-flight: many failing tiles, one
 * renewal) when the tile service refuses it. */
static void fetch_tiles(omero_store *os, ome_store_req *tiles, size_t n)
{
    unsigned gen = atomic_load(&os->session_gen);
    ome_store_get_many(os->tiles, tiles, n);
    bool denied = false;
    for (size_t k = 0; k < n; k++)
        denied |= tiles[k].status == OME_EDENIED;
    if (!denied)
        return;
    ome_err e2 = {0};
    /* a program given up while another renews the session stops waiting for it */
    int rc = ome_cancel_lock(&os->lock);
    if (rc != OME_OK) {
        ome_err_set(&e2, rc, "%s: interrupted while the session was renewed", os->base.root);
    } else {
        bool renewed = false;
        if (atomic_load(&os->session_gen) == gen) { /* not renewed by another batch meanwhile */
            long long id = strtoll(tiles[0].key + 5, NULL, 10); /* "tile/ID/…" */
            bool paused = os->session.login_refused || os->session.renew_not_before > ome_now();
            rc = renew_for_tiles(os, id, &e2);
            atomic_fetch_add(&os->session_gen, 1);
            renewed = rc == OME_OK;
            if (rc && !paused && rc != OME_EINTR)
                OME_LOGE("%s: %s", os->base.root, e2.msg);
            else if (rc == OME_OK)
                OME_LOGI("%s: session renewed after the tile service refused it",
                         os->base.root);
        }
        pthread_mutex_unlock(&os->lock);
        if (rc == OME_OK) {
            for (size_t k = 0; k < n; k++)
                ome_buf_free(&tiles[k].body);
            ome_store_get_many(os->tiles, tiles, n);
        }
        if (renewed) { /* still refused with the new session: no other one for a while */
            bool helped = true;
            for (size_t k = 0; k < n; k++)
                helped &= tiles[k].status != OME_EDENIED;
            if (ome_cancel_lock(&os->lock) == OME_OK) { /* given up: nothing learnt */
                ome_omero_renew_outcome(&os->session, helped);
                pthread_mutex_unlock(&os->lock);
            }
        }
    }
    if (rc != OME_OK) {
        for (size_t k = 0; k < n; k++)
            if (tiles[k].status == OME_EDENIED) {
                tiles[k].err = e2; /* the renewal's reason, naming the server */
                if (rc == OME_EINTR) /* given up, not refused: nothing to remember */
                    tiles[k].status = OME_EINTR;
            }
    }
}

typedef struct {
    const ome_omero_image *im;
    uint64_t w, h;
    size_t req; /* index in the caller's batch */
    char key[TILE_KEY_LEN];
} tile_job;

static int listing_document(omero_store *os, ome_omero_kind kind, long long id,
                            ome_store_req *r);

/* A project's dataset ("datasets/ID/.zattrs") or a screen's plate ("plates/ID/.zattrs"). */
static bool child_listing(const omero_store *os, const char *key, ome_omero_kind *kind,
                          long long *id)
{
    const char *rest;
    if (os->kind == OME_OMERO_PROJECT && strncmp(key, "datasets/", 9) == 0) {
        *kind = OME_OMERO_DATASET;
        rest = key + 9;
    } else if (os->kind == OME_OMERO_SCREEN && strncmp(key, "plates/", 7) == 0) {
        *kind = OME_OMERO_PLATE;
        rest = key + 7;
    } else {
        return false;
    }
    char *end;
    if (!isdigit((unsigned char)rest[0]))
        return false;
    *id = strtoll(rest, &end, 10);
    return *id > 0 && strcmp(end, "/" LISTING_KEY) == 0;
}

static int omero_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    omero_store *os = (omero_store *)s;
    ome_store_req *tiles = calloc(n ? n : 1, sizeof *tiles);
    tile_job *jobs = calloc(n ? n : 1, sizeof *jobs);
    size_t ntiles = 0;
    for (size_t i = 0; i < n; i++) {
        ome_store_req *r = &reqs[i];
        r->body.len = 0;
        r->etag[0] = r->last_modified[0] = '\0';
        ome_err_clear(&r->err);
        r->status = OME_ABSENT;
        long long id;
        const char *rest;
        if (!tiles || !jobs) {
            r->status = ome_err_set(&r->err, OME_ENOMEM, "out of memory");
            continue;
        }
        ome_omero_kind child;
        long long child_id;
        if (os->kind != OME_OMERO_IMAGE && strcmp(r->key, LISTING_KEY) == 0) {
            listing_document(os, os->kind, os->id, r);
            continue;
        }
        if (child_listing(os, r->key, &child, &child_id)) {
            listing_document(os, child, child_id, r);
            continue;
        }
        if (!split_key(os, r->key, &id, &rest))
            continue;
        const ome_omero_image *im = image_of(os, id, &r->err);
        if (!im) {
            r->status = r->err.code ? r->err.code : OME_EIO;
            continue;
        }
        tile_job *j = &jobs[ntiles];
        if (ome_omero_image_document(im, rest, r))
            continue;
        if (ome_omero_image_tile_key(im, rest, j->key, sizeof j->key, &j->w, &j->h)) {
            j->im = im;
            j->req = i;
            tiles[ntiles].key = j->key;
            /* raw pixels: exactly the tile's size (bytes per pixel at most 8) */
            tiles[ntiles].max_bytes = (uint64_t)j->w * (uint64_t)j->h * 8;
            ntiles++;
        }
    }
    if (ntiles)
        fetch_tiles(os, tiles, ntiles);
    for (size_t k = 0; k < ntiles; k++) {
        ome_store_req *r = &reqs[jobs[k].req], *t = &tiles[k];
        char shown[4300];
        ome_store_describe(os->tiles, t->key, shown, sizeof shown);
        r->status = t->status;
        r->err = t->err;
        if (t->status == OME_ABSENT) /* a tile inside the image is never missing */
            r->status = ome_err_set(&r->err, OME_EIO,
                                    "%s: HTTP 404 from the pixel-buffer service (its answer to "
                                    "any failure)%s%s",
                                    shown, t->err.msg[0] ? ": " : "", t->err.msg);
        ome_buf_free(&r->body);
        r->body = t->body;
        t->body = (ome_buf){0};
        if (r->status == OME_OK)
            r->status = ome_omero_image_chunk_from_tile(jobs[k].im, r, jobs[k].w, jobs[k].h, shown);
    }
    ome_store_reqs_free(tiles, ntiles);
    free(tiles);
    free(jobs);
    return OME_OK;
}

/* What a container holds, in the JSON API: its kind's collection and the children's. */
static const struct {
    const char *name, *collection, *children;
} containers[] = {
    [OME_OMERO_DATASET] = {"dataset", "datasets", "images"},
    [OME_OMERO_PLATE] = {"plate", "plates", "wells"},
    [OME_OMERO_PROJECT] = {"project", "projects", "datasets"},
    [OME_OMERO_SCREEN] = {"screen", "screens", "plates"},
};

/* Pages one listing may take: its most items in pages of 50 (the smallest asked for), twice. */
#define OMERO_MAX_PAGES (2 * OME_OMERO_MAX_LISTED / 50)

/* A dataset's images, a plate's well samples, a project's datasets or a screen's plates, page by
 * page from the JSON API. */
static int list_from_server(omero_store *os, ome_omero_kind kind, long long id, ome_omero_list *out,
                            ome_err *err)
{
    if (ome_cancel_lock(&os->lock) != OME_OK)
        return ome_err_set(err, OME_EINTR, "%s: interrupted", os->base.root);
    int rc = ensure_ready_locked(os, err);
    ome_omero_list l = {0};
    json_int_t total = -1, seen = 0; /* items (images or wells) listed so far */
    json_int_t first_before = 0;     /* the @id the page before began with */
    int pages = 0;
    char what[64];
    snprintf(what, sizeof what, "OMERO %s %lld", containers[kind].name, id);
    while (rc == OME_OK && (total < 0 || seen < total)) {
        char url[2400];
        /* a well comes with its fields' images and their omero:details (a few KiB each): small
         * pages keep every document far under the cap on a 1536-well plate */
        snprintf(url, sizeof url, "%sm/%s/%lld/%s/?offset=%lld&limit=%d", os->session.api,
                 containers[kind].collection, id, containers[kind].children, (long long)seen,
                 kind == OME_OMERO_PLATE ? 50 : 500);
        json_t *doc;
        if ((rc = ome_omero_get_json(&os->session, url, &doc, err))) {
            rc = explain(os, rc, what, err);
            break;
        }
        json_t *data = json_object_get(doc, "data");
        total = json_integer_value(json_object_get(json_object_get(doc, "meta"), "totalCount"));
        size_t got = json_array_size(data);
        if (got == 0 || total > OME_OMERO_MAX_LISTED) {
            if (total > OME_OMERO_MAX_LISTED)
                rc = ome_err_set(err, OME_ERANGE, "%s: %lld items, more than %d", url,
                                 (long long)total, OME_OMERO_MAX_LISTED);
            json_decref(doc);
            break;
        }
        /* a server that ignores offset (the same page again) or pages a few items at a time
         * would keep the mount waiting for hours: neither is followed */
        json_t *first_id = json_object_get(json_array_get(data, 0), "@id");
        json_int_t first = json_is_integer(first_id) ? json_integer_value(first_id) : 0;
        if (pages > 0 && first != 0 && first == first_before)
            rc = ome_err_set(err, OME_EIO, "%s: the same page as for the offset before (the "
                             "server ignores offset); listing stopped", url);
        else if (++pages > OMERO_MAX_PAGES)
            rc = ome_err_set(err, OME_EIO, "%s: more than %d pages; listing stopped", url,
                             OMERO_MAX_PAGES);
        if (rc) {
            json_decref(doc);
            break;
        }
        first_before = first;
        seen += (json_int_t)got;
        rc = ome_omero_list_page(kind, data, &l, err);
        json_decref(doc);
        if (total < 0) /* no totalCount: one page is all there is */
            break;
    }
    pthread_mutex_unlock(&os->lock);
    if (rc)
        free(l.items);
    else
        *out = l;
    return rc;
}

/* The listing as the JSON document a container store serves at LISTING_KEY (a project's or a
 * screen's children also at "datasets/ID/" and "plates/ID/"), so that the disk cache keeps it
 * like any metadata document (and an offline mount finds it there). */
static int listing_document(omero_store *os, ome_omero_kind kind, long long id,
                            ome_store_req *r)
{
    ome_omero_list l = {0};
    int rc = list_from_server(os, kind, id, &l, &r->err);
    json_t *images = rc ? NULL : json_array();
    for (int i = 0; images && i < l.count; i++) {
        const ome_omero_listing *e = &l.items[i];
        if (json_array_append_new(images, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)e->id,
                                                    "name", e->name, "group", e->group))) {
            json_decref(images);
            images = NULL;
        }
    }
    free(l.items);
    json_t *doc = images ? json_pack("{s:{s:o}}", LISTING_ATTR, "images", images) : NULL;
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (rc == OME_OK && !text)
        rc = ome_err_set(&r->err, OME_ENOMEM, "out of memory");
    if (rc == OME_OK)
        rc = ome_buf_append(&r->body, text, strlen(text));
    free(text);
    return r->status = rc;
}

int ome_store_omero_list(ome_store *s, const char *path, ome_omero_listing **out, int *n,
                         ome_err *err)
{
    *out = NULL;
    *n = 0;
    ome_buf body = {0};
    char where[4096], key[2100];
    int rc = ome_key_join(key, sizeof key, path, LISTING_KEY, err);
    if (rc)
        return rc;
    ome_store_describe(s, key, where, sizeof where);
    rc = ome_store_get(s, key, &body, err);
    if (rc == OME_ABSENT)
        rc = ome_err_set(err, OME_EINVAL, "%s: not an OMERO dataset or plate", where);
    json_t *doc = NULL;
    if (rc == OME_OK)
        rc = ome_json_parse(&body, where, &doc, err);
    ome_buf_free(&body);
    json_t *images = json_object_get(json_object_get(doc, LISTING_ATTR), "images");
    if (rc == OME_OK && !json_is_array(images))
        rc = ome_err_set(err, OME_EINVAL, "%s: no list of images", where);
    size_t count = rc ? 0 : json_array_size(images);
    ome_omero_listing *items = rc ? NULL : calloc(count ? count : 1, sizeof *items);
    if (rc == OME_OK && !items)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (size_t i = 0; rc == OME_OK && i < count; i++) {
        json_t *e = json_array_get(images, i);
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *group = json_string_value(json_object_get(e, "group"));
        items[i].id = (long long)json_integer_value(json_object_get(e, "id"));
        if (items[i].id <= 0 || !name || !group)
            rc = ome_err_set(err, OME_EINVAL, "%s: image %zu is malformed", where, i);
        else {
            snprintf(items[i].name, sizeof items[i].name, "%s", name);
            snprintf(items[i].group, sizeof items[i].group, "%s", group);
        }
    }
    json_decref(doc);
    if (rc) {
        free(items);
        return rc;
    }
    *out = items;
    *n = (int)count;
    return OME_OK;
}

static void omero_destroy(ome_store *s)
{
    omero_store *os = (omero_store *)s;
    ome_omero_session_free(&os->session);
    ome_store_close(os->tiles);
    for (int i = 0; i < os->nimages; i++) {
        ome_omero_image_free(os->images[i]);
        free(os->images[i]);
    }
    free(os->images);
    if (os->password)
        memset(os->password, 0, strlen(os->password));
    free(os->password);
    free(os->user);
    free(os->tile_root);
    free(os->ca_file);
    pthread_mutex_destroy(&os->lock);
    free(os->base.root);
    free(os->base.identity);
    free(os);
}

static const ome_store_ops omero_ops = {omero_get_many, omero_destroy, NULL};

int ome_store_omero_open(const char *source, const ome_store_opts *opts, ome_store **out,
                         ome_err *err)
{
    omero_store *os = calloc(1, sizeof *os);
    if (!os)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    pthread_mutex_init(&os->lock, NULL);
    os->base.ops = &omero_ops;
    os->opts = *opts;
    if (!ome_omero_parse_address(source, os->web_root, sizeof os->web_root, &os->kind, &os->id)) {
        omero_destroy(&os->base);
        return ome_err_set(err, OME_EINVAL, "%s: not the address of an OMERO image or dataset",
                           source);
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
    char identity[2200];
    snprintf(identity, sizeof identity, "omero:%s:%d:%lld", os->web_root, (int)os->kind, os->id);
    os->base.identity = strdup(identity);
    os->user = opts->omero_user ? strdup(opts->omero_user) : NULL;
    os->password = opts->omero_password ? strdup(opts->omero_password) : NULL;
    os->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    os->opts.ca_file = os->ca_file;
    os->opts.omero_user = os->opts.omero_password = os->opts.omero_tiles = NULL;
    if (!os->tile_root || !os->base.root || !os->base.identity ||
        (opts->omero_user && !os->user) ||
        (opts->omero_password && !os->password) || (opts->ca_file && !os->ca_file)) {
        omero_destroy(&os->base);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if (os->user && !os->password)
        OME_LOGW("%s: logging in as %s without a password (set OMERO_PASSWORD)", shown, os->user);
    *out = &os->base;
    return OME_OK;
}
