/* url: percent-encoding and redaction of URLs for messages. */
#include "base/url.h"
#include "base/mem_find.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The authority of url ("user:pw@host:port"): its start and its length. */
static size_t authority(const char *url, size_t len, const char **start)
{
    const char *scheme = ome_mem_find(url, len, "://", 3);
    *start = scheme ? scheme + 3 : url;
    size_t n = 0, rest = len - (size_t)(*start - url);
    while (n < rest && !memchr("/?#", (*start)[n], 3))
        n++;
    return n;
}

/* The length of the userinfo of an authority ("user:pw" of "user:pw@host"), or 0 without one;
 * *has says whether there is one (an empty userinfo, "@host", is one too). */
static size_t userinfo(const char *auth, size_t n, bool *has)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (auth[i] == '@')
            at = auth + i;
    *has = at != NULL;
    return at ? (size_t)(at - auth) : 0;
}

bool ome_url_blank_secrets(char *url, size_t len)
{
    const char *auth;
    size_t n = authority(url, len, &auth);
    bool has, blanked = false;
    size_t ui = userinfo(auth, n, &has);
    const char *colon = memchr(auth, ':', ui);
    char *p = url + (auth - url);
    for (size_t i = colon ? (size_t)(colon - auth) + 1 : ui; i < ui; i++, blanked = true)
        p[i] = '*';
    char *q = memchr(url, '?', len);
    for (char *c = q ? q + 1 : url + len; c < url + len; c++, blanked = true)
        *c = '*';
    return blanked;
}

bool ome_url_has_user(const char *url, bool *password)
{
    const char *auth;
    size_t n = authority(url, strlen(url), &auth);
    bool has;
    size_t ui = userinfo(auth, n, &has);
    *password = memchr(auth, ':', ui) != NULL;
    return has;
}

char *ome_url_add_credentials(const char *url, const char *user, const char *password,
                              const char *query)
{
    size_t len = strlen(url);
    const char *auth;
    size_t n = authority(url, len, &auth);
    bool has;
    size_t ui = userinfo(auth, n, &has);
    const char *colon = memchr(auth, ':', ui);
    size_t own_user = colon ? (size_t)(colon - auth) : ui;
    size_t cap = len + 3 * ((user ? strlen(user) : 0) + (password ? strlen(password) : 0)) +
                 (query ? strlen(query) : 0) + 8;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t k = (size_t)(auth - url);
    memcpy(out, url, k);
    if (user) {
        k += ome_percent_encode(user, strlen(user), "-._~", out + k, cap - k);
    } else {
        memcpy(out + k, auth, own_user);
        k += own_user;
    }
    if (password || colon) {
        out[k++] = ':';
        if (password) {
            k += ome_percent_encode(password, strlen(password), "-._~", out + k, cap - k);
        } else {
            memcpy(out + k, colon + 1, ui - own_user - 1);
            k += ui - own_user - 1;
        }
    }
    if (user || password || has)
        out[k++] = '@';
    const char *host = has ? auth + ui + 1 : auth;
    size_t rest = len - (size_t)(host - url), frag = strcspn(host, "#");
    memcpy(out + k, host, frag);
    k += frag;
    if (query && *query)
        k += (size_t)snprintf(out + k, cap - k, "%c%s", memchr(host, '?', frag) ? '&' : '?', query);
    memcpy(out + k, host + frag, rest - frag + 1);
    return out;
}

char *ome_url_identity(const char *url)
{
    size_t len = strlen(url) + 40;
    char *out = malloc(len);
    if (!out)
        return NULL;
    ome_url_redact(url, out, len);
    if (strcmp(out, url) != 0) { /* something was hidden: tell such URLs apart by a hash */
        uint64_t h = 1469598103934665603ull; /* FNV-1a */
        for (const unsigned char *p = (const unsigned char *)url; *p; p++)
            h = (h ^ *p) * 1099511628211ull;
        size_t n = strlen(out);
        snprintf(out + n, len - n, "#%016llx", (unsigned long long)h);
    }
    return out;
}
