/* store_omero: OMERO images and containers as a store: the image's metadata as OME-Zarr documents,
 * its tiles (from the pixel-buffer service) as chunks, and the listings of datasets, plates,
 * projects and screens. */
#ifndef OME_STORE_OMERO_H
#define OME_STORE_OMERO_H

#include "store/omero_listing.h"
#include "store/store.h"

/* An OMERO image at the root, or an OMERO dataset's images under "ID/", from the address of the
 * image's or dataset's page in OMERO.web (store_omero.c), with the OMERO fields of opts. */
int ome_store_omero_open(const char *source, const ome_store_opts *opts, ome_store **out,
                         ome_err *err);
/* What the OMERO container an OMERO store was opened on holds (paginated through the JSON API):
 * a dataset's images; a plate's images, well by well, each with its well's name as group
 * ("A1"); a project's datasets; a screen's plates. `path` "" is that container; in a project
 * "datasets/ID" is one of its datasets, in a screen "plates/ID" one of its plates. `s` is the
 * store or a disk cache over it: the store serves each list as a document of its own, which the
 * disk cache keeps like other metadata, so an offline mount finds it there. */
int ome_store_omero_list(ome_store *s, const char *path, ome_omero_listing **out, int *n,
                         ome_err *err);

#endif
