/* store_http: HTTP(S) objects through libcurl. A batch of requests runs concurrently on one curl
 * multi handle (bounded by `connections`, HTTP/2 multiplexed when offered); multi handles are
 * pooled so connections are reused across batches. Transient failures (connection errors,
 * timeouts, 5xx, 429) are retried with exponential backoff and jitter, honouring Retry-After. */
#include "base/cancel.h"
#include "base/clock.h"
#include "base/key.h"
#include "base/log.h"
#include "store/s3_errors.h"
#include "store/store_backend.h"
#include "store/sigv4.h"
#include "base/stats.h"
#include "store/store_http.h"
#include "base/url.h"
#include "base/version.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What is kept of an error document (an S3 error, a 404 page). */
#define ERROR_BODY_BYTES 65536
/* Redirects a request follows. */
#define MAX_REDIRECTS 5
/* Slower than this for `timeout` seconds is a stall (curl's low-speed limit). */
#define STALL_BYTES_PER_S 512L
/* The longest wait for a connection, whatever the timeout (a host that drops packets). */
#define CONNECT_CAP_S 10
/* How often a transfer in progress or a backoff looks whether its reader gave up, seconds. */
#define CANCEL_POLL_S 0.25

typedef struct {
    ome_store base;     /* base.root: the redacted URL, for messages */
    char *fetch_root;   /* the URL requests go to, without its query */
    char *query;        /* a query the source carried (a token, a signature), or NULL */
    ome_store_opts opts;
    char *ca_file;
    char *proxy; /* -o proxy=, or NULL: curl's environment variables */
    char user_agent[64];
    bool s3;                 /* S3 error codes; signing when sig_* are set */
    char *sig_provider;      /* "aws:amz:REGION:s3" */
    char *sig_key_id, *sig_secret, *sig_token_header;
    bool keys_carry_query;   /* keys are "path?query": the query is kept as given */
    pthread_mutex_t lock;
    CURLM **pool; /* idle multi handles, each keeping its own connections alive */
    size_t npool, cappool;
    struct curl_slist *extra_headers; /* sent with every request (under lock) */
} http_store;

typedef struct {
    http_store *hs;
    ome_store_req *req;
    CURL *easy;
    int attempt;
    double due;
    bool active, done;
    double retry_after;
    bool too_large;
    uint64_t cap; /* what the answer could be, when it was larger */
    bool got_span; /* stopped early on purpose: a 200 reply to a range request has covered the
                      span, or an error document its first ERROR_BODY_BYTES */
    uint64_t skipped;        /* bytes of a 200 reply to a span passed over before the span */
    bool range_ignored_far;  /* a 200 reply to a span that ends past OME_MAX_OBJECT_BYTES */
    char encoding[64];       /* the reply's Content-Encoding ("" when none) */
    bool encoded_range;      /* a range answered in an encoding: not the object's bytes */
    int64_t range_first, range_last, range_total; /* from Content-Range, -1 when absent */
    bool ask_again_now; /* not a failure: asked again at once (a suffix range answered wrong
                           asked as a span; a same-origin redirect followed) */
    int redirects;      /* followed by hand (requests that carry secrets) */
    bool conditional_added;
    bool extra_added;
    bool secret_headers; /* the store's extra headers (a session key) went with it */
    bool retry_pending; /* the last attempt failed transiently and may be retried */
    char bucket_region[64]; /* x-amz-bucket-region */
    struct curl_slist *headers;
    char url[8192];    /* what is fetched (may hold credentials: never logged) */
    char shown[4096]; /* the same, redacted, for messages */
    char errbuf[CURL_ERROR_SIZE];
} http_xfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    http_xfer *x = ud;
    ome_store_req *r = x->req;
    size_t n = size * nmemb;
    long code = 0;
    if (x->hs->opts.stats) /* every byte received is paid for, error pages included */
        ome_stats_add(&x->hs->opts.stats->bytes_fetched, n);
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    /* Bytes of a range (or the whole object answering one) in a Content-Encoding are bytes of
     * the encoded object: neither the object's bytes at that offset nor decodable alone. */
    if ((code == 200 || code == 206) && r->range != OME_RANGE_ALL && x->encoding[0] &&
        strcasecmp(x->encoding, "identity") != 0) {
        x->encoded_range = true;
        return 0;
    }
    if (r->body.cap == 0 && (code == 200 || code == 206)) { /* size the buffer once */
        curl_off_t clen = -1;
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
        uint64_t cap = ome_store_req_cap(r);
        if (clen > 0 && (uint64_t)clen > cap && r->range == OME_RANGE_ALL) {
            x->too_large = true; /* announced larger than it can be: stop before any byte */
            x->cap = cap;
            return 0;
        }
        if (clen > 0 && (uint64_t)clen <= cap)
            ome_buf_reserve(&r->body, (size_t)clen);
    }
    /* A server that ignores Range answers 200 with the whole object: pass over the bytes
     * before the span, keep the span, then stop the transfer. A span ending past the largest
     * object fetched whole is not waited for (the offset may come from a hostile index). */
    if (r->range == OME_RANGE_SPAN && code == 200) {
        if (r->len > OME_MAX_OBJECT_BYTES || r->off > OME_MAX_OBJECT_BYTES - r->len) {
            x->range_ignored_far = true;
            return 0;
        }
        uint64_t before = r->off - x->skipped, wanted = r->len - r->body.len;
        size_t skip = before < n ? (size_t)before : n;
        x->skipped += skip;
        size_t take = wanted < n - skip ? (size_t)wanted : n - skip;
        if (ome_buf_append(&r->body, data + skip, take))
            return 0;
        if (r->body.len < r->len)
            return n;
        x->got_span = true;
        return 0;
    }
    if (code != 200 && code != 206) { /* an error document: its start is enough */
        size_t take = r->body.len < ERROR_BODY_BYTES ? ERROR_BODY_BYTES - r->body.len : 0;
        if (ome_buf_append(&r->body, data, n < take ? n : take))
            return 0;
        if (n <= take)
            return n;
        x->got_span = true; /* stopped on purpose: the status says what happened */
        return 0;
    }
    uint64_t cap = ome_store_req_cap(r);
    if (r->body.len + n > cap) {
        x->too_large = true;
        x->cap = cap;
        return 0;
    }
    if (ome_buf_append(&r->body, data, n))
        return 0;
    return n;
}

/* Copies a header's value, trimmed, into out. */
static void header_value(const char *data, size_t n, size_t name_len, char *out, size_t outlen)
{
    const char *v = data + name_len, *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t m = (size_t)(end - v) < outlen - 1 ? (size_t)(end - v) : outlen - 1;
    memcpy(out, v, m);
    out[m] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    http_xfer *x = ud;
    size_t n = size * nmemb;
    if (n > 5 && strncasecmp(data, "ETag:", 5) == 0)
        header_value(data, n, 5, x->req->etag, sizeof x->req->etag);
    else if (n > 14 && strncasecmp(data, "Content-Range:", 14) == 0) {
        char v[128];
        unsigned long long first, last, total;
        header_value(data, n, 14, v, sizeof v);
        int got = sscanf(v, "bytes %llu-%llu/%llu", &first, &last, &total);
        if (got >= 2 && first <= last && last < INT64_MAX) {
            x->range_first = (int64_t)first;
            x->range_last = (int64_t)last;
            x->range_total = got == 3 && total > last ? (int64_t)total : -1; /* a total of "*": unknown */
        }
    } else if (n > 20 && strncasecmp(data, "x-amz-bucket-region:", 20) == 0)
        header_value(data, n, 20, x->bucket_region, sizeof x->bucket_region);
    else if (n > 14 && strncasecmp(data, "Last-Modified:", 14) == 0)
        header_value(data, n, 14, x->req->last_modified, sizeof x->req->last_modified);
    else if (n > 17 && strncasecmp(data, "Content-Encoding:", 17) == 0)
        header_value(data, n, 17, x->encoding, sizeof x->encoding);
    if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char tmp[64];
        size_t m = n - 12 < sizeof tmp - 1 ? n - 12 : sizeof tmp - 1;
        memcpy(tmp, data + 12, m);
        tmp[m] = '\0';
        char *end;
        double v = strtod(tmp, &end);
        if (end != tmp && v >= 0)
            x->retry_after = v;
    }
    return n;
}

/* Percent-encodes everything in a key but unreserved characters and '/'; appends the key's own
 * query (keys_carry_query) and the source's query. OME_ERANGE when it does not fit: a URL is
 * never cut short. */
static int build_url(const http_store *hs, const char *key, char *out, size_t outlen)
{
    const char *key_query = hs->keys_carry_query ? strchr(key, '?') : NULL;
    size_t key_len = key_query ? (size_t)(key_query - key) : strlen(key);
    if (!ome_key_is_inside(key, key_len))
        return OME_EINVAL; /* never a URL beyond the source's prefix */
    size_t root = strlen(hs->fetch_root);
    /* the longest it can be: every key byte as %XX */
    size_t need = root + 1 + 3 * key_len + (key_query ? strlen(key_query) : 0) +
                  (hs->query ? 1 + strlen(hs->query) : 0) + 1;
    if (need > outlen)
        return OME_ERANGE;
    size_t n = (size_t)snprintf(out, outlen, "%s", hs->fetch_root);
    if (n && out[n - 1] != '/' && key[0])
        out[n++] = '/';
    n += ome_percent_encode(key, key_len, "-._~/", out + n, outlen - n);
    if (key_query)
        n += (size_t)snprintf(out + n, outlen - n, "%s", key_query);
    if (hs->query)
        snprintf(out + n, outlen - n, "%c%s", key_query ? '&' : '?', hs->query);
    return OME_OK;
}

static CURLM *pool_take(http_store *hs)
{
    CURLM *m = NULL;
    pthread_mutex_lock(&hs->lock);
    if (hs->npool)
        m = hs->pool[--hs->npool];
    pthread_mutex_unlock(&hs->lock);
    if (!m) {
        m = curl_multi_init();
        if (m) {
            curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
            curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)hs->opts.connections);
            curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)hs->opts.connections);
        }
    }
    return m;
}

static void pool_give(http_store *hs, CURLM *m)
{
    pthread_mutex_lock(&hs->lock);
    if (hs->npool == hs->cappool) {
        size_t cap = hs->cappool ? hs->cappool * 2 : 4;
        CURLM **p = realloc(hs->pool, cap * sizeof *p);
        if (p) {
            hs->pool = p;
            hs->cappool = cap;
        }
    }
    if (hs->npool < hs->cappool) {
        hs->pool[hs->npool++] = m;
        m = NULL;
    }
    pthread_mutex_unlock(&hs->lock);
    if (m)
        curl_multi_cleanup(m);
}

/* The transfer's headers, made once: conditional validators, then the store's own (a session
 * cookie, say). */
static void add_headers(http_xfer *x)
{
    http_store *hs = x->hs;
    ome_store_req *r = x->req;
    if ((r->if_none_match || r->if_modified_since) && !x->conditional_added) {
        x->conditional_added = true;
        char h[256];
        if (r->if_none_match) {
            snprintf(h, sizeof h, "If-None-Match: %s", r->if_none_match);
            x->headers = curl_slist_append(x->headers, h);
        }
        if (r->if_modified_since) {
            snprintf(h, sizeof h, "If-Modified-Since: %s", r->if_modified_since);
            x->headers = curl_slist_append(x->headers, h);
        }
    }
    if (!x->extra_added) {
        x->extra_added = true;
        pthread_mutex_lock(&hs->lock);
        x->secret_headers = hs->extra_headers != NULL;
        for (struct curl_slist *h = hs->extra_headers; h; h = h->next)
            x->headers = curl_slist_append(x->headers, h->data);
        pthread_mutex_unlock(&hs->lock);
    }
}

static int xfer_start(http_xfer *x, CURLM *m)
{
    http_store *hs = x->hs;
    ome_store_req *r = x->req;
    r->body.len = 0;
    r->size = 0;
    r->etag[0] = r->last_modified[0] = '\0';
    x->retry_after = -1;
    x->range_first = x->range_last = x->range_total = -1;
    x->too_large = false;
    x->got_span = false;
    x->skipped = 0;
    x->range_ignored_far = false;
    x->encoding[0] = '\0';
    x->encoded_range = false;
    x->errbuf[0] = '\0';
    CURL *e = x->easy ? x->easy : curl_easy_init();
    if (!e)
        return OME_ENOMEM;
    x->easy = e;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L); /* the path as built: no dot segments removed */
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, hs->user_agent);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    /* never from https down to http */
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
                     strncmp(hs->fetch_root, "https:", 6) == 0 ? "https" : "http,https");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* No CURLOPT_PIPEWAIT: it makes every transfer wait for a connection whose protocol is not
     * known yet, so against a silent server the retries ran one after another (n x timeout).
     * Established HTTP/2 connections in the pooled multi handle are multiplexed without it. */
    /* A dead server or a held connection is dropped after `timeout` seconds without progress
     * (under STALL_BYTES_PER_S on average), not after a whole-transfer limit: a large chunk on a
     * slow but live link is never cut. */
    long ms = (long)(hs->opts.timeout_s * 1000);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     ms < CONNECT_CAP_S * 1000 ? ms : (long)CONNECT_CAP_S * 1000);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, STALL_BYTES_PER_S);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(hs->opts.timeout_s + 0.999));
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, hs->opts.insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, hs->opts.insecure ? 0L : 2L);
    if (hs->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, hs->ca_file);
    if (hs->proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, hs->proxy);
    char range[64];
    if (r->range == OME_RANGE_SPAN) {
        if (r->len == 0) {
            x->done = true;
            r->status = OME_OK;
            return OME_OK;
        }
        snprintf(range, sizeof range, "%llu-%llu", (unsigned long long)r->off,
                 (unsigned long long)(r->off + r->len - 1));
        curl_easy_setopt(e, CURLOPT_RANGE, range);
    } else if (r->range == OME_RANGE_SUFFIX) {
        snprintf(range, sizeof range, "-%llu", (unsigned long long)r->len);
        curl_easy_setopt(e, CURLOPT_RANGE, range);
    } else {
        /* A whole object sent with Content-Encoding (S3 sends the one it was stored with,
         * whatever was asked) is decoded, as browsers and fsspec do; "identity" asks for none.
         * The body cap holds for the decoded bytes, as they come: a bomb is cut there. An
         * encoding libcurl cannot decode is an error (CURLE_BAD_CONTENT_ENCODING). A range
         * answered in an encoding is refused (on_body): a part of a gzip stream is neither the
         * object's bytes nor decodable. */
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "identity");
    }
    if (hs->sig_provider) /* AWS SigV4 (sigv4.c); the headers once per transfer */
        ome_sigv4_apply(e, hs->sig_provider, hs->sig_key_id, hs->sig_secret,
                        hs->sig_token_header, x->headers ? NULL : &x->headers);
    add_headers(x);
    /* Requests that carry a secret (a signature, a session header) follow no redirect by
     * themselves: curl would send custom headers to any host. xfer_finish follows those that
     * stay on the same origin. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, hs->sig_provider || x->secret_headers ? 0L : 1L);
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    if (curl_multi_add_handle(m, e) != CURLM_OK)
        return OME_EIO;
    x->active = true;
    x->attempt++;
    if (hs->opts.stats) {
        ome_stats_add(&hs->opts.stats->requests, 1);
        if (x->attempt > 1)
            ome_stats_add(&hs->opts.stats->retries, 1);
    }
    return OME_OK;
}

/* A server that ignored the Range header of a suffix answered 200 with the whole object: cut
 * out its tail. */
static void slice_full_body(ome_store_req *r)
{
    uint64_t off, len;
    ome_store_req_part(r, r->body.len, &off, &len);
    memmove(r->body.data, r->body.data + off, (size_t)len);
    r->body.len = (size_t)len;
}

/* A proxy setting fit for messages: its user and password (before an '@', with or without a
 * scheme, as curl takes it) as "***". */
static void proxy_shown(const char *proxy, char *out, size_t outlen)
{
    const char *scheme = strstr(proxy, "://"), *host = scheme ? scheme + 3 : proxy;
    const char *at = strchr(host, '@'), *slash = strchr(host, '/');
    if (at && (!slash || at < slash))
        snprintf(out, outlen, "%.*s***%s", (int)(host - proxy), proxy, at);
    else
        snprintf(out, outlen, "%s", proxy);
}

static bool curl_code_is_transient(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

static bool curl_code_is_tls_trust(CURLcode c)
{
    return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
           c == CURLE_SSL_CERTPROBLEM || c == CURLE_SSL_ISSUER_ERROR;
}

/* Whether a 206 reply is the range that was asked: Content-Range starts where the span does
 * (or, for a suffix, at total - len) and the body holds every byte of it that exists. */
static bool range_reply_matches(const http_xfer *x)
{
    const ome_store_req *r = x->req;
    if (x->range_first < 0)
        return false; /* a partial reply that does not say what it holds */
    uint64_t first = (uint64_t)x->range_first, held = (uint64_t)(x->range_last - x->range_first) + 1;
    if (x->range_total < 0) /* size unknown: a span must start where asked, hold what it says */
        return r->range == OME_RANGE_SPAN && first == r->off && held <= r->len &&
               r->body.len == held;
    uint64_t total = (uint64_t)x->range_total;
    uint64_t want_first = r->range == OME_RANGE_SPAN ? r->off
                          : r->range == OME_RANGE_SUFFIX && total > r->len ? total - r->len
                                                                            : 0;
    if (first != want_first || first > total)
        return false;
    uint64_t want_len = r->range == OME_RANGE_ALL ? total - first
                        : r->len < total - first  ? r->len
                                                  : total - first;
    return r->body.len == want_len;
}

/* Whether two absolute URLs share scheme, host and port. */
static bool same_origin(const char *a, const char *b)
{
    CURLU *ua = curl_url(), *ub = curl_url();
    bool same = false;
    if (ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
        curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK) {
        same = true;
        const CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
        for (size_t i = 0; i < 3 && same; i++) {
            char *pa = NULL, *pb = NULL;
            curl_url_get(ua, parts[i], &pa, CURLU_DEFAULT_PORT);
            curl_url_get(ub, parts[i], &pb, CURLU_DEFAULT_PORT);
            same = pa && pb && strcasecmp(pa, pb) == 0;
            curl_free(pa);
            curl_free(pb);
        }
    }
    curl_url_cleanup(ua);
    curl_url_cleanup(ub);
    return same;
}

/* A redirect that curl did not follow (the request carries a secret): followed at once when it
 * stays on the same origin (returns true), else a clear error. Signed S3 requests follow none:
 * S3 redirects say the endpoint or region is wrong. */
static bool follow_redirect(http_xfer *x, long code)
{
    ome_store_req *r = x->req;
    char *loc = NULL, shown[1024];
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    ome_url_redact(loc ? loc : "", shown, sizeof shown);
    if (!loc) {
        r->status = ome_err_set(&r->err, OME_EIO, "%s: HTTP %ld without a Location", x->shown,
                                code);
    } else if (x->hs->sig_provider) {
        r->status = ome_err_set(&r->err, OME_EIO,
                                "%s: HTTP %ld redirect to %s; signed S3 requests follow no "
                                "redirect (are the endpoint and region right?)",
                                x->shown, code, shown);
    } else if (!same_origin(x->url, loc)) {
        r->status = ome_err_set(&r->err, OME_EDENIED,
                                "%s: redirected to another server (%s); this source's credentials "
                                "are not sent there",
                                x->shown, shown);
    } else if (x->redirects >= MAX_REDIRECTS || strlen(loc) >= sizeof x->url) {
        r->status = ome_err_set(&r->err, OME_EIO, "%s: too many redirects, or too long (%s)",
                                x->shown, shown);
    } else {
        snprintf(x->url, sizeof x->url, "%s", loc);
        ome_url_redact(loc, x->shown, sizeof x->shown);
        x->redirects++;
        x->ask_again_now = true;
        x->retry_pending = false;
        return true;
    }
    return false;
}

/* Classifies a finished attempt. Returns true when it should be retried. */
static bool xfer_finish(http_xfer *x, CURLcode cc)
{
    ome_store_req *r = x->req;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    bool transient = false;
    if (cc == CURLE_WRITE_ERROR && x->got_span)
        cc = CURLE_OK; /* stopped on purpose: the span is complete */
    if (cc != CURLE_OK) {
        const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
        if (x->range_ignored_far) {
            r->status = ome_err_set(&r->err, OME_ERANGE,
                                    "%s: the server ignores byte ranges, and the %llu bytes "
                                    "asked from offset %llu end past the %llu bytes an object "
                                    "is fetched whole up to",
                                    x->shown, (unsigned long long)r->len,
                                    (unsigned long long)r->off,
                                    (unsigned long long)OME_MAX_OBJECT_BYTES);
        } else if (x->encoded_range) {
            r->status = ome_err_set(&r->err, OME_EINVAL,
                                    "%s: a byte range answered with Content-Encoding %s: bytes "
                                    "of the encoded object, not of the object (is it stored "
                                    "compressed?)",
                                    x->shown, x->encoding);
        } else if (x->too_large) {
            r->status = ome_err_set(&r->err, OME_ERANGE,
                                    "%s: the answer%s%s%s is larger than the %llu bytes it can "
                                    "be; cut off",
                                    x->shown, x->encoding[0] ? ", decoded from Content-Encoding "
                                                             : "",
                                    x->encoding, x->encoding[0] ? "," : "",
                                    (unsigned long long)x->cap);
        } else if (cc == CURLE_BAD_CONTENT_ENCODING) {
            r->status = ome_err_set(&r->err, OME_EINVAL,
                                    "%s: the body, sent with Content-Encoding %s, cannot be "
                                    "decoded (%s)",
                                    x->shown, x->encoding[0] ? x->encoding : "?", detail);
        } else if (curl_code_is_tls_trust(cc)) {
            r->status = ome_err_set(&r->err, OME_EDENIED,
                                    "%s: TLS certificate not trusted (%s); pass ca_file= for a "
                                    "private CA",
                                    x->shown, detail);
        } else {
            transient = curl_code_is_transient(cc);
            char said[CURL_ERROR_SIZE + 160];
            curl_off_t sent = 0; /* 0: still connecting (TCP, proxy, TLS) */
            curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &sent);
            double t = x->hs->opts.timeout_s;
            if (cc == CURLE_OPERATION_TIMEDOUT && !sent) /* curl's words are about bytes */
                snprintf(said, sizeof said, "no connection within %g s (timeout=%g)",
                         t < CONNECT_CAP_S ? t : CONNECT_CAP_S, t);
            else if (cc == CURLE_OPERATION_TIMEDOUT)
                snprintf(said, sizeof said, "no answer, or no progress, for %g s (timeout=%g)", t,
                         t);
            else
                snprintf(said, sizeof said, "%s", detail);
            if (x->hs->proxy && (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_PROXY ||
                                 cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_RECV_ERROR)) {
                char proxy[512];
                proxy_shown(x->hs->proxy, proxy, sizeof proxy);
                snprintf(said + strlen(said), sizeof said - strlen(said), " (-o proxy=%s)", proxy);
            }
            r->status = ome_err_set(&r->err,
                                    cc == CURLE_OPERATION_TIMEDOUT ? OME_ETIMEDOUT : OME_EIO,
                                    "%s: %s", x->shown, said);
        }
    } else if (code == 206 && r->range == OME_RANGE_SUFFIX && x->range_total >= 0 &&
               (uint64_t)x->range_first !=
                   ((uint64_t)x->range_total > r->len ? (uint64_t)x->range_total - r->len : 0)) {
        /* a server answering a suffix range with the wrong bytes (seen in S3 emulators): now
         * that the size is known, ask for the same bytes as a span */
        uint64_t total = (uint64_t)x->range_total;
        OME_LOGD("%s: suffix range answered with bytes from %lld; asking for a span", x->shown,
                 (long long)x->range_first);
        r->range = OME_RANGE_SPAN;
        r->off = total > r->len ? total - r->len : 0;
        r->len = total > r->len ? r->len : total;
        x->ask_again_now = true;
        x->retry_pending = false;
        return true;
    } else if (code == 206 && !range_reply_matches(x)) {
        /* bytes of another range than asked, however honestly labelled: never used */
        transient = true;
        r->status = ome_err_set(&r->err, OME_EIO,
                                "%s: asked for %llu bytes from %llu, the server answered %zu "
                                "from %lld",
                                x->shown, (unsigned long long)r->len, (unsigned long long)r->off,
                                r->body.len, (long long)x->range_first);
    } else if (code == 200 || code == 206) {
        if (x->range_total >= 0)
            r->size = (uint64_t)x->range_total;
        else if (code == 200 && r->range != OME_RANGE_SPAN) /* the whole object came */
            r->size = r->body.len;
        if (code == 200 && r->range == OME_RANGE_SUFFIX) /* a span is kept as it comes */
            slice_full_body(r);
        r->status = OME_OK;
    } else if (code == 304 && (r->if_none_match || r->if_modified_since)) {
        r->body.len = 0;
        r->status = OME_NOT_MODIFIED;
    } else if (x->hs->s3 && code != 404 &&
               ome_s3_explain(r, code, x->shown, x->bucket_region, x->hs->sig_provider != NULL)) {
        /* r->status and r->err set from the S3 error document */
    } else if (x->hs->s3 && code == 404 && ome_s3_code_is(r, "NoSuchBucket")) {
        r->status = ome_err_set(&r->err, OME_EINVAL, "%s: no such bucket", x->shown);
    } else if (code >= 300 && code < 400 && code != 304) {
        if (follow_redirect(x, code))
            return true;
    } else if (code == 404 || code == 410) {
        /* absent; what the server said kept for callers where 404 means more (OMERO tiles) */
        char said[201];
        size_t k = 0;
        for (size_t i = 0; i < r->body.len && k < sizeof said - 1; i++)
            said[k++] = isprint(r->body.data[i]) ? (char)r->body.data[i] : ' ';
        said[k] = '\0';
        ome_err_set(&r->err, OME_ABSENT, "%s", said);
        r->status = OME_ABSENT;
    } else if (code == 429 || code >= 500) {
        transient = true;
        r->status = ome_err_set(&r->err, OME_EIO, "%s: HTTP %ld", x->shown, code);
    } else if (code == 401 || code == 403) {
        r->status = ome_err_set(&r->err, OME_EDENIED, "%s: HTTP %ld (access denied)", x->shown,
                                code);
    } else if (code == 416 && r->range == OME_RANGE_SPAN) {
        r->body.len = 0; /* range starts past the end: nothing there */
        r->status = OME_OK;
    } else {
        r->status =
            ome_err_set(&r->err, OME_EIO, "%s: unexpected HTTP status %ld", x->shown, code);
    }
    x->retry_pending = transient && x->attempt <= x->hs->opts.retries;
    if (x->retry_pending)
        return true;
    if (transient && x->attempt > 1)
        ome_err_prefix(&r->err, "after %d attempts", x->attempt);
    return false;
}

static double backoff_delay(const http_store *hs, int attempt, double retry_after,
                            unsigned *seed)
{
    double d = hs->opts.backoff_base_s;
    for (int i = 1; i < attempt && d < hs->opts.backoff_max_s; i++)
        d *= 2;
    if (d > hs->opts.backoff_max_s)
        d = hs->opts.backoff_max_s;
    d *= 0.5 + (double)rand_r(seed) / RAND_MAX; /* jitter: 50 % .. 150 % */
    if (retry_after >= 0) {
        double cap = hs->opts.backoff_max_s > hs->opts.timeout_s ? hs->opts.backoff_max_s
                                                                 : hs->opts.timeout_s;
        d = retry_after < cap ? retry_after : cap;
    }
    return d;
}

/* Starts the transfers that are due, up to `limit` at once; counts those that ended at once. */
static void start_due(http_xfer *xs, size_t n, CURLM *m, size_t limit, size_t *active,
                      size_t *done, double *next_due)
{
    double now = ome_now();
    *next_due = now + 1.0;
    for (size_t i = 0; i < n && *active < limit; i++) {
        http_xfer *x = &xs[i];
        if (x->done || x->active)
            continue;
        if (x->due > now) {
            if (x->due < *next_due)
                *next_due = x->due;
            continue;
        }
        int rc = xfer_start(x, m);
        if (x->done) {
            (*done)++;
        } else if (rc) {
            x->req->status = ome_err_set(&x->req->err, rc, "%s: cannot start request", x->shown);
            x->done = true;
            (*done)++;
        } else {
            (*active)++;
        }
    }
}

/* Collects the transfers that ended: done, or due again after a backoff. */
static void collect_finished(http_store *hs, CURLM *m, size_t *active, size_t *done,
                             unsigned *seed)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        http_xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode cc = msg->data.result;
        curl_multi_remove_handle(m, msg->easy_handle);
        x->active = false;
        (*active)--;
        if (xfer_finish(x, cc) && x->ask_again_now) {
            x->ask_again_now = false; /* not a failure: ask again at once */
            x->attempt--;
            x->due = ome_now();
        } else if (x->retry_pending) {
            double d = backoff_delay(hs, x->attempt, x->retry_after, seed);
            OME_LOGD("%s: %s; retry %d in %.2f s", x->shown, x->req->err.msg, x->attempt, d);
            x->due = ome_now() + d;
        } else {
            x->done = true;
            (*done)++;
            if (x->req->status != OME_OK)
                x->req->body.len = 0;
            ome_store_req_done(x->req);
        }
    }
}

/* The reading program gave up (base/cancel.h): every transfer not done ends now with
 * OME_EINTR. */
static void give_up(http_xfer *xs, size_t n, CURLM *m, size_t *active, size_t *done)
{
    for (size_t i = 0; i < n; i++) {
        http_xfer *x = &xs[i];
        if (x->done)
            continue;
        if (x->active) {
            curl_multi_remove_handle(m, x->easy);
            x->active = false;
            (*active)--;
        }
        x->req->status = ome_err_set(&x->req->err, OME_EINTR, "%s: interrupted", x->shown);
        x->done = true;
        (*done)++;
    }
}

/* Frees the batch's handles and counts its outcome. */
static void batch_end(http_store *hs, http_xfer *xs, ome_store_req *reqs, size_t n)
{
    ome_stats *st = hs->opts.stats;
    for (size_t i = 0; i < n; i++) {
        if (xs[i].easy)
            curl_easy_cleanup(xs[i].easy);
        curl_slist_free_all(xs[i].headers);
        if (reqs[i].status != OME_OK)
            reqs[i].body.len = 0;
        if (st) {
            if (reqs[i].status < 0)
                ome_stats_add(&st->fetch_errors, 1);
            else if (reqs[i].status == OME_NOT_MODIFIED)
                ome_stats_add(&st->not_modified, 1);
        }
    }
}

static int http_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    http_store *hs = (http_store *)s;
    if (n == 0)
        return OME_OK;
    http_xfer *xs = calloc(n, sizeof *xs);
    CURLM *m = pool_take(hs);
    if (!xs || !m) {
        free(xs);
        if (m)
            pool_give(hs, m);
        for (size_t i = 0; i < n; i++)
            reqs[i].status = ome_err_set(&reqs[i].err, OME_ENOMEM, "out of memory");
        return OME_OK;
    }
    unsigned seed = (unsigned)(ome_now() * 1e6) ^ (unsigned)(uintptr_t)xs;
    double now = ome_now();
    size_t done = 0, active = 0, limit = hs->opts.connections > 0 ? (size_t)hs->opts.connections : 1;
    for (size_t i = 0; i < n; i++) {
        xs[i].hs = hs;
        xs[i].req = &reqs[i];
        xs[i].due = now;
        reqs[i].status = OME_EIO;
        ome_err_clear(&reqs[i].err);
        ome_store_describe(&hs->base, reqs[i].key, xs[i].shown, sizeof xs[i].shown);
        int brc = build_url(hs, reqs[i].key, xs[i].url, sizeof xs[i].url);
        if (brc != OME_OK) {
            reqs[i].status =
                brc == OME_EINVAL
                    ? ome_err_set(&reqs[i].err, OME_EINVAL,
                                  "%s: the key has a \".\" or \"..\" segment: it would leave the "
                                  "source",
                                  xs[i].shown)
                    : ome_err_set(&reqs[i].err, OME_ERANGE, "%s: the URL is longer than %zu bytes",
                                  xs[i].shown, sizeof xs[i].url - 1);
            xs[i].done = true;
            done++;
        }
    }
    while (done < n) {
        double next_due;
        start_due(xs, n, m, limit, &active, &done, &next_due);
        if (done == n)
            break;
        if (active == 0) { /* backing off: in slices, so that a cancelled read ends soon */
            double wait = next_due - ome_now();
            ome_sleep(wait < CANCEL_POLL_S ? wait : CANCEL_POLL_S);
            if (ome_cancelled()) {
                give_up(xs, n, m, &active, &done);
                break;
            }
            continue;
        }
        if (ome_cancelled()) {
            give_up(xs, n, m, &active, &done);
            break;
        }
        int running = 0;
        curl_multi_perform(m, &running);
        collect_finished(hs, m, &active, &done, &seed);
        if (active > 0) {
            double wait = next_due - ome_now();
            int ms = wait <= 0 ? 0 : wait > CANCEL_POLL_S ? (int)(CANCEL_POLL_S * 1000)
                                                          : (int)(wait * 1000) + 1;
            curl_multi_poll(m, NULL, 0, ms, NULL);
        }
    }
    batch_end(hs, xs, reqs, n);
    free(xs);
    pool_give(hs, m);
    return OME_OK;
}

static void http_destroy(ome_store *s)
{
    http_store *hs = (http_store *)s;
    for (size_t i = 0; i < hs->npool; i++)
        curl_multi_cleanup(hs->pool[i]);
    free(hs->pool);
    pthread_mutex_destroy(&hs->lock);
    free(hs->ca_file);
    free(hs->proxy);
    free(hs->base.root);
    free(hs->base.identity);
    free(hs->fetch_root);
    free(hs->query);
    free(hs->sig_provider);
    free(hs->sig_key_id);
    if (hs->sig_secret) /* do not leave the secret in freed memory */
        memset(hs->sig_secret, 0, strlen(hs->sig_secret));
    free(hs->sig_secret);
    free(hs->sig_token_header);
    curl_slist_free_all(hs->extra_headers);
    free(hs);
}

int ome_store_http_set_headers(ome_store *s, const char *const *headers, size_t n)
{
    http_store *hs = (http_store *)s;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *l = curl_slist_append(list, headers[i]);
        if (!l) {
            curl_slist_free_all(list);
            return OME_ENOMEM;
        }
        list = l;
    }
    pthread_mutex_lock(&hs->lock);
    struct curl_slist *old = hs->extra_headers;
    hs->extra_headers = list;
    pthread_mutex_unlock(&hs->lock);
    curl_slist_free_all(old);
    return OME_OK;
}

void ome_store_http_keys_carry_query(ome_store *s) { ((http_store *)s)->keys_carry_query = true; }

static const ome_store_ops http_ops = {http_get_many, http_destroy, NULL};

int ome_store_http_open_s3(const char *url, const char *shown, const ome_store_opts *opts,
                           const ome_sigv4 *sig, ome_store **out, ome_err *err)
{
    ome_store *s;
    int rc = ome_store_http_open(url, opts, &s, err);
    if (rc)
        return rc;
    http_store *hs = (http_store *)s;
    hs->s3 = true;
    char *root = strdup(shown);
    bool ok = root != NULL;
    if (ok && sig) {
        size_t n = strlen(sig->region) + 32;
        hs->sig_provider = malloc(n);
        hs->sig_key_id = strdup(sig->key_id);
        hs->sig_secret = strdup(sig->secret);
        if (hs->sig_provider)
            snprintf(hs->sig_provider, n, "aws:amz:%s:s3", sig->region);
        if (sig->token && (hs->sig_token_header = malloc(strlen(sig->token) + 24)))
            sprintf(hs->sig_token_header, "x-amz-security-token: %s", sig->token);
        ok = hs->sig_provider && hs->sig_key_id && hs->sig_secret &&
             (!sig->token || hs->sig_token_header);
    }
    if (!ok) {
        free(root);
        http_destroy(s);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    free(hs->base.root);
    hs->base.root = root;
    *out = s;
    return OME_OK;
}

int ome_store_http_open(const char *url, const ome_store_opts *opts, ome_store **out,
                        ome_err *err)
{
    pthread_once(&curl_once, curl_init_once);
    http_store *hs = calloc(1, sizeof *hs);
    if (!hs)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    hs->opts = *opts;
    if (hs->opts.connections < 1)
        hs->opts.connections = 1;
    if (hs->opts.timeout_s <= 0)
        hs->opts.timeout_s = 10;
    hs->fetch_root = strdup(url);
    hs->base.identity = ome_url_identity(url);
    hs->base.root = malloc(strlen(url) + 8);
    hs->ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
    hs->opts.ca_file = NULL;
    hs->proxy = opts->proxy && opts->proxy[0] ? strdup(opts->proxy) : NULL;
    hs->opts.proxy = NULL;
    pthread_mutex_init(&hs->lock, NULL);
    hs->base.ops = &http_ops;
    if (!hs->fetch_root || !hs->base.root || !hs->base.identity ||
        (opts->ca_file && !hs->ca_file) || (opts->proxy && opts->proxy[0] && !hs->proxy)) {
        http_destroy(&hs->base);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    char *q = strpbrk(hs->fetch_root, "?#");
    if (q && *q == '?' && q[1] && !(hs->query = strdup(q + 1))) {
        http_destroy(&hs->base);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if (hs->query)
        hs->query[strcspn(hs->query, "#")] = '\0';
    if (q)
        *q = '\0';
    size_t n = strlen(hs->fetch_root);
    while (n > 8 && hs->fetch_root[n - 1] == '/')
        hs->fetch_root[--n] = '\0';
    /* messages name the source without credentials or query */
    ome_url_redact(hs->fetch_root, hs->base.root, strlen(url) + 8);
    snprintf(hs->user_agent, sizeof hs->user_agent, "omefs/%s", OME_VERSION);
    if (opts->insecure)
        OME_LOGW("%s: TLS certificate verification is OFF (insecure option)", hs->base.root);
    *out = &hs->base;
    return OME_OK;
}

const char *ome_http_library_version(void)
{
    return curl_version_info(CURLVERSION_NOW)->version;
}
