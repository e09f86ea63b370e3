/* store: where bytes live. One small interface over local files, HTTP(S), S3 and OMERO: fetch
 * whole objects or byte ranges by key, many at once, with "absent" distinct from errors. This is
 * what callers use; backends implement store_backend.h, and each has a header of its own for
 * opening it (store_file.h, store_http.h, store_s3.h, store_omero.h). */
#ifndef OME_STORE_H
#define OME_STORE_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

/* Range of an object to fetch: whole object, [off, off+len), or the last `len` bytes. */
typedef enum { OME_RANGE_ALL = 0, OME_RANGE_SPAN, OME_RANGE_SUFFIX } ome_range_kind;

/* Largest object (metadata document, encoded chunk or shard) fetched whole. */
#define OME_MAX_OBJECT_BYTES ((uint64_t)1 << 32)
/* Largest body of a request that sets no max_bytes: a metadata document or a listing page. A
 * larger answer is cut off with an error, whatever the server sends. */
#define OME_MAX_DOC_BYTES ((uint64_t)32 << 20)

typedef struct ome_store_req {
    const char *key;        /* path relative to the store's root, '/' separated */
    ome_range_kind range;
    uint64_t off, len;
    /* optional validators: when set and the object is unchanged, status is OME_NOT_MODIFIED */
    const char *if_none_match;     /* an ETag */
    const char *if_modified_since; /* an HTTP date */
    /* the copy a cache holds proved bad (it did not decode): fetch from the source, and let no
     * cache keep or serve the old copy */
    bool fresh;
    /* the largest body this request can legitimately bring (an encoded chunk: its size plus
     * the codecs' overhead); 0: OME_MAX_DOC_BYTES. A span brings at most its length. */
    uint64_t max_bytes;
    /* results */
    int status;             /* OME_OK, OME_ABSENT, OME_NOT_MODIFIED or a negative error code */
    ome_buf body;
    uint64_t size;          /* the object's whole size when the answer told it (a range's
                               Content-Range, a file's size, a whole object), else 0 */
    char etag[128];         /* validators the server sent with the object ("" when none) */
    char last_modified[64];
    ome_err err;            /* message when status < 0 */
    /* optional: called once, as soon as this request is final, in the thread that called
     * ome_store_get_many and before it returns, so the body can be used (and taken) while the
     * rest of the batch is still on its way. Stores that fetch a batch as a whole never call
     * it: a request it was not called for is final when ome_store_get_many returns. */
    void (*on_done)(struct ome_store_req *r, void *ctx);
    void *on_done_ctx;
} ome_store_req;

typedef struct ome_store ome_store;
struct ome_store_ops; /* what a backend implements: store_backend.h */

/* Transport settings shared by every network store. */
typedef struct ome_store_opts {
    double timeout_s;        /* per attempt: connect, and the longest time without progress */
    int retries;             /* extra attempts after the first for transient failures */
    int connections;         /* parallel transfers per request batch */
    const char *ca_file;     /* extra CA bundle (PEM) */
    const char *proxy;       /* HTTP proxy URL (NULL: curl's http_proxy/https_proxy/no_proxy) */
    bool insecure;           /* skip TLS verification (explicit, logged) */
    double backoff_base_s;   /* first retry delay; doubles each time, with jitter */
    double backoff_max_s;
    struct ome_stats *stats; /* counters of the mount (may be NULL) */
    /* S3 (s3:// sources, store_s3.c) */
    const char *s3_endpoint;  /* e.g. http://127.0.0.1:9000; default AWS */
    const char *s3_region;    /* default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1 */
    const char *s3_profile;   /* ~/.aws/credentials profile; default $AWS_PROFILE, "default" */
    bool s3_no_sign;          /* anonymous requests even when credentials exist */
    bool s3_path_style;       /* endpoint/bucket/key (default for a custom endpoint) */
    /* OMERO (web-client addresses of images, store_omero.c) */
    const char *omero_user;     /* NULL: the server's public user */
    const char *omero_password;
    const char *omero_tiles;    /* root of the pixel-buffer service; default OMERO.web's host */
} ome_store_opts;

void ome_store_opts_default(ome_store_opts *o);
/* The part [*off, *off + *len) of an object of `size` bytes that request r asks for, clamped
 * to the object. */
void ome_store_req_part(const ome_store_req *r, uint64_t size, uint64_t *off, uint64_t *len);
/* The most bytes request r may bring (see max_bytes). */
uint64_t ome_store_req_cap(const ome_store_req *r);

struct ome_store {
    const struct ome_store_ops *ops;
    char *root;              /* URL or path of the root, for messages: never a secret (redacted) */
    char *identity;          /* what names its objects, for caches (NULL: root); set and freed
                                by the backend: ome_store_identity */
};

void ome_store_close(ome_store *s);
/* What names the store's objects, for caches: everything that tells two sources apart (scheme,
 * host and port, bucket, path, a hash of a query or credentials, the OMERO server and object). */
const char *ome_store_identity(const ome_store *s);

/* Fetches every request at once (concurrently where the store can); each gets its own status,
 * body and message. Returns OME_OK when the batch was processed (even if some requests failed),
 * else the error every unprocessed request got. */
int ome_store_get_many(ome_store *s, ome_store_req *reqs, size_t n);
/* Convenience: fetches one whole object into `out`. Returns OME_OK, OME_ABSENT or an error. */
int ome_store_get(ome_store *s, const char *key, ome_buf *out, ome_err *err);
/* Full display name of a key ("https://host/a.zarr/0/.zarray") for messages. */
void ome_store_describe(const ome_store *s, const char *key, char *out, size_t outlen);
/* The folders directly under `path` ("" for the store's root): a local directory's
 * subdirectories, the common prefixes of an S3 prefix; sorted by name. OME_EUNSUPPORTED when
 * the store cannot list (HTTP has no listing). Free them with ome_store_names_free. */
#define OME_MAX_LISTED 100000
int ome_store_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err);
void ome_store_names_free(char **names, int n);
/* For a store: request r is final. Calls its on_done, once (it is cleared first). */
void ome_store_req_done(ome_store_req *r);
/* Frees the bodies of a batch of requests. */
void ome_store_reqs_free(ome_store_req *reqs, size_t n);

#endif
