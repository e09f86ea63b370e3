/* label_tree: the label images of an image, opened at mount, as a folder's files. */
#include "tree/label_tree.h"

#include "base/log.h"
#include "image/ngff.h"
#include "base/key.h"
#include "image/group.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 1000

static bool valid_name(const char *name)
{
    return name && name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
           strlen(name) < 200;
}

void ome_label_tree_open(ome_store *store, const char *path, const char *prefix,
                         ome_label_tree *out)
{
    memset(out, 0, sizeof *out);
    char dir[2048], where[4096];
    json_t *attrs = NULL;
    ome_err err = {0};
    int rc = ome_key_join(dir, sizeof dir, path, OME_LABELS_DIR, &err);
    if (rc == OME_OK)
        rc = ome_group_attrs_load(store, dir, &attrs, where, sizeof where, &err);
    if (rc != OME_OK) {
        if (rc != OME_ABSENT)
            OME_LOGW("labels left out: %s", err.msg);
        return;
    }
    json_t *names = json_object_get(ome_ngff_attrs(attrs), "labels");
    size_t n = json_array_size(names);
    if (!json_is_array(names) || n > MAX_LABELS) {
        OME_LOGW("%s: \"labels\" is not a list of at most %d names; labels left out", where,
                 MAX_LABELS);
        n = 0;
    }
    if (n && !(out->images = calloc(n, sizeof *out->images)))
        n = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(names, i));
        if (!valid_name(name)) {
            OME_LOGW("%s: labels[%zu] is not a valid name; left out", where, i);
            continue;
        }
        char lpath[2300];
        ome_image *img;
        ome_err why = {0};
        if (ome_key_join(lpath, sizeof lpath, dir, name, &why)) {
            OME_LOGW("label %s left out: %s", name, why.msg);
            continue;
        }
        char fname[512];
        snprintf(fname, sizeof fname, "%s%s", prefix, name);
        if (ome_image_open(store, lpath, fname, &img, &why) != OME_OK) {
            OME_LOGW("label %s left out: %s", name, why.msg);
            continue;
        }
        out->images[out->nimages++] = img;
        if (ome_tree_add_image(&out->tree, img, &why) != OME_OK)
            OME_LOGW("label %s left out: %s", name, why.msg);
    }
    json_decref(attrs);
}

void ome_label_tree_free(ome_label_tree *lt)
{
    ome_tree_free(&lt->tree);
    for (int i = 0; i < lt->nimages; i++)
        ome_image_free(lt->images[i]);
    free(lt->images);
    memset(lt, 0, sizeof *lt);
}
