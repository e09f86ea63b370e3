/* omero_listing: the items of one page of OMERO's JSON API listing a container (see
 * omero_listing.h). */
#include "store/omero_listing.h"

#include "base/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* The largest row or column index a plate listing may use. */
#define MAX_WELL_INDEX 100000

/* A well's name from its 0-based row and column: rows as letters (A…Z, AA…), columns from 1. */
static void well_name(json_int_t row, json_int_t col, char *out, size_t len)
{
    char letters[16];
    int k = (int)sizeof letters - 1;
    letters[k] = '\0';
    for (json_int_t r = row + 1; r > 0 && k > 0; r = (r - 1) / 26)
        letters[--k] = (char)('A' + (r - 1) % 26);
    snprintf(out, len, "%s%lld", letters + k, (long long)(col + 1));
}

static int listing_add(ome_omero_list *l, json_t *image, const char *group, ome_err *err)
{
    json_int_t id = json_integer_value(json_object_get(image, "@id"));
    const char *name = json_string_value(json_object_get(image, "Name"));
    if (id <= 0)
        return OME_OK;
    if (l->count >= OME_OMERO_MAX_LISTED)
        return ome_err_set(err, OME_ERANGE, "more than %d images", OME_OMERO_MAX_LISTED);
    if (l->count == l->cap) {
        ome_omero_listing *n = realloc(l->items, (size_t)(l->cap = l->cap * 2 + 16) * sizeof *n);
        if (!n)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        l->items = n;
    }
    ome_omero_listing *e = &l->items[l->count++];
    e->id = (long long)id;
    snprintf(e->name, sizeof e->name, "%s", name ? name : "");
    snprintf(e->group, sizeof e->group, "%s", group);
    return OME_OK;
}

int ome_omero_list_page(ome_omero_kind kind, json_t *data, ome_omero_list *l, ome_err *err)
{
    size_t i;
    json_t *item;
    int rc = OME_OK;
    json_array_foreach(data, i, item)
    {
        if (kind != OME_OMERO_PLATE) {
            rc = listing_add(l, item, "", err);
        } else {
            json_t *row = json_object_get(item, "Row"), *col = json_object_get(item, "Column");
            /* OMERO's plates hold at most a few thousand rows and columns; anything beyond
             * MAX_WELL_INDEX is a broken or hostile reply (and col + 1 must not overflow) */
            if (!json_is_integer(row) || !json_is_integer(col) || json_integer_value(row) < 0 ||
                json_integer_value(col) < 0 || json_integer_value(row) > MAX_WELL_INDEX ||
                json_integer_value(col) > MAX_WELL_INDEX) {
                OME_LOGW("a well whose Row or Column is missing, no integer or out of range "
                         "(0 to %d); left out", MAX_WELL_INDEX);
                continue;
            }
            char group[32];
            well_name(json_integer_value(row), json_integer_value(col), group, sizeof group);
            size_t k;
            json_t *sample;
            json_array_foreach(json_object_get(item, "WellSamples"), k, sample)
            {
                if ((rc = listing_add(l, json_object_get(sample, "Image"), group, err)))
                    break;
            }
        }
        if (rc)
            break;
    }
    return rc;
}
