/* store: dispatch by source kind and small helpers shared by all stores. */
#include "store/omero_session.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ome_store_opts_default(ome_store_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 30;
    o->retries = 3;
    o->connections = 16;
    o->backoff_base_s = 0.2;
    o->backoff_max_s = 5;
}

int ome_store_open(const char *source, const ome_store_opts *opts, ome_store **out,
                   ome_err *err)
{
    ome_store_opts defaults;
    if (!opts) {
        ome_store_opts_default(&defaults);
        opts = &defaults;
    }
    char omero_root[2048];
    long long omero_id;
    ome_omero_kind omero_kind;
    if (ome_omero_parse_address(source, omero_root, sizeof omero_root, &omero_kind, &omero_id))
        return ome_store_omero_open(source, opts, out, err);
    if (strncasecmp(source, "http://", 7) == 0 || strncasecmp(source, "https://", 8) == 0)
        return ome_store_http_open(source, opts, out, err);
    if (strncasecmp(source, "s3://", 5) == 0)
        return ome_store_s3_open(source, opts, out, err);
    if (strncasecmp(source, "file://", 7) == 0)
        return ome_store_file_open(source + 7, out, err);
    if (strstr(source, "://"))
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported URL scheme", source);
    return ome_store_file_open(source, out, err);
}

void ome_store_close(ome_store *s)
{
    if (s)
        s->ops->destroy(s);
}

int ome_store_get(ome_store *s, const char *key, ome_buf *out, ome_err *err)
{
    ome_store_req req = {.key = key, .range = OME_RANGE_ALL};
    int rc = s->ops->get_many(s, &req, 1);
    if (rc == OME_OK)
        rc = req.status;
    if (rc < 0) {
        if (err)
            *err = req.err;
        ome_buf_free(&req.body);
        return rc;
    }
    ome_buf_free(out);
    *out = req.body;
    return rc;
}

int ome_store_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err)
{
    *names = NULL;
    *n = 0;
    if (!s->ops->list_dirs)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: this kind of source cannot be listed",
                           s->root);
    return s->ops->list_dirs(s, path, names, n, err);
}

void ome_store_names_free(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

int ome_store_names_add(char ***names, int *n, const char *name, size_t len, ome_err *err)
{
    if (*n >= OME_MAX_LISTED)
        return ome_err_set(err, OME_ERANGE, "more than %d entries", OME_MAX_LISTED);
    if ((*n & (*n - 1)) == 0) { /* full at 0, 1, 2, 4, 8, …: room doubled */
        char **more = realloc(*names, (size_t)(*n ? *n * 2 : 1) * sizeof *more);
        if (!more)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        *names = more;
    }
    if (!((*names)[*n] = strndup(name, len)))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    (*n)++;
    return OME_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ome_store_names_done(char ***names, int *n, int rc)
{
    if (rc) {
        ome_store_names_free(*names, *n);
        *names = NULL;
        *n = 0;
    } else if (*n > 1) {
        qsort(*names, (size_t)*n, sizeof **names, by_name);
    }
    return rc;
}

size_t ome_percent_encode(const char *s, size_t len, const char *keep, char *out,
                          size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)s; c < (const unsigned char *)s + len &&
                                                            k + 4 < outlen;
         c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            (*c && strchr(keep, *c))) {
            out[k++] = (char)*c;
        } else {
            out[k++] = '%';
            out[k++] = hex[*c >> 4];
            out[k++] = hex[*c & 15];
        }
    }
    if (outlen)
        out[k < outlen ? k : outlen - 1] = '\0';
    return k < outlen ? k : (outlen ? outlen - 1 : 0);
}

void ome_store_describe(const ome_store *s, const char *key, char *out, size_t outlen)
{
    size_t n = strlen(s->root);
    const char *sep = (n && s->root[n - 1] == '/') || !key[0] ? "" : "/";
    snprintf(out, outlen, "%s%s%s", s->root, sep, key);
}

void ome_store_reqs_free(ome_store_req *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ome_buf_free(&reqs[i].body);
}

void ome_url_redact(const char *url, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", url);
    char *scheme = strstr(out, "://");
    if (!scheme)
        return;
    char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#"), *at = NULL;
    for (char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at) { /* user:password@host → ***@host */
        memmove(auth + 3, at, strlen(at) + 1);
        memcpy(auth, "***", 3);
    }
    char *q = strchr(out, '?');
    if (q && (size_t)(q - out) + 5 <= outlen)
        snprintf(q, outlen - (size_t)(q - out), "?***");
}
