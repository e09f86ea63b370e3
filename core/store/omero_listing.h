/* omero_listing: the items of one page of OMERO's JSON API listing a container (a dataset's
 * images, a plate's wells with their fields' images, a project's datasets, a screen's plates),
 * gathered across pages. The pages come from the server: every field is checked. */
#ifndef OME_OMERO_LISTING_H
#define OME_OMERO_LISTING_H

#include "base/err.h"
#include "store/omero_address.h"

typedef struct json_t json_t; /* jansson's, kept out of the layers above */

/* One item of a listing: an image (with its well's name as group, "A1", in a plate), a
 * dataset or a plate. */
typedef struct ome_omero_listing {
    long long id;
    char name[256];
    char group[32]; /* "" for a dataset's images */
} ome_omero_listing;

/* The most items one container may list. */
#define OME_OMERO_MAX_LISTED 100000

/* Items gathered so far; zero-initialise, free items with free(). */
typedef struct {
    ome_omero_listing *items;
    int count, cap;
} ome_omero_list;

/* Adds the items of a page's "data" array to l. Items without a positive "@id" and wells out
 * of range are left out; names longer than the listing's field are cut. OME_ERANGE past
 * OME_OMERO_MAX_LISTED items, OME_ENOMEM. */
int ome_omero_list_page(ome_omero_kind kind, json_t *data, ome_omero_list *l, ome_err *err);

#endif
