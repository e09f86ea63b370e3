/* plate_preview: PLATE.preview.png at a plate mount's root — each well's first field, small, in
 * its row and column of the plate. */
#ifndef OME_PLATE_PREVIEW_H
#define OME_PLATE_PREVIEW_H

#include "tree/folder_tree.h"

/* The side of a well's square in the picture: OME_PREVIEW_MAX over the rows or columns (the
 * more), at most OME_PLATE_TILE_MAX. */
#define OME_PLATE_TILE_MAX 256
uint32_t ome_plate_tile(const ome_plate *plate);
/* Adds NAME.preview.png for the plate `ft` (which must outlive t) to t; its size follows from
 * the plate's rows and columns, and its wells are opened only when it is read. */
int ome_plate_preview_add(ome_tree *t, ome_folder_tree *ft, const char *name, const char *where,
                          ome_err *err);

#endif
