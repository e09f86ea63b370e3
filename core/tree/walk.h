/* walk: what a path of the mount names in a source's content — the root, a folder (of a plate,
 * a list, a collection or a folder of images, at any depth), the root image's labels folder, or
 * a file — reading the folders on the way on first use; and what a folder holds. */
#ifndef OME_WALK_H
#define OME_WALK_H

#include "tree/content.h"

typedef struct ome_place {
    bool root;                /* "/" */
    ome_folder *folder;       /* a folder, and */
    ome_folder_tree *parent;  /* the tree it belongs to */
    bool labels_dir;          /* the root image's labels folder */
    const ome_tree_file *file;
} ome_place;

/* Walks `path` ("/" or "/a/b") from the root, loading the folders on the way (not the last one:
 * looking at a folder costs nothing). OME_OK, OME_ABSENT for no such path, OME_EIO when a folder
 * on the way cannot be read (err says which; the log says why), OME_EINTR when the calling
 * thread's request was given up while a folder loaded (base/cancel.h). */
int ome_walk(ome_content *c, const char *path, ome_place *out, ome_err *err);
/* Calls fn with the name of every entry of the folder at `at` (loading it on first use): files
 * first, then folders. OME_EINVAL when `at` is a file, OME_EIO when the folder cannot be read,
 * OME_EINTR when the request was given up. */
int ome_walk_list(ome_content *c, const ome_place *at, void (*fn)(void *ud, const char *name),
                  void *ud, ome_err *err);

#endif
