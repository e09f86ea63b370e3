/* source: parsing source addresses and opening their stores. */
#include "tree/source.h"

#include "base/url.h"
#include "store/store_file.h"
#include "store/store_http.h"
#include "store/store_omero.h"
#include "store/store_s3.h"
#include "store/store_zip.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The last `n` path segments of address (ending at `end`), last first; false when fewer. */
static bool last_segments(const char *address, const char *end, int n, const char *seg[][2])
{
    const char *p = end;
    for (int i = 0; i < n; i++) {
        while (p > address && p[-1] == '/')
            p--;
        const char *e = p;
        while (p > address && p[-1] != '/')
            p--;
        if (p == e)
            return false;
        seg[i][0] = p, seg[i][1] = e;
    }
    return true;
}

/* The length of a plate segment without its ".zarr"/".ome.zarr", or 0 when it has neither. */
static size_t plate_stem(const char *const seg[2])
{
    size_t n = (size_t)(seg[1] - seg[0]);
    if (n > 9 && !strncasecmp(seg[1] - 9, ".ome.zarr", 9))
        return n - 9;
    return n > 5 && !strncasecmp(seg[1] - 5, ".zarr", 5) ? n - 5 : 0;
}

/* A plate's field addressed on its own (".../NAME.zarr/B/3/0"): "NAME_B3_0", as the field's
 * files are named in the plate's well folder. False for any other address. */
static bool field_name(const char *address, const char *end, char *out, size_t outlen)
{
    const char *seg[4][2]; /* the last four segments: field, column, row, plate */
    if (!last_segments(address, end, 4, seg))
        return false;
    size_t plate = plate_stem(seg[3]);
    if (!plate)
        return false;
    for (const char *c = seg[0][0]; c < seg[0][1]; c++)
        if (*c < '0' || *c > '9')
            return false; /* fields are numbered */
    size_t k = (size_t)snprintf(out, outlen, "%.*s_%.*s%.*s_%.*s", (int)plate, seg[3][0],
                                (int)(seg[2][1] - seg[2][0]), seg[2][0],
                                (int)(seg[1][1] - seg[1][0]), seg[1][0],
                                (int)(seg[0][1] - seg[0][0]), seg[0][0]);
    return k < outlen;
}

/* Where the address ends: before a URL's query or fragment, and trailing slashes. */
static const char *address_end(const char *address)
{
    const char *end = address + strlen(address);
    if (strstr(address, "://"))
        end = address + strcspn(address, "?#");
    while (end > address && end[-1] == '/')
        end--;
    return end;
}

void ome_source_well_name(const ome_source *src, char *out, size_t outlen)
{
    const char *seg[3][2]; /* column, row, plate */
    const char *end = address_end(src->address);
    if (!last_segments(src->address, end, 3, seg)) {
        snprintf(out, outlen, "%s", src->name);
        return;
    }
    size_t plate = plate_stem(seg[2]);
    int k = snprintf(out, outlen, "%.*s%s%.*s%.*s", (int)plate, seg[2][0], plate ? "_" : "",
                     (int)(seg[1][1] - seg[1][0]), seg[1][0], (int)(seg[0][1] - seg[0][0]),
                     seg[0][0]);
    if (k < 0 || (size_t)k >= outlen)
        snprintf(out, outlen, "%s", src->name);
}

/* The last path segment of the address without ".zarr"/".ome.zarr", query or fragment; "image"
 * when nothing is left. A plate's field gets its plate, well and field in its name. */
static void base_name(const char *address, char *out, size_t outlen)
{
    const char *end = address_end(address);
    if (field_name(address, end, out, outlen))
        return;
    const char *start = end;
    while (start > address && start[-1] != '/')
        start--;
    size_t n = (size_t)(end - start);
    static const char *suffixes[] = {".ome.zarr", ".zarr", ".ozx"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strncasecmp(end - k, suffixes[i], k) == 0) {
            n -= k;
            break;
        }
    }
    if (n == 0 || n >= outlen || (n == 1 && start[0] == '.') ||
        (n == 2 && start[0] == '.' && start[1] == '.'))
        snprintf(out, outlen, "image");
    else
        snprintf(out, outlen, "%.*s", (int)n, start);
}

int ome_source_parse(const char *address, ome_source *out, ome_err *err)
{
    memset(out, 0, sizeof *out);
    out->address = address;
    ome_url_redact(address, out->shown, sizeof out->shown);
    char omero_root[2048];
    if (ome_omero_parse_address(address, omero_root, sizeof omero_root, &out->omero_kind,
                                &out->omero_id)) {
        out->scheme = OME_SOURCE_OMERO;
        snprintf(out->name, sizeof out->name, "image-%lld", out->omero_id);
    } else if (strncasecmp(address, "http://", 7) == 0 ||
               strncasecmp(address, "https://", 8) == 0) {
        out->scheme = OME_SOURCE_HTTP;
    } else if (strncasecmp(address, "s3://", 5) == 0) {
        out->scheme = OME_SOURCE_S3;
    } else if (strncasecmp(address, "file://", 7) == 0 || !strstr(address, "://")) {
        out->scheme = OME_SOURCE_LOCAL;
    } else {
        return ome_err_set(err, OME_EUNSUPPORTED,
                           "%s: unsupported URL scheme (http://, https://, s3://, file:// or a "
                           "path)",
                           out->shown);
    }
    out->remote = out->scheme != OME_SOURCE_LOCAL;
    if (out->scheme != OME_SOURCE_OMERO) {
        const char *end = address_end(address);
        out->zipped = ome_store_zip_name(address, (size_t)(end - address));
        base_name(address, out->name, sizeof out->name);
    }
    return OME_OK;
}

/* A zipped OME-Zarr: the store of the folder (or bucket prefix) that holds the archive, and the
 * archive's name in it; over HTTP, the archive's own address (with its query) and "". */
static int open_zipped(const ome_source *src, const ome_store_opts *opts, ome_store **out,
                       ome_err *err)
{
    ome_store *inner = NULL;
    int rc;
    const char *key = "";
    char *parent = NULL;
    if (src->scheme == OME_SOURCE_HTTP) {
        rc = ome_store_http_open(src->address, opts, &inner, err);
    } else {
        bool url = strncasecmp(src->address, "file://", 7) == 0;
        const char *a = src->address + (url ? 7 : 0), *end = address_end(a), *slash = end;
        while (slash > a && slash[-1] != '/')
            slash--;
        size_t plen = (size_t)(slash - a);
        if (!(parent = malloc(plen + 2)))
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        snprintf(parent, plen + 2, "%.*s", plen ? (int)plen : 1, plen ? a : ".");
        char name[1024];
        if ((size_t)(end - slash) >= sizeof name) {
            free(parent);
            return ome_err_set(err, OME_ERANGE, "%s: the archive's name is too long", src->shown);
        }
        snprintf(name, sizeof name, "%.*s", (int)(end - slash), slash);
        rc = src->scheme == OME_SOURCE_S3 ? ome_store_s3_open(parent, opts, &inner, err)
                                          : ome_store_file_open(parent, &inner, err);
        free(parent);
        if (rc == OME_OK)
            return ome_store_zip_open(inner, name, out, err);
        return rc;
    }
    return rc ? rc : ome_store_zip_open(inner, key, out, err);
}

int ome_source_open_store(const ome_source *src, const ome_store_opts *opts, ome_store **out,
                          ome_err *err)
{
    ome_store_opts defaults;
    if (!opts) {
        ome_store_opts_default(&defaults);
        opts = &defaults;
    }
    if (src->zipped)
        return open_zipped(src, opts, out, err);
    switch (src->scheme) {
    case OME_SOURCE_OMERO:
        return ome_store_omero_open(src->address, opts, out, err);
    case OME_SOURCE_HTTP:
        return ome_store_http_open(src->address, opts, out, err);
    case OME_SOURCE_S3:
        return ome_store_s3_open(src->address, opts, out, err);
    case OME_SOURCE_LOCAL:
        break;
    }
    bool url = strncasecmp(src->address, "file://", 7) == 0;
    return ome_store_file_open(src->address + (url ? 7 : 0), out, err);
}

int ome_source_open_address(const char *address, const ome_store_opts *opts, ome_store **out,
                            ome_err *err)
{
    ome_source src;
    int rc = ome_source_parse(address, &src, err);
    return rc ? rc : ome_source_open_store(&src, opts, out, err);
}
