/* hcs: parses plate, well and image-label metadata of OME-NGFF 0.4/0.5. */
#include "image/hcs.h"

#include "base/json_doc.h"

#include "base/key.h"
#include "image/ngff.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first name that appears twice among names[0..n), or NULL: sorted, in O(n log n). */
static const char *repeated_name(char **names, int n)
{
    char **sorted = malloc((size_t)(n > 0 ? n : 1) * sizeof *sorted);
    const char *dup = NULL;
    if (!sorted)
        return NULL;
    memcpy(sorted, names, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, by_name);
    for (int i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    return dup;
}

/* Names are path segments: letters, digits only (spec), checked loosely for safety here. */
static int copy_names(json_t *list, const char *field, char ***out, int *n, const char *where,
                      ome_err *err)
{
    if (!json_is_array(list) || json_array_size(list) == 0)
        return ome_err_set(err, OME_EINVAL, "%s: plate.%s is missing or empty", where, field);
    if (json_array_size(list) > 100000)
        return ome_err_set(err, OME_ERANGE, "%s: plate.%s is too long", where, field);
    size_t count = json_array_size(list);
    *out = calloc(count, sizeof **out);
    if (!*out)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(list, i), "name"));
        if (!name || !ome_key_name_ok(name, strlen(name)))
            return ome_err_set(err, OME_EINVAL, "%s: plate.%s[%zu] has no valid name", where,
                               field, i);
        if (!((*out)[i] = strdup(name)))
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        *n = (int)i + 1;
    }
    const char *dup = repeated_name(*out, *n);
    if (dup)
        return ome_err_set(err, OME_EINVAL, "%s: plate.%s name \"%s\" is repeated", where, field,
                           dup);
    return OME_OK;
}

static int index_field(json_t *w, const char *field, int limit, int *out, size_t i,
                       const char *where, ome_err *err)
{
    json_t *v = json_object_get(w, field);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= limit)
        return ome_err_set(err, OME_EINVAL, "%s: plate.wells[%zu].%s is not a valid index", where,
                           i, field);
    *out = (int)json_integer_value(v);
    return OME_OK;
}

/* The most wells of a plate, and fields of a well, taken (a 1536-well plate has 1536). */
#define MAX_WELLS 100000
#define MAX_FIELDS 10000

int ome_plate_parse(json_t *attrs, const char *where, ome_plate *p, ome_err *err)
{
    json_t *seen = NULL; /* the wells' paths so far, as a set */
    memset(p, 0, sizeof *p);
    json_t *plate = json_object_get(ome_ngff_attrs(attrs), "plate");
    if (!json_is_object(plate))
        return ome_err_set(err, OME_EINVAL, "%s: no \"plate\" object", where);
    int rc;
    if ((rc = copy_names(json_object_get(plate, "rows"), "rows", &p->rows, &p->nrows, where,
                         err)) ||
        (rc = copy_names(json_object_get(plate, "columns"), "columns", &p->columns,
                         &p->ncolumns, where, err)))
        goto fail;
    const char *name = json_string_value(json_object_get(plate, "name"));
    if (name && !(p->name = strdup(name))) {
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        goto fail;
    }
    json_t *acq = json_object_get(plate, "acquisitions");
    if (acq) {
        if (!json_is_array(acq)) {
            rc = ome_err_set(err, OME_EINVAL, "%s: plate.acquisitions is not a list", where);
            goto fail;
        }
        size_t i;
        json_t *a;
        json_array_foreach(acq, i, a) {
            json_t *id = json_object_get(a, "id");
            if (!json_is_integer(id) || json_integer_value(id) < 0) {
                rc = ome_err_set(err, OME_EINVAL, "%s: plate.acquisitions[%zu].id is not a "
                                 "non-negative integer", where, i);
                goto fail;
            }
        }
        p->nacquisitions = (int)json_array_size(acq);
    }
    json_t *fc = json_object_get(plate, "field_count");
    if (fc) {
        if (!json_is_integer(fc) || json_integer_value(fc) <= 0) {
            rc = ome_err_set(err, OME_EINVAL, "%s: plate.field_count is not a positive integer",
                             where);
            goto fail;
        }
        p->field_count = (int)json_integer_value(fc);
    }
    json_t *wells = json_object_get(plate, "wells");
    if (!json_is_array(wells) || json_array_size(wells) == 0) {
        rc = ome_err_set(err, OME_EINVAL, "%s: plate.wells is missing or empty", where);
        goto fail;
    }
    size_t nw = json_array_size(wells);
    if (nw > MAX_WELLS) {
        rc = ome_err_set(err, OME_ERANGE, "%s: %zu wells, more than the %d supported", where, nw,
                         MAX_WELLS);
        goto fail;
    }
    seen = json_object();
    if (!seen || !(p->wells = calloc(nw, sizeof *p->wells))) {
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nw; i++) {
        json_t *w = json_array_get(wells, i);
        ome_well_ref *ref = &p->wells[i];
        p->nwells = (int)i + 1;
        const char *path = json_string_value(json_object_get(w, "path"));
        if (!path) {
            rc = ome_err_set(err, OME_EINVAL, "%s: plate.wells[%zu] has no path", where, i);
            goto fail;
        }
        if ((rc = index_field(w, "rowIndex", p->nrows, &ref->row, i, where, err)) ||
            (rc = index_field(w, "columnIndex", p->ncolumns, &ref->column, i, where, err)))
            goto fail;
        /* Two path segments, neither leaving the plate (the spec does not require them to
         * spell the row and column names). */
        const char *slash = strchr(path, '/');
        if (!slash || slash == path || !slash[1] || strchr(slash + 1, '/') ||
            !ome_key_is_inside(path, strlen(path))) {
            rc = ome_err_set(err, OME_EINVAL, "%s: plate.wells[%zu].path \"%s\" is not "
                             "ROW/COLUMN", where, i, path);
            goto fail;
        }
        if (ome_json_seen(seen, path)) {
            rc = ome_err_set(err, OME_EINVAL, "%s: plate.wells[%zu].path \"%s\" is listed "
                             "before", where, i, path);
            goto fail;
        }
        if (!(ref->path = strdup(path))) {
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
            goto fail;
        }
    }
    json_decref(seen);
    return OME_OK;
fail:
    json_decref(seen);
    ome_plate_free(p);
    return rc;
}

void ome_plate_free(ome_plate *p)
{
    for (int i = 0; p->rows && i < p->nrows; i++)
        free(p->rows[i]);
    for (int i = 0; p->columns && i < p->ncolumns; i++)
        free(p->columns[i]);
    for (int i = 0; p->wells && i < p->nwells; i++)
        free(p->wells[i].path);
    free(p->rows);
    free(p->columns);
    free(p->wells);
    free(p->name);
    memset(p, 0, sizeof *p);
}

int ome_well_parse(json_t *attrs, const char *where, ome_well *w, ome_err *err)
{
    memset(w, 0, sizeof *w);
    json_t *well = json_object_get(ome_ngff_attrs(attrs), "well");
    json_t *images = json_object_get(well, "images");
    if (!json_is_array(images) || json_array_size(images) == 0)
        return ome_err_set(err, OME_EINVAL, "%s: well.images is missing or empty", where);
    size_t n = json_array_size(images);
    if (n > MAX_FIELDS)
        return ome_err_set(err, OME_ERANGE, "%s: %zu fields, more than the %d supported", where,
                           n, MAX_FIELDS);
    json_t *seen = json_object();
    if (!seen || !(w->images = calloc(n, sizeof *w->images))) {
        json_decref(seen);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    int rc = OME_OK;
    for (size_t i = 0; i < n && rc == OME_OK; i++) {
        json_t *im = json_array_get(images, i);
        w->nimages = (int)i + 1;
        const char *path = json_string_value(json_object_get(im, "path"));
        json_t *acq = json_object_get(im, "acquisition");
        w->images[i].acquisition = -1;
        if (!path || !ome_key_name_ok(path, strlen(path)))
            rc = ome_err_set(err, OME_EINVAL, "%s: well.images[%zu] has no valid path", where, i);
        else if (acq && !json_is_integer(acq))
            rc = ome_err_set(err, OME_EINVAL, "%s: well.images[%zu].acquisition is not an "
                             "integer", where, i);
        else if (ome_json_seen(seen, path))
            rc = ome_err_set(err, OME_EINVAL, "%s: well.images[%zu].path \"%s\" is listed "
                             "before", where, i, path);
        else if (!(w->images[i].path = strdup(path)))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        if (acq && json_is_integer(acq))
            w->images[i].acquisition = json_integer_value(acq);
    }
    json_decref(seen);
    if (rc)
        ome_well_free(w);
    return rc;
}

void ome_well_free(ome_well *w)
{
    for (int i = 0; w->images && i < w->nimages; i++)
        free(w->images[i].path);
    free(w->images);
    memset(w, 0, sizeof *w);
}

int ome_label_parse(json_t *attrs, const char *where, ome_label_info *l, ome_err *err)
{
    memset(l, 0, sizeof *l);
    json_t *il = json_object_get(ome_ngff_attrs(attrs), "image-label");
    if (!json_is_object(il))
        return ome_err_set(err, OME_EINVAL, "%s: no \"image-label\" object", where);
    json_t *colors = json_object_get(il, "colors");
    int rc = OME_OK;
    if (colors) {
        if (!json_is_array(colors) || json_array_size(colors) > 1000000)
            return ome_err_set(err, OME_EINVAL, "%s: image-label.colors is not a list", where);
        size_t n = json_array_size(colors);
        if (n && !(l->colors = calloc(n, sizeof *l->colors)))
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        for (size_t i = 0; i < n && rc == OME_OK; i++) {
            json_t *c = json_array_get(colors, i);
            json_t *v = json_object_get(c, "label-value"), *rgba = json_object_get(c, "rgba");
            if (!json_is_integer(v)) {
                rc = ome_err_set(err, OME_EINVAL, "%s: image-label.colors[%zu] has no integer "
                                 "label-value", where, i);
                break;
            }
            l->colors[i].value = json_integer_value(v);
            if (rgba) {
                if (!json_is_array(rgba) || json_array_size(rgba) != 4) {
                    rc = ome_err_set(err, OME_EINVAL, "%s: image-label.colors[%zu].rgba must "
                                     "have 4 values", where, i);
                    break;
                }
                for (int k = 0; k < 4; k++) {
                    json_t *x = json_array_get(rgba, (size_t)k);
                    if (!json_is_integer(x) || json_integer_value(x) < 0 ||
                        json_integer_value(x) > 255) {
                        rc = ome_err_set(err, OME_EINVAL, "%s: image-label.colors[%zu].rgba "
                                         "values must be 0..255", where, i);
                        break;
                    }
                    l->colors[i].rgba[k] = (uint8_t)json_integer_value(x);
                }
            }
            l->ncolors = (int)i + 1;
        }
    }
    const char *src = json_string_value(json_object_get(json_object_get(il, "source"), "image"));
    if (rc == OME_OK && src && !(l->source_image = strdup(src)))
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    if (rc)
        ome_label_info_free(l);
    return rc;
}

void ome_label_info_free(ome_label_info *l)
{
    free(l->colors);
    free(l->source_image);
    memset(l, 0, sizeof *l);
}
