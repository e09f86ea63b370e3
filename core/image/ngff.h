/* ngff: parses OME-NGFF attributes (multiscales, omero channels) into plain structs. It reads
 * JSON only — no arrays — so it is also what the specification's conformance suites exercise. */
#ifndef OME_NGFF_H
#define OME_NGFF_H

#include "base/err.h"

#include "base/json_doc.h"
#include <stdbool.h>
#include <stdint.h>

#define OME_NGFF_MAX_AXES 5

/* Roles in omefs' canonical TCZYX order. */
enum { OME_T = 0, OME_C, OME_Z, OME_Y, OME_X, OME_NROLES };

typedef struct ome_ngff_axis {
    char name[64];
    char unit[64]; /* "" when absent */
    int role;      /* OME_T .. OME_X */
} ome_ngff_axis;

typedef struct ome_ngff_dataset {
    char *path;
    bool has_scale, has_translation;
    double scale[OME_NGFF_MAX_AXES];
    double translation[OME_NGFF_MAX_AXES];
} ome_ngff_dataset;

typedef struct ome_ngff_multiscale {
    char version[16];
    char *name;
    int naxes;
    ome_ngff_axis axes[OME_NGFF_MAX_AXES];
    int ndatasets;
    ome_ngff_dataset *datasets;
    double top_scale[OME_NGFF_MAX_AXES]; /* 1 when there is no top-level transform */
    double top_translation[OME_NGFF_MAX_AXES];
} ome_ngff_multiscale;

typedef struct ome_channel_meta {
    char *label;         /* may be NULL */
    bool has_color;
    uint32_t rgb;        /* 0xRRGGBB */
    bool has_window;
    double start, end, min, max;
    bool active;
} ome_channel_meta;

/* Finds the OME attributes in a group's attributes: the "ome" object (0.5) or the attributes
 * themselves (≤ 0.4). */
json_t *ome_ngff_attrs(json_t *attributes);

/* Parses multiscales[0]. `where` names the document in messages. */
int ome_ngff_parse_multiscales(json_t *attrs, const char *where, ome_ngff_multiscale *out,
                               ome_err *err);
void ome_ngff_multiscale_free(ome_ngff_multiscale *m);

/* Parses omero.channels; *out is NULL and *n 0 when absent. Malformed entries are skipped with a
 * warning (display hints must never stop the data from opening). */
int ome_ngff_parse_omero(json_t *attrs, const char *where, ome_channel_meta **out, int *n,
                         ome_err *err);
void ome_channel_meta_free(ome_channel_meta *c, int n);
/* The image's name in the omero metadata ("omero": {"name": …}), or NULL when absent or
 * empty; it lives as long as attrs. */
const char *ome_ngff_omero_name(json_t *attrs);

#endif
