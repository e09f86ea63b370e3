/* zarr_v3: Zarr v3 array metadata (zarr.json), with sharding_indexed. */
#ifndef OME_ZARR_V3_H
#define OME_ZARR_V3_H

#include "zarr/zarr_array.h"

/* Parses a Zarr v3 array document (zarr.json; zarr_v3.c). */
int ome_zarr_array_parse_v3(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err);

#endif
