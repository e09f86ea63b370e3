/* omero_session: OMERO.web's JSON API: addresses of images, discovery, login, cookies. */
#include "store/omero_session.h"

#include "base/buf.h"
#include "base/cancel.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/url.h"
#include "base/version.h"

#include <jansson.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_JSON_BYTES ((size_t)16 << 20)

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    ome_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > MAX_JSON_BYTES || ome_buf_append(b, data, n))
        return 0;
    return n;
}

/* A transfer ends when the program it is for gives up (base/cancel.h). */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)ud, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return ome_cancelled() ? 1 : 0;
}

/* Rebuilds the Cookie header from the jar (Netscape lines: ... name TAB value). */
static void cookies_update(ome_omero_session *s)
{
    struct curl_slist *list = NULL;
    if (curl_easy_getinfo(s->easy, CURLINFO_COOKIELIST, &list) != CURLE_OK)
        return;
    size_t n = 0;
    s->cookie[0] = '\0';
    for (struct curl_slist *l = list; l; l = l->next) {
        const char *f[7];
        int k = 0;
        f[k++] = l->data;
        for (const char *p = l->data; *p && k < 7; p++)
            if (*p == '\t')
                f[k++] = p + 1;
        if (k < 7)
            continue;
        int nl = (int)(f[6] - f[5] - 1);
        n += (size_t)snprintf(s->cookie + n, n < sizeof s->cookie ? sizeof s->cookie - n : 0,
                              "%s%.*s=%s", n ? "; " : "Cookie: ", nl, f[5], f[6]);
    }
    curl_slist_free_all(list);
    if (n >= sizeof s->cookie)
        s->cookie[0] = '\0'; /* absurdly many cookies: send none rather than a cut one */
}

/* One request with the session's jar: GET (or `method`, e.g. OPTIONS), or POST of form fields
 * with a CSRF token. An answer that sends us to a login page (OMERO.web's login_required for a
 * session that expired) comes back as 403. */
static int request(ome_omero_session *s, const char *url, const char *method, const char *post,
                   const char *csrf, ome_buf *body, long *code, bool *transient, ome_err *err)
{
    *transient = false;
    char shown[4096];
    ome_url_redact(url, shown, sizeof shown);
    CURL *e = s->easy;
    char ua[64], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(ua, sizeof ua, "omefs/%s", OME_VERSION);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_USERAGENT, ua);
    /* A request with the CSRF token or a login form follows no redirect (curl would send its
     * headers to any host, and turn the POST into a GET); none goes from https down to http.
     * Cookies stay with their host (curl's cookie engine). */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, csrf || post ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
                     strncmp(url, "https:", 6) == 0 ? "https" : "http,https");
    curl_easy_setopt(e, CURLOPT_COOKIEFILE, ""); /* the cookie engine, in memory */
    long ms = (long)((s->opts->timeout_s > 0 ? s->opts->timeout_s : 30) * 1000);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms < 10000 ? ms : 10000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s->opts->insecure ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s->opts->insecure ? 0L : 2L);
    if (s->opts->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, s->opts->ca_file);
    if (s->opts->proxy && s->opts->proxy[0])
        curl_easy_setopt(e, CURLOPT_PROXY, s->opts->proxy);
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    /* as a browser's script: login_required answers 403, not a redirect to the login page */
    headers = curl_slist_append(headers, "X-Requested-With: XMLHttpRequest");
    char h[512];
    if (csrf) {
        snprintf(h, sizeof h, "X-CSRFToken: %s", csrf);
        headers = curl_slist_append(headers, h);
        snprintf(h, sizeof h, "Referer: %s", url); /* Django checks it over HTTPS */
        headers = curl_slist_append(headers, h);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    if (post)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
    else
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    body->len = 0;
    CURLcode cc = curl_easy_perform(e);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (s->opts->stats)
        ome_stats_add(&s->opts->stats->requests, 1);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return ome_err_set(err, OME_EINTR, "%s: interrupted", shown);
    if (cc != CURLE_OK) {
        /* no answer, or one cut short: worth another try; TLS and address errors are not */
        *transient = cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
                     cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
                     cc == CURLE_PARTIAL_FILE;
        return ome_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ? OME_ETIMEDOUT : OME_EIO, "%s: %s",
                           shown, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, code);
    char *where_to = NULL, *effective = NULL;
    curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &where_to);
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective);
    if ((*code >= 300 && *code < 400 && where_to && strstr(where_to, "/login")) ||
        (effective && strstr(effective, "/webclient/login")))
        *code = 403; /* sent to the login page: the session is gone */
    cookies_update(s);
    return OME_OK;
}

/* The "message" of an OMERO.web JSON error, else "". */
static const char *error_message(const ome_buf *body, char *out, size_t outlen)
{
    out[0] = '\0';
    json_t *doc = json_loadb((const char *)body->data, body->len, 0, NULL);
    const char *m = json_string_value(json_object_get(doc, "message"));
    if (m)
        snprintf(out, outlen, ": %s", m);
    json_decref(doc);
    return out;
}

static int do_get_json(ome_omero_session *s, const char *url, const char *post, const char *csrf,
                       json_t **out, ome_err *err)
{
    char shown[4096], msg[512];
    ome_url_redact(url, shown, sizeof shown);
    ome_buf body = {0};
    long code = 0;
    int rc;
    /* GETs are retried like chunks (server errors, 429, no answer) with a doubling backoff;
     * the login's POST is not */
    double delay = s->opts->backoff_base_s > 0 ? s->opts->backoff_base_s : 0.2;
    for (int attempt = 0;; attempt++) {
        bool transient;
        rc = request(s, url, NULL, post, csrf, &body, &code, &transient, err);
        transient |= rc == OME_OK && (code == 429 || code >= 500);
        if (post || !transient || attempt >= s->opts->retries)
            break;
        OME_LOGI("%s: %s, trying again in %.1f s", shown, rc ? err->msg : "server busy", delay);
        if (s->opts->stats)
            ome_stats_add(&s->opts->stats->retries, 1);
        if (!ome_cancel_sleep(delay)) {
            rc = ome_err_set(err, OME_EINTR, "%s: interrupted", shown);
            break;
        }
        if (s->opts->backoff_max_s > 0 && (delay *= 2) > s->opts->backoff_max_s)
            delay = s->opts->backoff_max_s;
    }
    *out = NULL;
    if (rc == OME_OK) {
        if (code == 404 || code == 410) {
            rc = OME_ABSENT;
            ome_err_set(err, OME_ABSENT, "%s: not found", shown);
        } else if (code == 401 || code == 403) {
            rc = ome_err_set(err, OME_EDENIED, "%s: HTTP %ld (access denied%s)", shown, code,
                             error_message(&body, msg, sizeof msg));
        } else if (code != 200) {
            rc = ome_err_set(err, OME_EIO, "%s: HTTP %ld%s", shown, code,
                             error_message(&body, msg, sizeof msg));
        } else {
            json_error_t je;
            *out = json_loadb((const char *)body.data, body.len, 0, &je);
            if (!*out)
                rc = ome_err_set(err, OME_EINVAL, "%s: not JSON (%s)", shown, je.text);
        }
    }
    ome_buf_free(&body);
    return rc;
}

int ome_omero_get_json(ome_omero_session *s, const char *url, json_t **out, ome_err *err)
{
    int rc = do_get_json(s, url, NULL, NULL, out, err);
    if (rc != OME_EDENIED || s->renewing)
        return rc;
    /* Refused: the session may have expired (OMERO's sessions end after 10 idle minutes). Once:
     * a new session (a login, or the public user's, which OMERO.web makes on the next
     * request), then the request again. */
    if ((rc = ome_omero_renew(s, err)))
        return rc;
    rc = do_get_json(s, url, NULL, NULL, out, err);
    if (rc != OME_EINTR)
        ome_omero_renew_outcome(s, rc != OME_EDENIED);
    if (rc == OME_EDENIED)
        ome_err_prefix(err, "still refused after a new session");
    return rc;
}

#define RENEW_PAUSE_FIRST_S 30.0
#define RENEW_PAUSE_MOST_S 600.0

void ome_omero_renew_outcome(ome_omero_session *s, bool helped)
{
    if (helped) {
        s->renew_pause = 0;
        s->renew_not_before = 0;
        return;
    }
    bool first = s->renew_pause == 0;
    s->renew_pause = first ? RENEW_PAUSE_FIRST_S : s->renew_pause * 2;
    if (s->renew_pause > RENEW_PAUSE_MOST_S)
        s->renew_pause = RENEW_PAUSE_MOST_S;
    s->renew_not_before = ome_now() + s->renew_pause;
    if (first) {
        char shown[2100];
        ome_url_redact(s->base, shown, sizeof shown);
        OME_LOGW("%s: still refused with a new OMERO session: no new session for %.0f s, then "
                 "at most one per pause, up to %.0f min apart, while they do not help (check "
                 "that %s may read it)",
                 shown, s->renew_pause, RENEW_PAUSE_MOST_S / 60,
                 s->user ? "this user" : "the public user");
    }
}

int ome_omero_renew(ome_omero_session *s, ome_err *err)
{
    char base[2100];
    ome_url_redact(s->base, base, sizeof base);
    if (s->login_refused)
        return ome_err_set(err, OME_EDENIED, "%s", s->refused_why);
    double wait = s->renew_not_before - ome_now();
    if (wait > 0)
        return ome_err_set(err, OME_EDENIED, "%s: refused even with a new session; the next "
                           "new session in %.0f s", base, wait);
    s->renewing = true;
    int rc = ome_omero_reconnect(s, err);
    s->renewing = false;
    if (rc == OME_OK && s->opts->stats)
        ome_stats_add(&s->opts->stats->omero_renewals, 1);
    if (rc && rc != OME_EINTR && !s->login_refused)
        ome_omero_renew_outcome(s, false);
    if (rc && !s->login_refused)
        ome_err_prefix(err, "cannot renew the OMERO session with %s", base);
    else if (rc == OME_OK)
        OME_LOGI("%s: OMERO session renewed", base);
    return rc;
}

int ome_omero_options(ome_omero_session *s, const char *url, ome_buf *body, long *code,
                      ome_err *err)
{
    bool transient;
    return request(s, url, "OPTIONS", NULL, NULL, body, code, &transient, err);
}

/* The path of a URL ("/omero/api/v0/"), without query. */
static bool api_path(const char *url, char *out, size_t len)
{
    CURLU *u = curl_url();
    char *p = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK && p && p[0] == '/' &&
              strlen(p) < len;
    if (ok)
        snprintf(out, len, "%s", p);
    curl_free(p);
    curl_url_cleanup(u);
    return ok;
}

/* "scheme://host[:port]" of a URL (credentials left out). */
static bool origin_of(const char *url, char *out, size_t len)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    if (ok) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        int n = snprintf(out, len, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
        ok = n > 0 && (size_t)n < len;
    }
    curl_free(scheme), curl_free(host), curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

/* GET /api/: the v0 root. */
static int discover(ome_omero_session *s, ome_err *err)
{
    char url[2100];
    snprintf(url, sizeof url, "%s/api/", s->base);
    json_t *doc;
    int rc = ome_omero_get_json(s, url, &doc, err);
    if (rc == OME_ABSENT || rc == OME_EINVAL) {
        char shown[2100], why[sizeof err->msg];
        ome_url_redact(url, shown, sizeof shown);
        snprintf(why, sizeof why, "%s",
                 strstr(err->msg, ": ") ? strstr(err->msg, ": ") + 2 : err->msg);
        return ome_err_set(err, OME_EINVAL, "%s: not an OMERO.web server (%s)", shown, why);
    }
    if (rc)
        return rc;
    json_t *versions = json_object_get(doc, "data"), *v;
    size_t i;
    const char *root = NULL;
    json_array_foreach(versions, i, v)
    {
        const char *ver = json_string_value(json_object_get(v, "version"));
        if (ver && strcmp(ver, "0") == 0)
            root = json_string_value(json_object_get(v, "url:base"));
    }
    /* url:base is the server's own view of the request: behind a TLS proxy often http:// or an
     * internal host. Only its path is taken, on the scheme, host and port the user gave. */
    char path[2048];
    if (root && api_path(root, path, sizeof path) && origin_of(s->base, s->api, sizeof s->api) &&
        strlen(s->api) + strlen(path) + 2 < sizeof s->api)
        snprintf(s->api + strlen(s->api), sizeof s->api - strlen(s->api), "%s%s", path,
                 path[strlen(path) - 1] == '/' ? "" : "/");
    else
        rc = ome_err_set(err, OME_EINVAL, "%s: no version 0 of the OMERO JSON API", url);
    json_decref(doc);
    return rc;
}

/* Whether a value from the server may go into a request header: letters, digits and the
 * punctuation of tokens and UUIDs, nothing that could end the header (CR, LF) or start another. */
static bool header_safe(const char *v)
{
    if (!v[0])
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (!isalnum(*p) && !strchr("-_.+/=~", *p))
            return false;
    return true;
}

static int login(ome_omero_session *s, ome_err *err)
{
    char url[2200];
    json_t *doc;
    snprintf(url, sizeof url, "%stoken/", s->api);
    int rc = ome_omero_get_json(s, url, &doc, err);
    if (rc)
        return rc;
    char csrf[256];
    const char *t = json_string_value(json_object_get(doc, "data"));
    snprintf(csrf, sizeof csrf, "%s", t && strlen(t) < sizeof csrf ? t : "");
    json_decref(doc);
    if (!csrf[0])
        return ome_err_set(err, OME_EINVAL, "%s: no CSRF token", url);
    if (!header_safe(csrf))
        return ome_err_set(err, OME_EINVAL, "%s: the CSRF token holds bytes that cannot go "
                           "into a request header", url);
    snprintf(url, sizeof url, "%sservers/", s->api);
    if ((rc = ome_omero_get_json(s, url, &doc, err)))
        return rc;
    json_int_t server =
        json_integer_value(json_object_get(json_array_get(json_object_get(doc, "data"), 0), "id"));
    json_decref(doc);
    if (server <= 0)
        return ome_err_set(err, OME_EINVAL, "%s: no OMERO server listed", url);
    char *u = curl_easy_escape(s->easy, s->user, 0), *p = curl_easy_escape(s->easy, s->password, 0);
    size_t n = (u ? strlen(u) : 0) + (p ? strlen(p) : 0) + 64;
    char *form = malloc(n);
    if (!u || !p || !form) {
        curl_free(u), curl_free(p), free(form);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    snprintf(form, n, "server=%lld&username=%s&password=%s", (long long)server, u, p);
    curl_free(u);
    memset(p, 0, strlen(p));
    curl_free(p);
    snprintf(url, sizeof url, "%slogin/", s->api);
    rc = do_get_json(s, url, form, csrf, &doc, err);
    memset(form, 0, n);
    free(form);
    if (rc == OME_EDENIED) { /* remembered: the same password is never sent again */
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        s->login_refused = true;
        snprintf(s->refused_why, sizeof s->refused_why,
                 "OMERO login as %s refused (%s): check the user name (omero_user=) and the "
                 "password (OMERO_PASSWORD, or the prompt); it is not tried again, as servers "
                 "lock accounts after failed logins: unmount, then mount with the right one",
                 s->user, why);
        return ome_err_set(err, OME_EDENIED, "%s", s->refused_why);
    }
    if (rc)
        return rc;
    const char *key =
        json_string_value(json_object_get(json_object_get(doc, "eventContext"), "sessionUuid"));
    if (!json_is_true(json_object_get(doc, "success")) || !key ||
        strlen(key) >= sizeof s->session_key)
        rc = ome_err_set(err, OME_EDENIED, "%s: OMERO login as %s did not succeed", url, s->user);
    else if (!header_safe(key))
        rc = ome_err_set(err, OME_EINVAL, "%s: the session key is not a UUID (it would go into "
                         "a request header): not an OMERO server to trust", url);
    else
        snprintf(s->session_key, sizeof s->session_key, "%s", key);
    json_decref(doc);
    return rc;
}

int ome_omero_reconnect(ome_omero_session *s, ome_err *err)
{
    if (s->login_refused)
        return ome_err_set(err, OME_EDENIED, "%s", s->refused_why);
    if (s->easy)
        curl_easy_cleanup(s->easy);
    if (!(s->easy = curl_easy_init()))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    s->cookie[0] = s->session_key[0] = '\0';
    int rc = discover(s, err);
    if (rc == OME_OK && s->user)
        rc = login(s, err);
    if (rc == OME_OK && s->opts->stats)
        ome_stats_add(&s->opts->stats->omero_sessions, 1);
    return rc;
}

int ome_omero_connect(ome_omero_session *s, const char *base, const ome_store_opts *opts,
                      const char *user, const char *password, ome_err *err)
{
    /* a refused login outlives the session: connecting again must not send the password */
    bool refused = s->login_refused;
    char why[sizeof s->refused_why];
    memcpy(why, s->refused_why, sizeof why);
    memset(s, 0, sizeof *s);
    s->login_refused = refused;
    memcpy(s->refused_why, why, sizeof why);
    if (strlen(base) >= sizeof s->base)
        return ome_err_set(err, OME_EINVAL, "OMERO address too long");
    snprintf(s->base, sizeof s->base, "%s", base);
    s->opts = opts;
    s->user = user && user[0] ? user : NULL;
    s->password = password ? password : "";
    return ome_omero_reconnect(s, err);
}

void ome_omero_session_free(ome_omero_session *s)
{
    if (s->easy)
        curl_easy_cleanup(s->easy);
    s->easy = NULL;
}
