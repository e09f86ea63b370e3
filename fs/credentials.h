/* credentials: -o credentials=FILE, passwords and tokens kept off the command line. FILE is the
 * user's own and private (mode 0600 or stricter), of lines NAME=VALUE (blank lines and lines
 * starting with '#' skipped):
 *   user=NAME             the source's user (http(s) basic authentication)
 *   password=SECRET       the source's password, for the user named by user= or in the address
 *   query=TEXT            a query added to the source's address (a token: query=token=…)
 *   omero_password=SECRET the password of -o omero_user=
 *   proxy_password=SECRET the password of the proxy's user (-o proxy=http://NAME@host:port) */
#ifndef OMEFS_CREDENTIALS_H
#define OMEFS_CREDENTIALS_H

#include <stdbool.h>

typedef struct omefs_credentials {
    char *user, *password, *query, *omero_password, *proxy_password; /* NULL: not given */
} omefs_credentials;

/* Reads FILE into c; false, having printed what is wrong and what to do (a file others can
 * read, or not the user's, is refused), when it cannot be used. */
bool omefs_credentials_read(const char *path, omefs_credentials *c);
/* Puts user, password and query into the source's address (*source, replaced) and the proxy's
 * password into *proxy (replaced); false, having printed why, when they do not fit there. */
bool omefs_credentials_apply(const omefs_credentials *c, const char *path, char **source,
                             char **proxy);
/* Frees what c holds, overwriting the secrets first. */
void omefs_credentials_free(omefs_credentials *c);

#endif
