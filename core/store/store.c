/* store: what callers use of every store (requests, listings, messages), and the helpers
 * backends share. */
#include "store/store.h"

#include "base/key.h"
#include "base/log.h"
#include "store/store_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ome_store_opts_default(ome_store_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 10;
    o->retries = 2;
    o->connections = 16;
    o->backoff_base_s = 0.2;
    o->backoff_max_s = 5;
}

void ome_store_req_part(const ome_store_req *r, uint64_t size, uint64_t *off, uint64_t *len)
{
    *off = 0;
    *len = size;
    if (r->range == OME_RANGE_SPAN) {
        *off = r->off < size ? r->off : size;
        *len = r->len < size - *off ? r->len : size - *off;
    } else if (r->range == OME_RANGE_SUFFIX) {
        *len = r->len < size ? r->len : size;
        *off = size - *len;
    }
}

uint64_t ome_store_req_cap(const ome_store_req *r)
{
    if (r->range == OME_RANGE_SPAN)
        return r->len;
    /* a suffix: servers that ignore it (200) or answer it wrong (206 from 0, as S3 emulators
     * do) send more, of which the tail is then taken or asked again as a span */
    if (r->range == OME_RANGE_SUFFIX)
        return r->max_bytes ? r->max_bytes : OME_MAX_OBJECT_BYTES;
    return r->max_bytes ? r->max_bytes : OME_MAX_DOC_BYTES;
}

void ome_store_close(ome_store *s)
{
    if (s)
        s->ops->destroy(s);
}

void ome_store_req_done(ome_store_req *r)
{
    void (*fn)(ome_store_req *, void *) = r->on_done;
    r->on_done = NULL;
    if (fn)
        fn(r, r->on_done_ctx);
}

int ome_store_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    int rc = s->ops->get_many(s, reqs, n);
    for (size_t i = 0; rc < 0 && i < n; i++) /* a batch that failed as a whole */
        if (reqs[i].status == OME_OK && !reqs[i].body.data) {
            reqs[i].status = rc;
            ome_err_set(&reqs[i].err, rc, "%s: not fetched", reqs[i].key);
        }
    return rc;
}

int ome_store_get(ome_store *s, const char *key, ome_buf *out, ome_err *err)
{
    ome_store_req req = {.key = key, .range = OME_RANGE_ALL};
    int rc = ome_store_get_many(s, &req, 1);
    if (rc == OME_OK)
        rc = req.status;
    if (rc < 0 && err)
        *err = req.err;
    ome_buf_free(out);
    if (rc == OME_OK)
        *out = req.body; /* an error page or a 404's body is not the object */
    else
        ome_buf_free(&req.body);
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
    if (!ome_key_name_ok(name, len)) { /* "..", "", "a/b": would reach beyond the folder */
        OME_LOGW("a listing holds the name \"%.*s\", which cannot be a folder's entry; left out",
                 (int)(len < 200 ? len : 200), name);
        return OME_OK;
    }
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

const char *ome_store_identity(const ome_store *s)
{
    return s->identity ? s->identity : s->root;
}
