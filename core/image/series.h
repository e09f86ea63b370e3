/* series: the images of a bioformats2raw collection ("bioformats2raw.layout": 3 at the root, the
 * layout Bio-Formats' converter writes for files holding several images): their paths, from the
 * "series" attribute of the OME group or else the groups 0/, 1/, 2/, … that exist, and their
 * names, from the Image elements of OME/METADATA.ome.xml when it is there. */
#ifndef OME_SERIES_H
#define OME_SERIES_H

#include "base/err.h"
#include "store/store.h"

#include "base/json_doc.h"
#include <stdbool.h>

/* Most images a collection may hold. */
#define OME_SERIES_MAX 100000

typedef struct ome_series {
    char *path; /* "0", relative to the root */
    char *name; /* the OME-XML Image's Name, or NULL */
} ome_series;

/* The paths listed by an OME group's "series" attribute (0.4 .zattrs or 0.5 zarr.json
 * attributes): *n = 0 when there is none. Paths must be relative, without "." or "..". */
int ome_series_parse_list(json_t *ome_attrs, const char *where, ome_series **out, int *n,
                          ome_err *err);
/* Gives series[i] the Name of the i-th Image element of an OME-XML document (XML entities
 * decoded); a document cut short names the images it holds. */
void ome_series_names_from_xml(const char *xml, size_t len, ome_series *series, int n);
/* The images of the collection at `path` ("" for the store's root), their paths relative to
 * it: one batch for the OME group and its XML, then, without a "series" list, batches of probes
 * for 0/, 1/, … up to the first absent. */
int ome_series_list(ome_store *store, const char *path, ome_series **out, int *n, ome_err *err);
void ome_series_free(ome_series *s, int n);

#endif
