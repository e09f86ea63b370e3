/* secrets: passwords and queries taken out of argv and the environment once read. */
#include "secrets.h"

#include "base/mem_find.h"
#include "base/url.h"
#include "platform.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The options of an -o list: each value holding "://", and proxy='s in any form. Commas end an
 * option unless escaped (fuse_opt's "\,"). */
static void hide_in_options(char *list)
{
    for (char *opt = list; *opt;) {
        size_t n = 0;
        while (opt[n] && opt[n] != ',')
            n += opt[n] == '\\' && opt[n + 1] ? 2 : 1;
        char *eq = memchr(opt, '=', n);
        if (eq) {
            char *value = eq + 1;
            size_t vn = n - (size_t)(value - opt);
            bool proxy = (size_t)(eq - opt) == 5 && strncmp(opt, "proxy", 5) == 0;
            if (proxy || ome_mem_find(value, vn, "://", 3))
                ome_url_blank_secrets(value, vn);
        }
        opt += n + (opt[n] == ',');
    }
}

void omefs_secrets_hide_argv(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "-o") == 0 && i + 1 < argc)
            hide_in_options(argv[++i]);
        else if (strncmp(a, "-o", 2) == 0)
            hide_in_options(a + 2);
        else if (strstr(a, "://"))
            ome_url_blank_secrets(a, strlen(a));
    }
}

char *omefs_secrets_take_env(const char *name)
{
    char *value = getenv(name);
    if (!value)
        return NULL;
    char *copy = strdup(value);
    memset(value, '*', strlen(value)); /* the environment's own bytes (/proc/PID/environ) */
    unsetenv(name);
    return copy;
}

void omefs_secrets_free(char *secret)
{
    if (secret) {
        omefs_wipe(secret, strlen(secret));
        free(secret);
    }
}
