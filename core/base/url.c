/* url: percent-encoding and redaction of URLs for messages. */
#include "base/url.h"

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
