/* source: parsing source addresses and opening their stores. */
#include "tree/source.h"

#include "base/url.h"
#include "store/store_file.h"
#include "store/store_http.h"
#include "store/store_omero.h"
#include "store/store_s3.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The last path segment of the address without ".zarr"/".ome.zarr", query or fragment; "image"
 * when nothing is left. */
static void base_name(const char *address, char *out, size_t outlen)
{
    const char *end = address + strlen(address);
    if (strstr(address, "://"))
        end = address + strcspn(address, "?#");
    while (end > address && end[-1] == '/')
        end--;
    const char *start = end;
    while (start > address && start[-1] != '/')
        start--;
    size_t n = (size_t)(end - start);
    for (const char *suffix = ".ome.zarr";; suffix = ".zarr") {
        size_t k = strlen(suffix);
        if (n > k && strncasecmp(end - k, suffix, k) == 0) {
            n -= k;
            break;
        }
        if (strcmp(suffix, ".zarr") == 0)
            break;
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
    if (out->scheme != OME_SOURCE_OMERO)
        base_name(address, out->name, sizeof out->name);
    return OME_OK;
}

int ome_source_open_store(const ome_source *src, const ome_store_opts *opts, ome_store **out,
                          ome_err *err)
{
    ome_store_opts defaults;
    if (!opts) {
        ome_store_opts_default(&defaults);
        opts = &defaults;
    }
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
