/* store_s3: s3://bucket/prefix sources. Works out the HTTPS address (AWS virtual-hosted, or
 * path-style on any S3-compatible endpoint), the region and the credentials — the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), else a profile of
 * ~/.aws/credentials, else anonymous — and opens an HTTP store that signs with SigV4. Secrets
 * never reach a message. */
#include "base/log.h"
#include "store/s3_list.h"
#include "store/store_http.h"
#include "store/store_backend.h"
#include "store/store_s3.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key_id[256], secret[256], token[4096];
} s3_creds;

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, strlen(s + i) + 1);
}

/* Reads one profile of an AWS credentials file. Returns 1 when found, 0 when not. */
static int read_profile(const char *path, const char *profile, s3_creds *c)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    bool in = false, found = false;
    while (fgets(line, sizeof line, f)) {
        trim(line);
        if (line[0] == '[') {
            char *end = strchr(line, ']');
            if (end)
                *end = '\0';
            trim(line + 1);
            in = strcmp(line + 1, profile) == 0;
            found |= in;
            continue;
        }
        char *eq = strchr(line, '=');
        if (!in || !eq || line[0] == '#' || line[0] == ';')
            continue;
        *eq = '\0';
        char *k = line, *v = eq + 1;
        trim(k);
        trim(v);
        if (strcmp(k, "aws_access_key_id") == 0)
            snprintf(c->key_id, sizeof c->key_id, "%s", v);
        else if (strcmp(k, "aws_secret_access_key") == 0)
            snprintf(c->secret, sizeof c->secret, "%s", v);
        else if (strcmp(k, "aws_session_token") == 0)
            snprintf(c->token, sizeof c->token, "%s", v);
    }
    memset(line, 0, sizeof line);
    fclose(f);
    return found;
}

/* Fills c from the environment or a profile; returns OME_OK (c->key_id empty: anonymous). */
static int find_credentials(const ome_store_opts *o, s3_creds *c, ome_err *err)
{
    memset(c, 0, sizeof *c);
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (!o->s3_profile && id && *id && secret && *secret) {
        snprintf(c->key_id, sizeof c->key_id, "%s", id);
        snprintf(c->secret, sizeof c->secret, "%s", secret);
        const char *token = getenv("AWS_SESSION_TOKEN");
        if (token)
            snprintf(c->token, sizeof c->token, "%s", token);
        return OME_OK;
    }
    const char *profile = o->s3_profile ? o->s3_profile : getenv("AWS_PROFILE");
    char path[4096];
    const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
    if (file)
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/.aws/credentials", home ? home : "");
    int found = read_profile(path, profile ? profile : "default", c);
    if (profile && !found)
        return ome_err_set(err, OME_EINVAL, "profile \"%s\" not found in %s", profile, path);
    if (found && (!c->key_id[0] || !c->secret[0]))
        return ome_err_set(err, OME_EINVAL, "profile \"%s\" in %s lacks aws_access_key_id or "
                                            "aws_secret_access_key",
                           profile ? profile : "default", path);
    return OME_OK;
}

static bool bucket_is_valid(const char *b, size_t n)
{
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)b[i]) || isdigit((unsigned char)b[i]) || b[i] == '-' ||
              b[i] == '.' || b[i] == '_'))
            return false;
    return true;
}

/* An S3 source: objects through an HTTP store at bucket/prefix, listings through one at the
 * bucket's root whose keys carry their query. */
typedef struct {
    ome_store base;
    ome_store *objects, *lister;
    char *prefix; /* "dir/sub/" or "" */
} s3_store;

static int s3_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    s3_store *ss = (s3_store *)s;
    return ome_store_get_many(ss->objects, reqs, n);
}

static void s3_destroy(ome_store *s)
{
    s3_store *ss = (s3_store *)s;
    ome_store_close(ss->objects);
    ome_store_close(ss->lister);
    free(ss->prefix);
    free(ss->base.root);
    free(ss->base.identity);
    free(ss);
}

#define MAX_LIST_PAGES 1000

/* ListObjectsV2 with delimiter "/", page by page; the query canonical (keys sorted, values
 * encoded), since the SigV4 signature covers it as written. */
static int s3_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err)
{
    s3_store *ss = (s3_store *)s;
    char prefix[2100], prefix_q[6200], token[1100] = "", token_q[3400], key[10000];
    snprintf(prefix, sizeof prefix, "%s%s%s", ss->prefix, path, path[0] ? "/" : "");
    ome_s3_query_encode(prefix, prefix_q, sizeof prefix_q);
    bool more = true;
    int rc = OME_OK;
    for (int page = 0; rc == OME_OK && more; page++) {
        if (page == MAX_LIST_PAGES) {
            rc = ome_err_set(err, OME_ERANGE, "%s: more than %d pages of listing", s->root,
                             MAX_LIST_PAGES);
            break;
        }
        ome_s3_query_encode(token, token_q, sizeof token_q);
        snprintf(key, sizeof key, "?%s%s%sdelimiter=%%2F&list-type=2&prefix=%s",
                 token[0] ? "continuation-token=" : "", token_q, token[0] ? "&" : "",
                 prefix_q);
        ome_buf body = {0};
        rc = ome_store_get(ss->lister, key, &body, err);
        if (rc == OME_ABSENT)
            rc = ome_err_set(err, OME_EIO, "%s: the listing was not found", s->root);
        if (rc == OME_OK)
            rc = ome_s3_list_parse((const char *)body.data, body.len, prefix, s->root, names, n,
                                   &more, token, sizeof token, err);
        ome_buf_free(&body);
    }
    return ome_store_names_done(names, n, rc);
}

static const ome_store_ops s3_ops = {s3_get_many, s3_destroy, s3_list_dirs};

int ome_store_s3_open(const char *source, const ome_store_opts *opts, ome_store **out,
                      ome_err *err)
{
    const char *rest = source + 5; /* after s3:// */
    size_t blen = strcspn(rest, "/");
    if (!bucket_is_valid(rest, blen))
        return ome_err_set(err, OME_EINVAL, "%s: not a valid S3 bucket name", source);
    char bucket[64], prefix[2048];
    snprintf(bucket, sizeof bucket, "%.*s", (int)blen, rest);
    snprintf(prefix, sizeof prefix, "%s", rest[blen] ? rest + blen + 1 : "");
    size_t plen = strlen(prefix);
    while (plen && prefix[plen - 1] == '/')
        prefix[--plen] = '\0';
    const char *region = opts->s3_region;
    if (!region)
        region = getenv("AWS_REGION");
    if (!region)
        region = getenv("AWS_DEFAULT_REGION");
    if (!region || !*region)
        region = "us-east-1";
    char bucket_url[4096], url[6200];
    /* -o endpoint=, else the AWS tools' environment variables (MinIO and Ceph users set them) */
    const char *ep = opts->s3_endpoint;
    if (!ep || !*ep)
        ep = getenv("AWS_ENDPOINT_URL_S3");
    if (!ep || !*ep)
        ep = getenv("AWS_ENDPOINT_URL");
    if (ep && *ep) {
        size_t n = strlen(ep);
        while (n && ep[n - 1] == '/')
            n--;
        snprintf(bucket_url, sizeof bucket_url, "%.*s/%s", (int)n, ep, bucket);
    } else if (opts->s3_path_style || strchr(bucket, '.')) {
        snprintf(bucket_url, sizeof bucket_url, "https://s3.%s.amazonaws.com/%s", region, bucket);
    } else {
        snprintf(bucket_url, sizeof bucket_url, "https://%s.s3.%s.amazonaws.com", bucket, region);
    }
    snprintf(url, sizeof url, "%s/%s", bucket_url, prefix);
    char shown[2200], shown_bucket[80];
    snprintf(shown, sizeof shown, "s3://%s%s%s", bucket, prefix[0] ? "/" : "", prefix);
    snprintf(shown_bucket, sizeof shown_bucket, "s3://%s", bucket);
    s3_creds c;
    int rc = opts->s3_no_sign ? (memset(&c, 0, sizeof c), OME_OK) : find_credentials(opts, &c, err);
    s3_store *ss = NULL;
    if (rc == OME_OK && !(ss = calloc(1, sizeof *ss)))
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    if (rc == OME_OK) {
        ss->base.ops = &s3_ops;
        ome_sigv4 sig = {region, c.key_id, c.secret, c.token[0] ? c.token : NULL};
        if (!c.key_id[0])
            OME_LOGI("%s: no credentials: anonymous requests", shown);
        rc = ome_store_http_open_s3(url, shown, opts, c.key_id[0] ? &sig : NULL, &ss->objects,
                                    err);
        if (rc == OME_OK)
            rc = ome_store_http_open_s3(bucket_url, shown_bucket, opts,
                                        c.key_id[0] ? &sig : NULL, &ss->lister, err);
        if (rc == OME_OK) {
            ome_store_http_keys_carry_query(ss->lister);
            ss->base.root = strdup(shown);
            ss->base.identity = strdup(ome_store_identity(ss->objects));
            ss->prefix = malloc(plen + 2);
            if (ss->prefix)
                snprintf(ss->prefix, plen + 2, "%s%s", prefix, plen ? "/" : "");
            if (!ss->base.root || !ss->base.identity || !ss->prefix)
                rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        }
        if (rc) {
            s3_destroy(&ss->base);
            ss = NULL;
        }
    } else {
        ome_err_prefix(err, "%s", shown);
    }
    memset(&c, 0, sizeof c);
    if (rc == OME_OK)
        *out = &ss->base;
    return rc;
}
