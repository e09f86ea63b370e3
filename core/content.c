/* content: opening what a source shows. */
#include "content.h"

#include "log.h"
#include "ngff.h"
#include "omero_session.h"
#include "omero_tree.h"
#include "series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A bioformats2raw collection: one image shows as an image source does; several as a folder each
 * (folder_tree). */
static int open_series(ome_store *store, ome_content *c, const char *name, ome_err *err)
{
    ome_series *series;
    int n, rc = ome_series_list(store, "", &series, &n, err);
    if (rc)
        return rc;
    if (n == 1) {
        rc = ome_image_open(store, series[0].path, name, &c->image, err);
        if (rc == OME_OK && series[0].name && !c->image->title)
            c->image->title = strdup(series[0].name); /* a name to show, nothing more */
        if (rc == OME_OK)
            rc = ome_tree_add_image(&c->tree, c->image, err);
        if (rc == OME_OK)
            ome_label_tree_open(store, series[0].path, "", &c->labels);
    } else {
        rc = ome_folder_tree_open_series(store, "", name, series, n, &c->folders, err);
    }
    ome_series_free(series, n);
    return rc;
}

/* Whether a folder's name is that of an OME-Zarr image ("NAME.zarr", "NAME.ome.zarr"); its
 * length without the suffix in *stem. */
static bool is_zarr_name(const char *name, size_t *stem)
{
    size_t n = strlen(name);
    for (const char *suffix = ".ome.zarr";; suffix = ".zarr") {
        size_t k = strlen(suffix);
        if (n > k && strcasecmp(name + n - k, suffix) == 0) {
            *stem = n - k;
            return true;
        }
        if (strcmp(suffix, ".zarr") == 0)
            return false;
    }
}

/* A folder of OME-Zarr images (a local directory or an S3 prefix holding NAME.zarr folders):
 * a folder NAME each, opened on first use, holding NAME.ome.tif, NAME_L<k>.tif and the image's
 * labels, or, for a plate or a collection, its folders. OME_ABSENT when the store cannot list
 * (*listed false) or holds no such folder. */
static int open_image_folder(ome_store *store, ome_content *c, bool *listed, ome_err *err)
{
    char **names;
    int n;
    ome_err why = {0};
    if (ome_store_list_dirs(store, &names, &n, &why) != OME_OK) {
        if (why.code != OME_EUNSUPPORTED)
            OME_LOGW("%s", why.msg);
        return OME_ABSENT;
    }
    *listed = true;
    ome_folder_entry *entries = calloc(n > 0 ? (size_t)n : 1, sizeof *entries);
    int rc = entries ? OME_OK : ome_err_set(err, OME_ENOMEM, "out of memory"), k = 0;
    for (int i = 0; rc == OME_OK && i < n; i++) {
        size_t stem;
        char name[256];
        if (!is_zarr_name(names[i], &stem) || stem >= sizeof name)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)stem, names[i]);
        if (ome_folder_entry_copy(&entries[k], name, names[i], name, k))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        else
            k++;
    }
    if (rc == OME_OK && k == 0)
        rc = OME_ABSENT;
    if (rc == OME_OK)
        rc = ome_folder_tree_open_list(store, entries, k, &c->folders, err);
    if (rc == OME_OK)
        c->folders->with_labels = c->folders->any_kind = true;
    ome_folder_entries_free(entries, k);
    ome_store_names_free(names, n);
    return rc;
}

int ome_content_open(ome_store *store, const char *source, const char *name, ome_content *c,
                     ome_err *err)
{
    memset(c, 0, sizeof *c);
    char root[2048];
    long long id;
    ome_omero_kind kind;
    if (ome_omero_parse_address(source, root, sizeof root, &kind, &id) &&
        kind != OME_OMERO_IMAGE)
        return ome_omero_tree_open(store, kind, "", &c->folders, err);
    json_t *attrs = NULL;
    char where[4096];
    int rc = ome_group_attrs_load(store, "", &attrs, where, sizeof where, err);
    if (rc == OME_ABSENT) { /* not a group: perhaps a folder of images */
        ome_err none = *err;
        bool listed = false;
        rc = open_image_folder(store, c, &listed, err);
        if (rc == OME_ABSENT && listed)
            ome_err_set(err, OME_EINVAL, "%s, and no NAME.zarr folder in it", none.msg);
        else if (rc == OME_ABSENT)
            *err = none;
    }
    if (rc || c->folders)
        return rc == OME_ABSENT ? OME_EINVAL : rc; /* the message says what is missing */
    if (json_object_get(ome_ngff_attrs(attrs), "plate") &&
        !json_object_get(ome_ngff_attrs(attrs), "multiscales")) {
        rc = ome_folder_tree_open_plate(store, "", attrs, where, &c->folders, err);
    } else if (ome_series_is_collection(attrs)) {
        rc = open_series(store, c, name, err);
    } else {
        rc = ome_image_open_attrs(store, "", name, attrs, where, &c->image, err);
        if (rc == OME_OK)
            rc = ome_tree_add_image(&c->tree, c->image, err);
        if (rc == OME_OK)
            ome_label_tree_open(store, "", "", &c->labels);
    }
    json_decref(attrs);
    return rc;
}

void ome_content_set_cache(ome_content *c, ome_chunk_cache *cache)
{
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
        total += c->tree.files[i].vt->size;
    for (int i = 0; i < c->labels.tree.nfiles; i++)
        total += c->labels.tree.files[i].vt->size;
    if (c->folders)
        total += ome_folder_tree_loaded_bytes(c->folders);
    return total;
}

void ome_content_free(ome_content *c)
{
    ome_tree_free(&c->tree);
    ome_folder_tree_free(c->folders);
    ome_label_tree_free(&c->labels);
    ome_image_free(c->image);
    memset(c, 0, sizeof *c);
}
