/* walk: paths of the mount to places in a source's content. */
#include "tree/walk.h"

#include "base/key.h"

#include <string.h>

int ome_walk(ome_content *c, const char *path, ome_place *out, ome_err *err)
{
    memset(out, 0, sizeof *out);
    if (path[0] != '/')
        return ome_err_set(err, OME_ABSENT, "%s: not an absolute path", path);
    if (path[1] == '\0') {
        out->root = true;
        return OME_OK;
    }
    ome_folder_tree *folders = c->folders; /* what the current folder holds */
    const ome_tree *files = ome_content_root_files(c);
    bool at_root = true;
    for (const char *p = path + 1;;) {
        size_t len = strcspn(p, "/");
        if (len == 0 || len > OME_NAME_MAX)
            return OME_ABSENT;
        char name[OME_NAME_MAX + 1];
        memcpy(name, p, len);
        name[len] = '\0';
        bool last = p[len] == '\0';
        p += len + !last;
        ome_folder *f = folders ? ome_folder_tree_find(folders, name) : NULL;
        if (at_root && c->labels.tree.nfiles > 0 && strcmp(name, OME_LABELS_DIR) == 0) {
            out->labels_dir = last;
            folders = NULL;
            files = &c->labels.tree;
        } else if (f && last) {
            out->folder = f;
            out->parent = folders;
        } else if (f) { /* a folder on the way: what it holds is known once it is read */
            int rc = ome_folder_tree_load(folders, f, err);
            if (rc != OME_OK)
                return rc == OME_EINTR ? OME_EINTR : OME_EIO;
            folders = f->sub;
            files = &f->tree;
        } else {
            out->file = last ? ome_tree_find(files, name) : NULL;
            return out->file ? OME_OK : OME_ABSENT;
        }
        if (last)
            return OME_OK;
        at_root = false;
    }
}

int ome_walk_list(ome_content *c, const ome_place *at, void (*fn)(void *ud, const char *name),
                  void *ud, ome_err *err)
{
    const ome_tree *files;
    const ome_folder_tree *folders = NULL;
    if (at->root) {
        files = ome_content_root_files(c);
        folders = c->folders;
        if (c->labels.tree.nfiles > 0)
            fn(ud, OME_LABELS_DIR);
    } else if (at->labels_dir) {
        files = &c->labels.tree;
    } else if (at->folder) {
        int rc = ome_folder_tree_load(at->parent, at->folder, err);
        if (rc != OME_OK)
            return rc == OME_EINTR ? OME_EINTR : OME_EIO;
        files = &at->folder->tree;
        folders = at->folder->sub;
    } else {
        return ome_err_set(err, OME_EINVAL, "not a folder");
    }
    /* a name is listed once: a folder shadows a file of its name (as ome_walk finds it), the
     * root's labels folder shadows both */
    ome_folder_tree *fs = (ome_folder_tree *)folders;
    bool labels = at->root && c->labels.tree.nfiles > 0;
    for (int i = 0; i < files->nfiles; i++) {
        const char *name = files->files[i].name;
        if (!(fs && ome_folder_tree_find(fs, name)) && !(labels && !strcmp(name, OME_LABELS_DIR)))
            fn(ud, name);
    }
    for (int i = 0; folders && i < folders->nfolders; i++)
        if (!(labels && !strcmp(folders->folders[i].name, OME_LABELS_DIR)))
            fn(ud, folders->folders[i].name);
    return OME_OK;
}
