/* mount_root: the omefs mount a path is in, for the status and prefetch commands: the nearest
 * folder at or above it that holds .omefs/stats, and is an omefs mount in the kernel's mount
 * table (a folder anyone can make with such a file is not). */
#include "commands.h"

#include "base/text_escape.h"
#include "platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool omefs_mount_root(const char *path, char *root, size_t n)
{
    char dir[4096];
    if (n == 0)
        return false;
    root[0] = '\0';
    if (!realpath(path, dir))
        return false;
    for (;;) {
        char stats[4200];
        snprintf(stats, sizeof stats, "%s/.omefs/stats", dir);
        if (access(stats, R_OK) == 0)
            return snprintf(root, n, "%s", dir) < (int)n && omefs_mount_table_has(dir);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return false;
        *slash = '\0';
    }
}

void omefs_not_in_mount(const char *command, const char *path, const char *root)
{
    char shown[4096 * 4], shown_root[4096 * 4];
    ome_text_shown(path, shown, sizeof shown);
    if (root[0])
        fprintf(stderr, "%s: %s is not in an omefs mount: %s holds .omefs/stats, but the "
                        "system's mount table shows no omefs mount there; give a mount point "
                        "of omefs, or a folder or file in one\n",
                command, shown, ome_text_shown(root, shown_root, sizeof shown_root));
    else
        fprintf(stderr, "%s: %s is not in an omefs mount (no .omefs/stats there or above): "
                        "give a mount point of omefs, or a folder or file in one\n",
                command, shown);
}
