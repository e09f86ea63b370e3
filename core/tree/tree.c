/* tree: the files each image yields in the mount. */
#include "tree/tree.h"

#include "base/key.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds a file, or leaves it out (freeing vt) when the folder already has one of that name:
 * every name in a folder is unique (duplicate label names, two fields of one path, a field
 * named like another's label file). */
int ome_tree_add_file(ome_tree *t, const char *name, ome_vtiff *vt, ome_err *err)
{
    if (ome_tree_find(t, name)) {
        OME_LOGW("%s: a second file of this name (from %s) left out", name,
                 ome_vtiff_where(vt));
        ome_vtiff_free(vt);
        return OME_OK;
    }
    ome_tree_file *f = realloc(t->files, (size_t)(t->nfiles + 1) * sizeof *f);
    if (!f)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    t->files = f;
    f[t->nfiles].name = strdup(name);
    f[t->nfiles].vt = vt;
    ome_vtiff_unload(vt); /* its layout is made again when the file is opened */
    if (!f[t->nfiles].name)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    t->nfiles++;
    return OME_OK;
}

int ome_tree_add_image(ome_tree *t, const ome_image *img, ome_err *err)
{
    char name[OME_NAME_MAX + 1], stem[OME_NAME_MAX + 1];
    ome_vtiff *vt;
    int rc = ome_vtiff_make_ome(img, &vt, err);
    if (rc)
        return rc;
    /* room for the longest ending: ".ome.tif", or "_L<k>.tif" for the last level */
    int ending = snprintf(NULL, 0, "_L%d.tif", img->nlevels > 0 ? img->nlevels - 1 : 0);
    ome_name_fit(stem, sizeof stem, img->name, OME_NAME_MAX - (size_t)(ending > 8 ? ending : 8));
    snprintf(name, sizeof name, "%s.ome.tif", stem);
    if ((rc = ome_tree_add_file(t, name, vt, err)))
        return rc;
    for (int k = 0; k < img->nlevels; k++) {
        ome_err why = {0};
        if (ome_vtiff_make_imagej(img, k, &vt, &why) != OME_OK) {
            OME_LOGI("%s", why.msg);
            continue;
        }
        snprintf(name, sizeof name, "%s_L%d.tif", stem, k);
        if ((rc = ome_tree_add_file(t, name, vt, err)))
            return rc;
    }
    ome_err why = {0};
    if (ome_vtiff_make_preview(img, &vt, &why) != OME_OK) {
        OME_LOGI("%s", why.msg);
        return OME_OK;
    }
    ome_name_fit(stem, sizeof stem, img->name, OME_NAME_MAX - strlen(".preview.png"));
    snprintf(name, sizeof name, "%s.preview.png", stem);
    return ome_tree_add_file(t, name, vt, err);
}

const ome_tree_file *ome_tree_find(const ome_tree *t, const char *name)
{
    for (int i = 0; i < t->nfiles; i++)
        if (strcmp(t->files[i].name, name) == 0)
            return &t->files[i];
    return NULL;
}

int ome_tree_take(ome_tree *dst, ome_tree *src, ome_err *err)
{
    if (src->nfiles == 0)
        return OME_OK;
    ome_tree_file *f = realloc(dst->files, (size_t)(dst->nfiles + src->nfiles) * sizeof *f);
    if (!f)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    dst->files = f;
    for (int i = 0; i < src->nfiles; i++) {
        if (ome_tree_find(dst, src->files[i].name)) { /* names stay unique */
            OME_LOGW("%s: a second file of this name (from %s) left out", src->files[i].name,
                     ome_vtiff_where(src->files[i].vt));
            free(src->files[i].name);
            ome_vtiff_free(src->files[i].vt);
            continue;
        }
        f[dst->nfiles++] = src->files[i];
    }
    free(src->files);
    src->files = NULL;
    src->nfiles = 0;
    return OME_OK;
}

void ome_tree_free(ome_tree *t)
{
    for (int i = 0; i < t->nfiles; i++) {
        free(t->files[i].name);
        ome_vtiff_free(t->files[i].vt);
    }
    free(t->files);
    t->files = NULL;
    t->nfiles = 0;
}
