/* mount_table: whether a folder is a mount of omefs, as the kernel's mount table says. The one
 * place that reads it (Linux: /proc/self/mountinfo). */
#ifndef OMEFS_MOUNT_TABLE_H
#define OMEFS_MOUNT_TABLE_H

#include <stdbool.h>

/* The type an omefs mount has in the mount table (fsname and subtype omefs, main.c). */
#define OMEFS_MOUNT_TYPE "fuse.omefs"

/* Whether path (any spelling: it is resolved) is the mount point of the topmost mount there, that
 * mount is of type OMEFS_MOUNT_TYPE, and its device is the one stat(path) gives. */
bool omefs_mount_table_has(const char *path);

#endif
