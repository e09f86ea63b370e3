/* content: opening what a source shows. */
#include "tree/content.h"

#include "base/log.h"
#include "image/group.h"
#include "image/ngff.h"
#include "tree/omero_tree.h"
#include "tree/plate_preview.h"
#include "image/series.h"
#include "zarr/zarr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One image at the root: its files, and its label images in labels/. `attrs` are its group's
 * attributes when already loaded (from `where`), else NULL; `title` a name for it from
 * elsewhere (a collection's OME-XML), or NULL. */
static int open_image(ome_store *store, const char *path, const char *name, json_t *attrs,
                      const char *where, const char *title, ome_content *c, ome_err *err)
{
    int rc = attrs ? ome_image_open_attrs(store, path, name, attrs, where, &c->image, err)
                   : ome_image_open(store, path, name, &c->image, err);
    if (rc == OME_OK && title && !c->image->title)
        c->image->title = strdup(title); /* a name to show, nothing more */
    if (rc == OME_OK)
        rc = ome_tree_add_image(&c->tree, c->image, err);
    if (rc == OME_OK)
        ome_label_tree_open(store, path, "", &c->labels);
    return rc;
}

/* A bioformats2raw collection: one image shows as an image source does; several as a folder each
 * (folder_tree). */
static int open_series(ome_store *store, ome_content *c, const char *name, ome_err *err)
{
    ome_series *series;
    int n, rc = ome_series_list(store, "", &series, &n, err);
    if (rc)
        return rc;
    if (n == 1)
        rc = open_image(store, series[0].path, name, NULL, NULL, series[0].name, c, err);
    else
        rc = ome_folder_tree_open_series(store, "", name, series, n, &c->folders, err);
    ome_series_free(series, n);
    return rc;
}

/* A folder of images at the root, when the root is no group. `none` says why it is none; the
 * error stays that when the store cannot list. */
static int open_image_folder(ome_store *store, ome_content *c, const ome_err *none, ome_err *err)
{
    ome_err why = {0};
    int rc = ome_folder_tree_open_dir(store, "", &c->folders, &why);
    if (rc == OME_OK && c->folders->nfolders == 0)
        return ome_err_set(err, OME_EINVAL, "%s, and no folder in it", none->msg);
    if (rc == OME_ENOMEM)
        return ome_err_set(err, rc, "out of memory");
    if (rc && rc != OME_EUNSUPPORTED)
        OME_LOGW("%s", why.msg);
    if (rc)
        *err = *none;
    return rc ? OME_EINVAL : OME_OK;
}

/* Whether the root is a Zarr array (not a group). */
static bool is_array(ome_store *store)
{
    ome_zarr_array *a = NULL;
    ome_err why;
    bool yes = ome_zarr_array_open(store, "", &a, &why) == OME_OK;
    ome_zarr_array_free(a);
    return yes;
}

/* The error for an array at the root: most often a level of an image ("…/img.zarr/0"). */
static int explain_array(ome_store *store, ome_err *err)
{
    const char *root = store->root;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    size_t cut = n;
    while (cut > 0 && root[cut - 1] != '/')
        cut--;
    if (cut > 1 && cut < n)
        return ome_err_set(err, OME_EINVAL,
                           "%s is one Zarr array, not an image: if it is level %.*s of the image "
                           "at %.*s, mount that",
                           root, (int)(n - cut), root + cut, (int)(cut - 1), root);
    return ome_err_set(err, OME_EINVAL, "%s is one Zarr array, not an OME-Zarr image", root);
}

int ome_content_open(ome_store *store, const ome_source *src, ome_content *c, ome_err *err)
{
    memset(c, 0, sizeof *c);
    if (src->scheme == OME_SOURCE_OMERO && src->omero_kind != OME_OMERO_IMAGE)
        return ome_omero_tree_open(store, src->omero_kind, "", &c->folders, err);
    json_t *attrs = NULL;
    char where[4096];
    int rc = ome_group_attrs_load(store, "", &attrs, where, sizeof where, err);
    if (rc == OME_ABSENT && is_array(store)) /* one level of a pyramid, mounted by mistake */
        return explain_array(store, err);
    if (rc == OME_ABSENT) { /* not a group: perhaps a folder of images */
        ome_err none = *err;
        return open_image_folder(store, c, &none, err);
    }
    if (rc)
        return rc;
    if (json_object_get(ome_ngff_attrs(attrs), "well") &&
        !json_object_get(ome_ngff_attrs(attrs), "multiscales")) {
        char name[256]; /* a well on its own: its fields' files at the root */
        ome_source_well_name(src, name, sizeof name);
        rc = ome_folder_tree_open_well(store, name, attrs, where, &c->well, err);
        json_decref(attrs);
        return rc;
    }
    switch (ome_group_kind_of(attrs)) {
    case OME_GROUP_PLATE:
        rc = ome_folder_tree_open_plate(store, "", attrs, where, &c->folders, err);
        if (rc == OME_OK) {
            ome_err why = {0};
            if (ome_plate_preview_add(&c->tree, c->folders, src->name, where, &why) != OME_OK)
                OME_LOGI("%s: no preview of the plate: %s", where, why.msg);
        }
        break;
    case OME_GROUP_COLLECTION:
        rc = open_series(store, c, src->name, err);
        break;
    case OME_GROUP_IMAGE:
        rc = open_image(store, "", src->name, attrs, where, NULL, c, err);
        break;
    }
    json_decref(attrs);
    return rc;
}

const ome_tree *ome_content_root_files(const ome_content *c)
{
    return c->well ? &c->well->folders[0].tree : &c->tree;
}

void ome_content_set_cache(ome_content *c, ome_chunk_cache *cache)
{
    if (c->well) {
        c->well->cache = cache;
        for (int i = 0; i < c->well->folders[0].nimages; i++)
            c->well->folders[0].images[i]->cache = cache;
    }
    if (c->image)
        c->image->cache = cache;
    if (c->folders)
        c->folders->cache = cache;
    for (int i = 0; i < c->labels.nimages; i++)
        c->labels.images[i]->cache = cache;
}

uint64_t ome_content_bytes(ome_content *c)
{
    uint64_t total = 0;
    for (int i = 0; i < c->tree.nfiles; i++)
        total += ome_vtiff_size(c->tree.files[i].vt);
    for (int i = 0; i < c->labels.tree.nfiles; i++)
        total += ome_vtiff_size(c->labels.tree.files[i].vt);
    if (c->folders)
        total += ome_folder_tree_loaded_bytes(c->folders);
    if (c->well)
        total += ome_folder_tree_loaded_bytes(c->well);
    return total;
}

void ome_content_free(ome_content *c)
{
    ome_tree_free(&c->tree);
    ome_folder_tree_free(c->folders);
    ome_folder_tree_free(c->well);
    ome_label_tree_free(&c->labels);
    ome_image_free(c->image);
    memset(c, 0, sizeof *c);
}
