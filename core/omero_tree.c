/* omero_tree: OMERO listings turned into folder trees. */
#include "omero_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A project's dataset or a screen's plate, loaded when first looked into. */
static int load_child(ome_folder_tree *ft, ome_folder *f, ome_err *err)
{
    bool plate = strncmp(f->paths[0], "plates/", 7) == 0;
    return ome_omero_tree_open(ft->store, plate ? OME_OMERO_PLATE : OME_OMERO_DATASET,
                               f->paths[0], &f->sub, err);
}

int ome_omero_tree_open(ome_store *store, ome_omero_kind kind, const char *path,
                        ome_folder_tree **out, ome_err *err)
{
    ome_omero_listing *list;
    int n, rc = ome_store_omero_list(store, path, &list, &n, err);
    if (rc)
        return rc;
    bool containers = kind == OME_OMERO_PROJECT || kind == OME_OMERO_SCREEN;
    ome_folder_entry *entries = calloc(n > 0 ? (size_t)n : 1, sizeof *entries);
    char(*text)[3][160] = calloc(n > 0 ? (size_t)n : 1, sizeof *text);
    if (n == 0)
        rc = ome_err_set(err, OME_EINVAL, "%s%s%s: no %s there that this user can see",
                         store->root, path[0] ? "/" : "", path,
                         kind == OME_OMERO_PROJECT  ? "dataset"
                         : kind == OME_OMERO_SCREEN ? "plate"
                                                    : "image");
    else if (!entries || !text)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int i = 0, field = 0, group = 0; rc == OME_OK && i < n; i++) {
        char *folder = text[i][0];
        const char *well = list[i].group;
        if (well[0]) { /* a plate's well */
            bool same = i > 0 && strcmp(well, list[i - 1].group) == 0;
            field = same ? field + 1 : 0;
            group += !same && i > 0;
            snprintf(folder, sizeof text[i][0], "%s", well);
            snprintf(text[i][2], sizeof text[i][2], "%s_%d", well, field);
        } else { /* an image, or a project's dataset, a screen's plate */
            char prefix[32];
            snprintf(prefix, sizeof prefix, "%lld_", list[i].id);
            ome_folder_name(folder, sizeof text[i][0], prefix, list[i].name);
            group = i;
            snprintf(text[i][2], sizeof text[i][2], "image-%lld", list[i].id);
        }
        if (containers)
            snprintf(text[i][1], sizeof text[i][1], "%s/%lld",
                     kind == OME_OMERO_PROJECT ? "datasets" : "plates", list[i].id);
        else
            snprintf(text[i][1], sizeof text[i][1], "%lld", list[i].id);
        entries[i] = (ome_folder_entry){text[i][0], text[i][1], text[i][2], group};
    }
    if (rc == OME_OK)
        rc = ome_folder_tree_open_list(store, entries, n, out, err);
    if (rc == OME_OK && containers)
        (*out)->load_sub = load_child;
    free(entries);
    free(text);
    free(list);
    return rc;
}
