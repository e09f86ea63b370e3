/* url: URLs and keys made safe to send and to show: percent-encoding, and a form of a URL fit for
 * messages and logs (no credentials, no query). */
#ifndef OME_URL_H
#define OME_URL_H

#include <stddef.h>

/* Percent-encodes [s, s+len): letters, digits and the characters of `keep` as they are, every
 * other byte as %XX; returns the length written (out always terminated). */
size_t ome_percent_encode(const char *s, size_t len, const char *keep, char *out,
                          size_t outlen);
/* A URL fit for messages and logs: user:password@ and the query (tokens, signatures) are
 * replaced by "***". Paths and plain keys pass unchanged. */
void ome_url_redact(const char *url, char *out, size_t outlen);
/* What names the objects under a URL, for caches: the redacted URL and, when the URL carries
 * credentials or a query, a hash of the whole URL ("https://h/a.zarr?***#1f…"), so sources that
 * differ only there stay apart while no secret is kept in clear. A new string (NULL: no memory). */
char *ome_url_identity(const char *url);

#endif
