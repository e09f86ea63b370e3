/* hcs: OME-NGFF high-content screening (plate, well) and label (image-label) metadata. */
#ifndef OME_HCS_H
#define OME_HCS_H

#include "base/err.h"

#include "base/json_doc.h"
#include <stdint.h>

typedef struct ome_well_ref {
    char *path; /* "A/1" */
    int row, column;
} ome_well_ref;

typedef struct ome_plate {
    char *name;
    int nrows, ncolumns, nwells, nacquisitions, field_count;
    char **rows, **columns;
    ome_well_ref *wells;
} ome_plate;

typedef struct ome_well_image {
    char *path;
    int64_t acquisition; /* -1 when absent */
} ome_well_image;

typedef struct ome_well {
    int nimages;
    ome_well_image *images;
} ome_well;

typedef struct ome_label_color {
    int64_t value;
    uint8_t rgba[4];
} ome_label_color;

typedef struct ome_label_info {
    int ncolors;
    ome_label_color *colors;
    char *source_image; /* "../../" when given */
} ome_label_info;

int ome_plate_parse(json_t *attrs, const char *where, ome_plate *out, ome_err *err);
void ome_plate_free(ome_plate *p);
int ome_well_parse(json_t *attrs, const char *where, ome_well *out, ome_err *err);
void ome_well_free(ome_well *w);
int ome_label_parse(json_t *attrs, const char *where, ome_label_info *out, ome_err *err);
void ome_label_info_free(ome_label_info *l);

#endif
