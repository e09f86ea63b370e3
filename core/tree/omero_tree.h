/* omero_tree: OMERO containers as folders. A dataset is a folder per image ("ID_NAME"), a plate a
 * folder per well ("A1", holding its fields "A1_0", "A1_1", …), a project a folder per dataset
 * and a screen a folder per plate ("ID_NAME"), each of those listed the first time it is looked
 * into. */
#ifndef OME_OMERO_TREE_H
#define OME_OMERO_TREE_H

#include "tree/folder_tree.h"
#include "store/omero_address.h"
#include "store/store_omero.h"

/* The folders of the container at `path` of an OMERO store (or a disk cache over it): "" for
 * the one the store was opened on, "datasets/ID" or "plates/ID" for a project's or a screen's.
 * `kind` is that container's kind. Reads its listing (one document). */
int ome_omero_tree_open(ome_store *store, ome_omero_kind kind, const char *path,
                        ome_folder_tree **out, ome_err *err);

#endif
