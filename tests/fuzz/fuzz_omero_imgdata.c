/* Fuzz target: OMERO.web imgData documents as a server could send them, turned into the
 * geometry and OME-Zarr documents of an OMERO image. */
#include "store/omero_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ome_err err = {0};
    ome_omero_describe_imgdata((const char *)data, size, &err);
    return 0;
}
