/* content: what a source shows. One image: its files at the root and its label images (in
 * "labels/"); or folders opened on first use: a plate's wells, a bioformats2raw collection's
 * images, a folder of images (a local directory or an S3 prefix of NAME.zarr), an OMERO
 * dataset's images, plate's wells, project's datasets or screen's plates. */
#ifndef OME_CONTENT_H
#define OME_CONTENT_H

#include "tree/folder_tree.h"
#include "tree/label_tree.h"
#include "tree/source.h"
#include "tree/tree.h"

typedef struct ome_content {
    ome_image *image;         /* one image, or NULL */
    ome_tree tree;            /* the files at the root */
    ome_label_tree labels;    /* the image's label images */
    ome_folder_tree *folders; /* or the folders at the root */
    ome_folder_tree *well;    /* or a plate's well mounted on its own: its one folder's files
                                 are the root's (ome_content_root_files) */
} ome_content;

/* The files at the root: the image's, or the well's fields'. */
const ome_tree *ome_content_root_files(const ome_content *c);

/* Reads what the source `src` (whose store is `store`) shows; a lone image's files are named
 * after src->name. The message of a failure names the document and what is wrong with it. */
int ome_content_open(ome_store *store, const ome_source *src, ome_content *out, ome_err *err);
/* Gives every image, now and opened later, the chunk cache (before the first read). */
void ome_content_set_cache(ome_content *c, ome_chunk_cache *cache);
/* Bytes of the files shown so far (the folders opened so far included). */
uint64_t ome_content_bytes(ome_content *c);
void ome_content_free(ome_content *c);

#endif
