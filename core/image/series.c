/* series: a bioformats2raw collection's images, their paths and names. */
#include "image/series.h"

#include "base/json_doc.h"

#include "image/image.h"

#include "base/key.h"
#include "image/group.h"
#include "image/ngff.h"
#include "base/xml_text.h"
#include "zarr/zarr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Groups probed per round trip when no "series" list says where the images are. */
#define PROBE_BATCH 16
/* How much of OME/METADATA.ome.xml is read for the images' names. */
#define XML_NAMES_BYTES ((uint64_t)16 << 20)
#define NAME_MAX_BYTES 1000

void ome_series_free(ome_series *s, int n)
{
    for (int i = 0; s && i < n; i++) {
        free(s[i].path);
        free(s[i].name);
    }
    free(s);
}

/* A series path: relative, '/'-separated, no empty, "." or ".." component. */
static bool path_ok(const char *p)
{
    size_t len = strlen(p);
    if (len == 0 || len > 1024)
        return false;
    for (const char *c = p;;) {
        size_t k = strcspn(c, "/");
        if (k == 0 || (k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        if (!c[k])
            return true;
        c += k + 1;
    }
}

int ome_series_parse_list(json_t *ome_attrs, const char *where, ome_series **out, int *n,
                          ome_err *err)
{
    *out = NULL;
    *n = 0;
    json_t *list = json_object_get(ome_ngff_attrs(ome_attrs), "series");
    if (!list)
        return OME_OK;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return ome_err_set(err, OME_EINVAL, "%s: \"series\" is not a list of paths", where);
    if (json_array_size(list) > OME_SERIES_MAX)
        return ome_err_set(err, OME_ERANGE, "%s: %zu series, more than the %d supported", where,
                           json_array_size(list), OME_SERIES_MAX);
    ome_series *s = calloc(json_array_size(list), sizeof *s);
    json_t *seen = json_object(); /* the paths so far, as a set: each series opens once */
    if (!s || !seen) {
        free(s);
        json_decref(seen);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *p = json_string_value(v);
        int rc = OME_OK;
        if (!p || !path_ok(p))
            rc = ome_err_set(err, OME_EINVAL, "%s: series %zu is not a relative path", where, i);
        else if (ome_json_seen(seen, p))
            rc = ome_err_set(err, OME_EINVAL, "%s: series %zu, \"%s\", is listed before", where,
                             i, p);
        else if (!(s[i].path = strdup(p)))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        if (rc) {
            ome_series_free(s, (int)i);
            json_decref(seen);
            return rc;
        }
    }
    json_decref(seen);
    *out = s;
    *n = (int)json_array_size(list);
    return OME_OK;
}

/* ---- names from OME-XML ---- */

/* The value of attribute `want` in the tag text [p, end) (after the element's name). */
static char *attribute(const char *p, const char *end, const char *want)
{
    size_t wl = strlen(want);
    while (p < end) {
        while (p < end && strchr(" \t\r\n", *p))
            p++;
        const char *name = p;
        while (p < end && !strchr(" \t\r\n=", *p))
            p++;
        size_t nl = (size_t)(p - name);
        while (p < end && strchr(" \t\r\n", *p))
            p++;
        if (p >= end || *p != '=')
            return NULL;
        p++;
        while (p < end && strchr(" \t\r\n", *p))
            p++;
        if (p >= end || (*p != '"' && *p != '\''))
            return NULL;
        char q = *p++;
        const char *v = p;
        while (p < end && *p != q)
            p++;
        if (p >= end)
            return NULL;
        if (nl == wl && memcmp(name, want, wl) == 0)
            return ome_xml_text(v, (size_t)(p - v), NAME_MAX_BYTES);
        p++;
    }
    return NULL;
}

/* Skips past `close` from p; end when it is not found. */
static const char *skip_past(const char *p, const char *end, const char *close)
{
    size_t cl = strlen(close);
    for (; p + cl <= end; p++)
        if (memcmp(p, close, cl) == 0)
            return p + cl;
    return end;
}

void ome_series_names_from_xml(const char *xml, size_t len, ome_series *series, int n)
{
    const char *p = xml, *end = xml + len;
    int image = 0;
    while (image < n && (p = memchr(p, '<', (size_t)(end - p)))) {
        p++;
        if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
            p = skip_past(p, end, "-->");
            continue;
        }
        if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
            p = skip_past(p, end, "]]>");
            continue;
        }
        if (p < end && *p == '?') { /* a processing instruction: nothing in it is a tag */
            p = skip_past(p, end, "?>");
            continue;
        }
        if (p < end && *p == '!') { /* <!DOCTYPE …[ internal subset ]>: quotes and brackets */
            for (char q = 0, depth = 0; p < end && (q || depth || *p != '>'); p++)
                if (q ? *p == q : (*p == '"' || *p == '\''))
                    q = q ? 0 : *p;
                else if (!q && (*p == '[' || *p == ']'))
                    depth = (char)(depth + (*p == '[' ? 1 : depth ? -1 : 0));
            continue;
        }
        if (p < end && *p == '/')
            continue;
        const char *name = p;
        while (p < end && !strchr(" \t\r\n/>", *p))
            p++;
        const char *local = name;
        for (const char *c = name; c < p; c++)
            if (*c == ':')
                local = c + 1;
        if (p - local != 5 || memcmp(local, "Image", 5) != 0)
            continue;
        const char *tag_end = p; /* the '>' closing the start tag, quotes respected */
        for (char q = 0; tag_end < end && (q || *tag_end != '>'); tag_end++)
            if (q ? *tag_end == q : (*tag_end == '"' || *tag_end == '\''))
                q = q ? 0 : *tag_end;
        if (tag_end >= end)
            return; /* cut short inside the tag */
        if (!series[image].name)
            series[image].name = attribute(p, tag_end, "Name");
        image++;
        p = tag_end + 1;
    }
}

/* ---- listing ---- */

/* The groups 0/, 1/, … that exist, asked PROBE_BATCH at a time. */
static int probe_numbered(ome_store *store, const char *path, ome_series **out, int *n,
                          ome_err *err)
{
    ome_series *s = NULL;
    int count = 0;
    bool more = true;
    while (more && count < OME_SERIES_MAX) {
        char keys[2 * PROBE_BATCH][2100];
        ome_store_req reqs[2 * PROBE_BATCH];
        memset(reqs, 0, sizeof reqs);
        for (int i = 0; i < PROBE_BATCH; i++) {
            char group[2048];
            snprintf(group, sizeof group, "%s%s%d", path, path[0] ? "/" : "", count + i);
            if (ome_key_join(keys[2 * i], sizeof keys[0], group, ".zattrs", NULL) ||
                ome_key_join(keys[2 * i + 1], sizeof keys[0], group, "zarr.json", NULL))
                return ome_err_set(err, OME_ERANGE, "%s: the path is too long", group);
            reqs[2 * i] = (ome_store_req){.key = keys[2 * i], .range = OME_RANGE_ALL};
            reqs[2 * i + 1] = (ome_store_req){.key = keys[2 * i + 1], .range = OME_RANGE_ALL};
        }
        ome_store_get_many(store, reqs, 2 * PROBE_BATCH);
        int found = 0, rc = OME_OK;
        for (int i = 0; i < PROBE_BATCH && rc == OME_OK; i++) {
            const ome_store_req *a = &reqs[2 * i], *b = &reqs[2 * i + 1];
            if (a->status < 0 || (a->status == OME_ABSENT && b->status < 0)) {
                *err = a->status < 0 ? a->err : b->err;
                rc = err->code ? err->code : OME_EIO;
            } else if (a->status == OME_OK || b->status == OME_OK) {
                found++;
            } else {
                break;
            }
        }
        ome_store_reqs_free(reqs, 2 * PROBE_BATCH);
        if (rc == OME_OK && found) {
            ome_series *grown = realloc(s, (size_t)(count + found) * sizeof *s);
            if (grown)
                s = grown;
            else
                rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        }
        for (int i = 0; rc == OME_OK && i < found; i++) {
            char p[16];
            snprintf(p, sizeof p, "%d", count);
            s[count] = (ome_series){.path = strdup(p)};
            count++;
            if (!s[count - 1].path)
                rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        }
        if (rc) {
            ome_series_free(s, count);
            return rc;
        }
        more = found == PROBE_BATCH;
    }
    *out = s;
    *n = count;
    return OME_OK;
}

int ome_series_list(ome_store *store, const char *path, ome_series **out, int *n, ome_err *err)
{
    *out = NULL;
    *n = 0;
    char ome_group[2048], xml_key[2100], first[2100];
    int krc;
    if ((krc = ome_key_join(ome_group, sizeof ome_group, path, "OME", err)) ||
        (krc = ome_key_join(xml_key, sizeof xml_key, ome_group, "METADATA.ome.xml", err)) ||
        (krc = ome_key_join(first, sizeof first, path, "0", err)))
        return krc;
    ome_store_req xml = {.key = xml_key, .range = OME_RANGE_SPAN, .off = 0,
                         .len = XML_NAMES_BYTES};
    json_t *attrs = NULL;
    char where[4096];
    int rc = ome_group_attrs_load_with(store, ome_group, &xml, 1, &attrs, where, sizeof where,
                                       err);
    if (rc == OME_OK)
        rc = ome_series_parse_list(attrs, where, out, n, err);
    json_decref(attrs);
    if (rc == OME_OK || rc == OME_ABSENT) {
        rc = *n ? OME_OK : probe_numbered(store, path, out, n, err);
        if (rc == OME_OK && *n == 0) {
            ome_store_describe(store, first, where, sizeof where);
            rc = ome_err_set(err, OME_EINVAL,
                             "%s: a bioformats2raw collection without images (no \"series\" "
                             "in OME/ and no group 0/)", where);
        }
    }
    if (rc == OME_OK && xml.status == OME_OK)
        ome_series_names_from_xml((const char *)xml.body.data, xml.body.len, *out, *n);
    ome_buf_free(&xml.body);
    return rc;
}
