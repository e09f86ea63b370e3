/* Fuzz target: pages of OMERO's JSON API listing a container, as a server could send them.
 * Byte 0 picks the container (a dataset, a plate, a project or a screen); the rest is the page,
 * added twice (pages add up). Every item kept has a positive id and terminated strings. */
#include "store/omero_listing.h"

#include <jansson.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const ome_omero_kind kinds[] = {OME_OMERO_DATASET, OME_OMERO_PLATE, OME_OMERO_PROJECT,
                                           OME_OMERO_SCREEN};
    ome_omero_kind kind = kinds[data[0] % 4];
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data + 1, size - 1, 0, &jerr);
    if (!doc)
        return 0;
    ome_omero_list l = {0};
    ome_err err = {0};
    for (int page = 0; page < 2; page++)
        if (ome_omero_list_page(kind, json_object_get(doc, "data"), &l, &err) != OME_OK)
            break;
    for (int i = 0; i < l.count; i++) {
        const ome_omero_listing *e = &l.items[i];
        if (e->id <= 0 || !memchr(e->name, 0, sizeof e->name) ||
            !memchr(e->group, 0, sizeof e->group))
            abort();
    }
    free(l.items);
    json_decref(doc);
    return 0;
}
