/* plate_tree: an HCS plate as well folders whose images are opened on first use. */
#include "plate_tree.h"

#include "log.h"
#include "ngff.h"
#include "zarr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool name_taken(const ome_plate_tree *pt, int upto, const char *name)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, ".omefs") == 0)
        return true;
    for (int i = 0; i < upto; i++)
        if (strcmp(pt->wells[i].name, name) == 0)
            return true;
    return false;
}

int ome_plate_tree_open(ome_store *store, json_t *attrs, const char *where, ome_plate_tree **out,
                        ome_err *err)
{
    ome_plate_tree *pt = calloc(1, sizeof *pt);
    if (!pt)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    pt->store = store;
    int rc = ome_plate_parse(attrs, where, &pt->plate, err);
    if (rc == OME_OK && !(pt->wells = calloc((size_t)pt->plate.nwells, sizeof *pt->wells)))
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int i = 0; rc == OME_OK && i < pt->plate.nwells; i++) {
        const ome_well_ref *ref = &pt->plate.wells[i];
        ome_plate_well_dir *w = &pt->wells[i];
        char name[512];
        snprintf(name, sizeof name, "%s%s", pt->plate.rows[ref->row],
                 pt->plate.columns[ref->column]);
        if (name_taken(pt, i, name)) /* "A"+"11" and "A1"+"1", say */
            snprintf(name, sizeof name, "%s_%s", pt->plate.rows[ref->row],
                     pt->plate.columns[ref->column]);
        if (name_taken(pt, i, name))
            snprintf(name, sizeof name, "well%d", i);
        pthread_mutex_init(&w->lock, NULL);
        pt->nwells = i + 1;
        if (!(w->name = strdup(name)) || !(w->path = strdup(ref->path)))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if (rc) {
        ome_plate_tree_free(pt);
        return rc;
    }
    *out = pt;
    return OME_OK;
}

ome_plate_well_dir *ome_plate_tree_find(ome_plate_tree *pt, const char *name)
{
    for (int i = 0; i < pt->nwells; i++)
        if (strcmp(pt->wells[i].name, name) == 0)
            return &pt->wells[i];
    return NULL;
}

/* Opens the well's fields; called with w->lock held. */
static int load_well(ome_plate_tree *pt, ome_plate_well_dir *w, ome_err *err)
{
    json_t *attrs;
    char where[4096];
    int rc = ome_group_attrs_load(pt->store, w->path, &attrs, where, sizeof where, err);
    if (rc)
        return rc;
    ome_well well;
    rc = ome_well_parse(attrs, where, &well, err);
    json_decref(attrs);
    if (rc)
        return rc;
    if (!(w->images = calloc((size_t)well.nimages, sizeof *w->images))) {
        ome_well_free(&well);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    ome_err first = {0};
    for (int i = 0; i < well.nimages; i++) {
        char path[2048], name[1100];
        ome_key_join(path, sizeof path, w->path, well.images[i].path);
        snprintf(name, sizeof name, "%s_%s", w->name, well.images[i].path);
        ome_image *img;
        ome_err why = {0};
        int irc = ome_image_open(pt->store, path, name, &img, &why);
        if (irc == OME_OK) {
            img->cache = pt->cache;
            w->images[w->nimages++] = img;
            irc = ome_tree_add_image(&w->tree, img, &why);
        }
        if (irc != OME_OK) {
            OME_LOGW("well %s, field %s: left out: %s", w->name, well.images[i].path, why.msg);
            if (!first.msg[0])
                first = why;
        }
    }
    ome_well_free(&well);
    if (w->tree.nfiles == 0)
        return ome_err_set(err, OME_EINVAL, "well %s: no field can be opened (%s)", w->name,
                           first.msg);
    return OME_OK;
}

int ome_plate_tree_load(ome_plate_tree *pt, ome_plate_well_dir *w, ome_err *err)
{
    pthread_mutex_lock(&w->lock);
    int rc = OME_OK;
    if (!w->loaded) {
        ome_err why = {0};
        rc = load_well(pt, w, &why);
        if (rc) { /* nothing kept: the next look into the well tries again */
            OME_LOGE("%s", why.msg);
            ome_tree_free(&w->tree);
            for (int k = 0; k < w->nimages; k++)
                ome_image_free(w->images[k]);
            free(w->images);
            w->images = NULL;
            w->nimages = 0;
        }
        w->loaded = rc == OME_OK;
    }
    pthread_mutex_unlock(&w->lock);
    if (rc)
        ome_err_set(err, rc, "well %s could not be read (see the log)", w->name);
    return rc;
}

uint64_t ome_plate_tree_loaded_bytes(ome_plate_tree *pt)
{
    uint64_t total = 0;
    for (int i = 0; i < pt->nwells; i++) {
        ome_plate_well_dir *w = &pt->wells[i];
        pthread_mutex_lock(&w->lock);
        for (int f = 0; w->loaded && f < w->tree.nfiles; f++)
            total += w->tree.files[f].vt->size;
        pthread_mutex_unlock(&w->lock);
    }
    return total;
}

void ome_plate_tree_free(ome_plate_tree *pt)
{
    if (!pt)
        return;
    for (int i = 0; i < pt->nwells; i++) {
        ome_plate_well_dir *w = &pt->wells[i];
        ome_tree_free(&w->tree);
        for (int k = 0; k < w->nimages; k++)
            ome_image_free(w->images[k]);
        free(w->images);
        free(w->name);
        free(w->path);
        pthread_mutex_destroy(&w->lock);
    }
    free(pt->wells);
    ome_plate_free(&pt->plate);
    free(pt);
}
