/* group: an OME-Zarr group's attributes (Zarr v2 .zattrs or v3 zarr.json) and what the group is:
 * an image, a high-content screening plate or a bioformats2raw collection of images. The one
 * place that decides it, for a source's root and for every folder of a folder of images. */
#ifndef OME_GROUP_H
#define OME_GROUP_H

#include "base/json_doc.h"
#include "store/store.h"

typedef enum {
    OME_GROUP_IMAGE,      /* a multiscale image (or a group that should be one: its parser says
                             what is missing) */
    OME_GROUP_PLATE,      /* "plate" and no "multiscales" */
    OME_GROUP_COLLECTION, /* "bioformats2raw.layout", no "plate", no "multiscales" */
} ome_group_kind;

/* What a group with these attributes is (OME-NGFF 0.4 at the top, 0.5 under "ome"). */
ome_group_kind ome_group_kind_of(json_t *attrs);

/* Loads the attributes of the group at `path` (".zattrs", else Zarr v3's zarr.json
 * "attributes"); `where` names the document read, for messages. OME_ABSENT (with a message)
 * when neither document exists. */
int ome_group_attrs_load(ome_store *store, const char *path, json_t **attrs, char *where,
                         size_t wherelen, ome_err *err);
/* The same, with other requests sent in the same batch (one round trip); the caller frees
 * their bodies. */
int ome_group_attrs_load_with(ome_store *store, const char *path, ome_store_req *extra,
                              size_t nextra, json_t **attrs, char *where, size_t wherelen,
                              ome_err *err);

#endif
