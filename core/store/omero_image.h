/* omero_image: one OMERO image as an OME-Zarr 0.4 image, from OMERO.web's imgData: geometry,
 * generated metadata documents, and which pixel-buffer tile each chunk is. No network. */
#ifndef OME_OMERO_IMAGE_H
#define OME_OMERO_IMAGE_H

#include "base/err.h"
#include "store/store.h"

#include "base/json_doc.h"
#include <stdbool.h>
#include <stdint.h>

#define OME_OMERO_MAX_LEVELS 32

typedef struct ome_omero_image {
    long long id;
    int nlevels;
    uint64_t sizes[OME_OMERO_MAX_LEVELS][2]; /* width, height of each level, 0 = full */
    uint64_t t, c, z, tile_w, tile_h;
    int bytes_per_pixel;
    char *zattrs, *zarray[OME_OMERO_MAX_LEVELS];
} ome_omero_image;

/* imgData's pixel type ("uint16", …), or NULL when it gives none (older servers: ask the JSON
 * API's Pixels.Type). */
const char *ome_omero_image_pixel_type(json_t *imgdata);
/* Fills im (its id set by the caller) from imgData; `type_override` is used when imgData has no
 * pixel type. Errors name `where`. */
/* OME_OK, or an error when imgData says the pyramid is still being built. */
int ome_omero_image_busy(json_t *img, const char *where, ome_err *err);
int ome_omero_image_describe(ome_omero_image *im, json_t *imgdata, const char *type_override,
                             const char *where, ome_err *err);
void ome_omero_image_free(ome_omero_image *im);
/* Answers r for a metadata key (".zattrs", ".zgroup", "L/.zarray"): true when it is one. */
bool ome_omero_image_document(const ome_omero_image *im, const char *key, ome_store_req *r);
/* For a chunk key L/t/c/z/y/x inside the image: the pixel service's key
 * ("tile/ID/z/c/t?x=&y=&w=&h=&resolution=") and the tile's width and height; false otherwise. */
bool ome_omero_image_tile_key(const ome_omero_image *im, const char *key, char *tile_key,
                              size_t len, uint64_t *w, uint64_t *h);
/* The tile fetched into r->body (w x h big-endian pixels) as the chunk: checked for size and
 * padded to the full chunk at the image's edges. */
int ome_omero_image_chunk_from_tile(const ome_omero_image *im, ome_store_req *r, uint64_t w,
                                    uint64_t h, const char *shown);
/* What an OMERO store makes of an imgData document (text), without a server: OME_OK, or the
 * error a mount would report (the fuzz target's entry). */
int ome_omero_describe_imgdata(const char *text, size_t len, ome_err *err);

#endif
