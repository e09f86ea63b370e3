/* omero_tree: OMERO listings turned into folder trees. */
#include "tree/omero_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An image's name without the ending of the file it was imported from ("pyramid.tif" →
 * "pyramid"): its folder then does not look like a file in a program's Open dialog. */
static void strip_file_ending(const char *name, char *out, size_t outlen)
{
    static const char *const endings[] = {
        ".ome.tiff", ".ome.tif", ".ome.btf", ".ome.zarr", ".tiff", ".tif", ".btf", ".zarr",
        ".czi", ".nd2", ".lif", ".lsm", ".svs", ".ndpi", ".vsi", ".ims", ".oib", ".oif",
        ".scn", ".mrxs", ".dv", ".png", ".jpg", ".jpeg", NULL};
    snprintf(out, outlen, "%s", name);
    size_t n = strlen(out);
    for (const char *const *e = endings; *e; e++) {
        size_t k = strlen(*e);
        if (n > k && strcasecmp(out + n - k, *e) == 0) {
            out[n - k] = '\0';
            return;
        }
    }
}

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
    int filled = 0;
    if (n == 0)
        rc = ome_err_set(err, OME_EINVAL, "%s%s%s: no %s there that this user can see",
                         store->root, path[0] ? "/" : "", path,
                         kind == OME_OMERO_PROJECT  ? "dataset"
                         : kind == OME_OMERO_SCREEN ? "plate"
                                                    : "image");
    else if (!entries)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int field = 0, group = 0; rc == OME_OK && filled < n; filled++) {
        const ome_omero_listing *e = &list[filled];
        char folder[160], where[64], image[160];
        if (e->group[0]) { /* a plate's well */
            bool same = filled > 0 && strcmp(e->group, list[filled - 1].group) == 0;
            field = same ? field + 1 : 0;
            group += !same && filled > 0;
            snprintf(folder, sizeof folder, "%s", e->group);
            snprintf(image, sizeof image, "%s_%d", e->group, field);
        } else { /* an image, or a project's dataset, a screen's plate */
            char prefix[32], name[sizeof e->name];
            snprintf(prefix, sizeof prefix, "%lld_", e->id);
            if (containers)
                snprintf(name, sizeof name, "%s", e->name);
            else
                strip_file_ending(e->name, name, sizeof name);
            ome_folder_name(folder, sizeof folder, prefix, name);
            group = filled;
            snprintf(image, sizeof image, "image-%lld", e->id);
        }
        if (containers)
            snprintf(where, sizeof where, "%s/%lld",
                     kind == OME_OMERO_PROJECT ? "datasets" : "plates", e->id);
        else
            snprintf(where, sizeof where, "%lld", e->id);
        if (ome_folder_entry_copy(&entries[filled], folder, where, image, group))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if (rc == OME_OK)
        rc = ome_folder_tree_open_list(store, entries, n, out, err);
    if (rc == OME_OK && containers)
        (*out)->load_sub = load_child;
    ome_folder_entries_free(entries, filled);
    free(list);
    return rc;
}
