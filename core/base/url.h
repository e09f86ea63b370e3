/* url: URLs and keys made safe to send and to show: percent-encoding, and a form of a URL fit for
 * messages and logs (no credentials, no query). */
#ifndef OME_URL_H
#define OME_URL_H

#include <stdbool.h>
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
/* Overwrites in place what is secret in the len bytes at url, each byte with '*', its length
 * kept: the password of user:password@ (after "://", or from the start without a scheme, as a
 * proxy may be written) and everything after a '?'. Returns whether anything was overwritten. */
bool ome_url_blank_secrets(char *url, size_t len);
/* Whether url (with or without a scheme) names a user before its host (user@, user:pw@);
 * *password says whether a password too. */
bool ome_url_has_user(const char *url, bool *password);
/* url with user and password (percent-encoded; NULL: the url's own) before its host, and query
 * added (after an '&' when url has a query already): a new string, NULL when out of memory. The
 * url may lack a scheme (user@host:port, a proxy). */
char *ome_url_add_credentials(const char *url, const char *user, const char *password,
                              const char *query);

#endif
