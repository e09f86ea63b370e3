/* Fuzz target: OME-NGFF attributes (.zattrs, or zarr.json's attributes) — multiscales, omero
 * channels, plate, well and image-label metadata. */
#include "image/hcs.h"
#include "image/ngff.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    if (!doc)
        return 0;
    ome_err err;
    ome_ngff_multiscale ms;
    if (ome_ngff_parse_multiscales(doc, "fuzz", &ms, &err) == OME_OK)
        ome_ngff_multiscale_free(&ms);
    ome_channel_meta *ch = NULL;
    int n = 0;
    if (ome_ngff_parse_omero(doc, "fuzz", &ch, &n, &err) == OME_OK)
        ome_channel_meta_free(ch, n);
    ome_plate plate;
    if (ome_plate_parse(doc, "fuzz", &plate, &err) == OME_OK)
        ome_plate_free(&plate);
    ome_well well;
    if (ome_well_parse(doc, "fuzz", &well, &err) == OME_OK)
        ome_well_free(&well);
    ome_label_info label;
    if (ome_label_parse(doc, "fuzz", &label, &err) == OME_OK)
        ome_label_info_free(&label);
    json_decref(doc);
    return 0;
}
