/* Fuzz target: OME/METADATA.ome.xml documents as a collection could hold them, read for its
 * images' names. */
#include "image/series.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ome_series s[8] = {{0}};
    ome_series_names_from_xml((const char *)data, size, s, 8);
    for (int i = 0; i < 8; i++)
        free(s[i].name);
    return 0;
}
