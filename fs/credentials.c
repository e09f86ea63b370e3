/* credentials: the private file of -o credentials=FILE read, checked and applied. */
#include "credentials.h"

#include "base/url.h"
#include "platform.h"
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the open file is one only its user can read, and that user is us; else says why. */
static bool private_file(int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "omefs: credentials=%s is not a file: give a file of NAME=VALUE lines\n",
                path);
        return false;
    }
    if (st.st_uid != geteuid()) {
        fprintf(stderr, "omefs: credentials=%s belongs to user %u, not to you (%u): use a file "
                        "of your own (copy it, then chmod 600)\n",
                path, (unsigned)st.st_uid, (unsigned)geteuid());
        return false;
    }
    if (st.st_mode & 077) {
        fprintf(stderr, "omefs: credentials=%s can be read by others (mode %04o): make it "
                        "private first: chmod 600 %s\n",
                path, (unsigned)(st.st_mode & 07777), path);
        return false;
    }
    return true;
}

/* The field of c that NAME (n bytes) names, or NULL. */
static char **field(omefs_credentials *c, const char *name, size_t n)
{
    static const char *const names[] = {"user", "password", "query", "omero_password",
                                        "proxy_password"};
    char **fields[] = {&c->user, &c->password, &c->query, &c->omero_password,
                       &c->proxy_password};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
            return fields[i];
    return NULL;
}

/* One line (its end of line removed): false, having said why, when it is not NAME=VALUE with a
 * known NAME. */
static bool take_line(omefs_credentials *c, char *line, const char *path, int no)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *name = line + strspn(line, " \t");
    if (!*name || *name == '#')
        return true;
    char *eq = strchr(name, '=');
    size_t n = eq ? strcspn(name, " \t=") : 0;
    char **slot = eq ? field(c, name, n) : NULL;
    if (!slot) {
        fprintf(stderr, "omefs: credentials=%s, line %d: not NAME=VALUE with NAME user, "
                        "password, query, omero_password or proxy_password\n",
                path, no);
        return false;
    }
    omefs_secrets_free(*slot); /* the last of a name counts */
    if (!(*slot = strdup(eq + 1))) {
        fprintf(stderr, "omefs: out of memory\n");
        return false;
    }
    return true;
}

bool omefs_credentials_read(const char *path, omefs_credentials *c)
{
    memset(c, 0, sizeof *c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "omefs: credentials=%s: %s (give a file of NAME=VALUE lines, mode "
                        "0600)\n", path, strerror(errno));
        return false;
    }
    FILE *f = private_file(fd, path) ? fdopen(fd, "r") : NULL;
    if (!f) {
        close(fd);
        return false;
    }
    char line[4096];
    bool ok = true;
    for (int no = 1; ok && fgets(line, sizeof line, f); no++)
        ok = take_line(c, line, path, no);
    omefs_wipe(line, sizeof line);
    fclose(f);
    if (!ok)
        omefs_credentials_free(c);
    return ok;
}

/* Replaces *url by ome_url_add_credentials's result; false when out of memory. */
static bool put_in(char **url, const char *user, const char *password, const char *query)
{
    char *with = ome_url_add_credentials(*url, user, password, query);
    if (!with) {
        fprintf(stderr, "omefs: out of memory\n");
        return false;
    }
    omefs_secrets_free(*url);
    *url = with;
    return true;
}

bool omefs_credentials_apply(const omefs_credentials *c, const char *path, char **source,
                             char **proxy)
{
    bool has_pw;
    if (c->user || c->password || c->query) {
        bool http = strncasecmp(*source, "http://", 7) == 0 ||
                    strncasecmp(*source, "https://", 8) == 0;
        if (!http) {
            fprintf(stderr, "omefs: credentials=%s: user=, password= and query= are for "
                            "http(s):// sources\n", path);
            return false;
        }
        bool user = ome_url_has_user(*source, &has_pw) || c->user;
        if (c->password && (!user || has_pw)) {
            fprintf(stderr, "omefs: credentials=%s: %s\n", path,
                    has_pw ? "the address holds a password already: give it in one place "
                             "(the file)"
                           : "password= needs a user: add user=NAME to the file, or name the "
                             "user in the address (https://NAME@host/…)");
            return false;
        }
        if (!put_in(source, c->user, c->password, c->query))
            return false;
    }
    if (c->proxy_password) {
        if (!*proxy || !ome_url_has_user(*proxy, &has_pw) || has_pw) {
            fprintf(stderr, "omefs: credentials=%s: proxy_password= needs the proxy's user, "
                            "and no password, in -o proxy= (-o proxy=http://NAME@host:port)\n",
                    path);
            return false;
        }
        if (!put_in(proxy, NULL, c->proxy_password, NULL))
            return false;
    }
    return true;
}

void omefs_credentials_free(omefs_credentials *c)
{
    omefs_secrets_free(c->user);
    omefs_secrets_free(c->password);
    omefs_secrets_free(c->query);
    omefs_secrets_free(c->omero_password);
    omefs_secrets_free(c->proxy_password);
    memset(c, 0, sizeof *c);
}
