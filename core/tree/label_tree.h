/* label_tree: an image's label images (OME-NGFF "labels": segmentations stored beside the image,
 * each a multiscale integer image) as the files of a folder, `labels/NAME.ome.tif` and
 * `labels/NAME_L<k>.tif`. */
#ifndef OME_LABEL_TREE_H
#define OME_LABEL_TREE_H

#include "image/image.h"
#include "tree/tree.h"

#define OME_LABELS_DIR "labels"

typedef struct ome_label_tree {
    ome_tree tree;
    ome_image **images;
    int nimages;
} ome_label_tree;

/* Opens the label images listed by the labels group of the image at `path`, their files named
 * prefix + the label's name. No labels group means no labels; a label that cannot be opened is
 * left out with a warning: labels never stop the image from mounting. */
void ome_label_tree_open(ome_store *store, const char *path, const char *prefix,
                         ome_label_tree *out);
void ome_label_tree_free(ome_label_tree *lt);

#endif
