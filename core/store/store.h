/* store: where bytes live. One small interface over local files, HTTP(S), S3 and OMERO: fetch
 * whole objects or byte ranges by key, many at once, with "absent" distinct from errors. */
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

typedef struct ome_store_req {
    const char *key;        /* path relative to the store's root, '/' separated */
    ome_range_kind range;
    uint64_t off, len;
    /* optional validators: when set and the object is unchanged, status is OME_NOT_MODIFIED */
    const char *if_none_match;     /* an ETag */
    const char *if_modified_since; /* an HTTP date */
    /* results */
    int status;             /* OME_OK, OME_ABSENT, OME_NOT_MODIFIED or a negative error code */
    ome_buf body;
    char etag[128];         /* validators the server sent with the object ("" when none) */
    char last_modified[64];
    ome_err err;            /* message when status < 0 */
} ome_store_req;

typedef struct ome_store ome_store;

typedef struct ome_store_ops {
    /* Fetches every request; each gets its own status. Returns OME_OK when the batch was
     * processed (even if some requests failed). */
    int (*get_many)(ome_store *s, ome_store_req *reqs, size_t n);
    void (*destroy)(ome_store *s);
    /* Optional (NULL: the store cannot list): see ome_store_list_dirs. */
    int (*list_dirs)(ome_store *s, const char *path, char ***names, int *n, ome_err *err);
} ome_store_ops;

/* Transport settings shared by every network store. */
typedef struct ome_store_opts {
    double timeout_s;        /* per attempt: connect, and the whole transfer */
    int retries;             /* extra attempts after the first for transient failures */
    int connections;         /* parallel transfers per request batch */
    const char *ca_file;     /* extra CA bundle (PEM) */
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

/* AWS Signature Version 4 credentials for an HTTP store (set by store_s3.c). */
typedef struct ome_sigv4 {
    const char *region, *key_id, *secret, *token; /* token may be NULL */
} ome_sigv4;

void ome_store_opts_default(ome_store_opts *o);

struct ome_store {
    const ome_store_ops *ops;
    char *root;              /* URL or path of the root, for messages: never a secret (redacted) */
};

/* Opens the right store for a source: the address of an OMERO image, http(s):// URL, s3:// URL,
 * file:// URL or local path. The store root is the source itself. */
int ome_store_open(const char *source, const ome_store_opts *opts, ome_store **out,
                   ome_err *err);
int ome_store_file_open(const char *path, ome_store **out, ome_err *err);
int ome_store_http_open(const char *url, const ome_store_opts *opts, ome_store **out,
                        ome_err *err);
/* An HTTP store speaking to S3: requests signed with `sig` (NULL: anonymous), S3 error codes
 * turned into clear messages, named as `shown` (s3://bucket/prefix) in messages. */
int ome_store_http_open_s3(const char *url, const char *shown, const ome_store_opts *opts,
                           const ome_sigv4 *sig, ome_store **out, ome_err *err);
/* HTTP stores only: headers sent with every request from now on (a session cookie, say),
 * replacing earlier ones; and keys of the form "path?query" whose query is kept as given. */
int ome_store_http_set_headers(ome_store *s, const char *const *headers, size_t n);
void ome_store_http_keys_carry_query(ome_store *s);
/* s3://bucket/prefix, with the S3 fields of opts (store_s3.c). */
int ome_store_s3_open(const char *source, const ome_store_opts *opts, ome_store **out,
                      ome_err *err);
/* An OMERO image at the root, or an OMERO dataset's images under "ID/", from the address of the
 * image's or dataset's page in OMERO.web (store_omero.c), with the OMERO fields of opts. */
int ome_store_omero_open(const char *source, const ome_store_opts *opts, ome_store **out,
                         ome_err *err);
/* What the OMERO container an OMERO store was opened on holds (paginated through the JSON API):
 * a dataset's images; a plate's images, well by well, each with its well's name as group
 * ("A1"); a project's datasets; a screen's plates. `path` "" is that container; in a project
 * "datasets/ID" is one of its datasets, in a screen "plates/ID" one of its plates. `s` is the
 * store or a disk cache over it: the store serves each list as a document of its own, which the
 * disk cache keeps like other metadata, so an offline mount finds it there. */
typedef struct ome_omero_listing {
    long long id;
    char name[256];
    char group[32]; /* "" for a dataset's images */
} ome_omero_listing;
int ome_store_omero_list(ome_store *s, const char *path, ome_omero_listing **out, int *n,
                         ome_err *err);
void ome_store_close(ome_store *s);

/* Convenience: fetches one whole object into `out`. Returns OME_OK, OME_ABSENT or an error. */
int ome_store_get(ome_store *s, const char *key, ome_buf *out, ome_err *err);
/* Full display name of a key ("https://host/a.zarr/0/.zarray") for messages. */
void ome_store_describe(const ome_store *s, const char *key, char *out, size_t outlen);
/* A URL fit for messages and logs: user:password@ and the query (tokens, signatures) are
 * replaced by "***". Paths and plain keys pass unchanged. */
void ome_url_redact(const char *url, char *out, size_t outlen);
/* The folders directly under `path` ("" for the store's root): a local directory's
 * subdirectories, the common prefixes of an S3 prefix; sorted by name. OME_EUNSUPPORTED when
 * the store cannot list (HTTP has no listing). Free them with ome_store_names_free. */
#define OME_MAX_LISTED 100000
int ome_store_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err);
void ome_store_names_free(char **names, int n);
/* For stores' listings: appends [name, name+len) (at most OME_MAX_LISTED names); at the end,
 * sorts them when rc is OME_OK, else frees them (*names NULL, *n 0); returns rc. */
int ome_store_names_add(char ***names, int *n, const char *name, size_t len, ome_err *err);
int ome_store_names_done(char ***names, int *n, int rc);
/* Percent-encodes [s, s+len): letters, digits and the characters of `keep` as they are, every
 * other byte as %XX; returns the length written (out always terminated). */
size_t ome_percent_encode(const char *s, size_t len, const char *keep, char *out,
                          size_t outlen);
/* Frees the bodies of a batch of requests. */
void ome_store_reqs_free(ome_store_req *reqs, size_t n);

#endif
