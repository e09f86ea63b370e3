/* zarr_v2: Zarr v2 array metadata (.zarray). */
#ifndef OME_ZARR_V2_H
#define OME_ZARR_V2_H

#include "zarr/zarr_array.h"

/* Parses a Zarr v2 .zarray document. `where` names it in messages. */
int ome_zarr_array_parse_v2(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err);

#endif
