/* mount_root: the omefs mount a path is in, for the status and prefetch commands: the nearest
 * folder at or above it that holds .omefs/stats. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool omefs_mount_root(const char *path, char *root, size_t n)
{
    char dir[4096];
    if (n == 0 || !realpath(path, dir))
        return false;
    for (;;) {
        char stats[4200];
        snprintf(stats, sizeof stats, "%s/.omefs/stats", dir);
        if (access(stats, R_OK) == 0)
            return snprintf(root, n, "%s", dir) < (int)n;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return false;
        *slash = '\0';
    }
}
