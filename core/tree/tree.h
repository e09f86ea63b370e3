/* tree: the virtual directory — which files a source yields, their names and sizes. Built from
 * image descriptions only; the FUSE layer asks it for paths and byte ranges. */
#ifndef OME_TREE_H
#define OME_TREE_H

#include "vtiff/vtiff.h"

typedef struct ome_tree_file {
    char *name;       /* "6001240.ome.tif" */
    ome_vtiff *vt;
} ome_tree_file;

typedef struct ome_tree {
    int nfiles;
    ome_tree_file *files;
} ome_tree;

/* Adds NAME.ome.tif, NAME_L<k>.tif for every level ImageJ can hold (logging why a level has
 * no ImageJ file) and NAME.preview.png. */
int ome_tree_add_image(ome_tree *t, const ome_image *img, ome_err *err);
/* Adds a file (taking vt), or leaves it out with a warning (freeing vt) when the tree has one
 * of that name. */
int ome_tree_add_file(ome_tree *t, const char *name, ome_vtiff *vt, ome_err *err);
/* Finds a file by name (no slashes); NULL when absent. */
const ome_tree_file *ome_tree_find(const ome_tree *t, const char *name);
/* Moves every file of src to the end of dst (src is left empty). */
int ome_tree_take(ome_tree *dst, ome_tree *src, ome_err *err);
void ome_tree_free(ome_tree *t);

#endif
