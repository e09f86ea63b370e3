/* plate_preview: the plate's picture is painted at its first read, well by well: each well is
 * opened (as a look into its folder would), and its first field painted as its preview would
 * look at the size of the well's square, centred in it; a well that cannot be opened stays
 * black, with a warning. */
#include "tree/plate_preview.h"

#include "base/key.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t ome_plate_tile(const ome_plate *plate)
{
    int n = plate->nrows > plate->ncolumns ? plate->nrows : plate->ncolumns;
    uint32_t t = OME_PREVIEW_MAX / (uint32_t)(n > 0 ? n : 1);
    return t > OME_PLATE_TILE_MAX ? OME_PLATE_TILE_MAX : t ? t : 1;
}

/* The plate's well at `path` ("A/1"), or NULL. */
static const ome_well_ref *well_at(const ome_plate *plate, const char *path)
{
    for (int i = 0; path && i < plate->nwells; i++)
        if (strcmp(plate->wells[i].path, path) == 0)
            return &plate->wells[i];
    return NULL;
}

/* Paints the first field of well f into its square of the picture (w pixels wide). */
static int paint_well(ome_folder_tree *ft, ome_folder *f, const ome_well_ref *wr, uint8_t *rgb,
                      uint32_t w, ome_err *err)
{
    ome_err why = {0};
    int rc = ome_folder_tree_load(ft, f, &why);
    if (rc == OME_EINTR) {
        *err = why;
        return rc;
    }
    const ome_image *img = rc == OME_OK && f->tree.nfiles > 0 ? ome_vtiff_image(f->tree.files[0].vt)
                                                               : NULL;
    if (!img) {
        OME_LOGW("well %s left black in the plate's preview: %s", f->name,
                 rc ? why.msg : "no field");
        return OME_OK;
    }
    uint32_t side = ome_plate_tile(&ft->plate), tw, th;
    ome_preview_fit(img, side, &tw, &th);
    uint8_t *tile = calloc((size_t)tw * th, 3);
    if (!tile)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    rc = ome_preview_paint(img, tw, th, tile, err);
    uint64_t x0 = (uint64_t)wr->column * side + (side - tw) / 2;
    uint64_t y0 = (uint64_t)wr->row * side + (side - th) / 2;
    for (uint32_t y = 0; rc == OME_OK && y < th; y++)
        memcpy(rgb + ((y0 + y) * w + x0) * 3, tile + (size_t)y * tw * 3, (size_t)tw * 3);
    free(tile);
    return rc;
}

static int paint_plate(const void *ctx, uint8_t *rgb, uint32_t w, uint32_t h, ome_err *err)
{
    (void)h;
    ome_folder_tree *ft = (ome_folder_tree *)ctx; /* opening wells is what it does */
    int rc = OME_OK;
    for (int i = 0; rc == OME_OK && i < ft->nfolders; i++) {
        const ome_well_ref *wr = well_at(&ft->plate, ft->folders[i].path);
        if (wr && wr->row >= 0 && wr->row < ft->plate.nrows && wr->column >= 0 &&
            wr->column < ft->plate.ncolumns)
            rc = paint_well(ft, &ft->folders[i], wr, rgb, w, err);
    }
    return rc;
}

int ome_plate_preview_add(ome_tree *t, ome_folder_tree *ft, const char *name, const char *where,
                          ome_err *err)
{
    uint32_t side = ome_plate_tile(&ft->plate);
    int cols = ft->plate.ncolumns > 0 ? ft->plate.ncolumns : 1;
    int rows = ft->plate.nrows > 0 ? ft->plate.nrows : 1;
    ome_vtiff *vt;
    int rc = ome_vtiff_make_picture(where, (uint32_t)cols * side, (uint32_t)rows * side,
                                    paint_plate, ft, &vt, err);
    if (rc)
        return rc;
    char stem[OME_NAME_MAX + 1], file[OME_NAME_MAX + 1];
    ome_name_fit(stem, sizeof stem, name, OME_NAME_MAX - strlen(".preview.png"));
    snprintf(file, sizeof file, "%s.preview.png", stem);
    return ome_tree_add_file(t, file, vt, err);
}
