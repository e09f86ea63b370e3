/* zarr_v2: parsing Zarr v2 .zarray documents. */
#include "zarr/zarr_v2.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ome_zarr_array_parse_v2(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err)
{
    if (!json_is_object(doc))
        return ome_err_set(err, OME_EINVAL, "%s: not a JSON object", where);
    json_t *fmt = json_object_get(doc, "zarr_format");
    if (fmt && (!json_is_integer(fmt) || json_integer_value(fmt) != 2))
        return ome_err_set(err, OME_EINVAL, "%s: zarr_format is not 2", where);
    ome_zarr_array *a = ome_zarr_array_new(path, where);
    if (!a)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    a->zarr_format = 2;
    int rc, nchunks = 0;
    if ((rc = ome_zarr_parse_dims(json_object_get(doc, "shape"), "shape", a->shape, &a->ndim, false,
                                  where, err)) ||
        (rc = ome_zarr_parse_dims(json_object_get(doc, "chunks"), "chunks", a->chunks, &nchunks,
                                  true, where, err)))
        goto fail;
    if (nchunks != a->ndim) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"chunks\" has %d dimensions but \"shape\" has %d",
                         where, nchunks, a->ndim);
        goto fail;
    }
    json_t *dt = json_object_get(doc, "dtype");
    if (!json_is_string(dt)) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"dtype\" is missing or not a string", where);
        goto fail;
    }
    a->dtype = ome_dtype_parse_v2(json_string_value(dt), &a->big_endian);
    if (a->dtype == OME_DT_NONE) {
        rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported dtype \"%s\"", where,
                         json_string_value(dt));
        goto fail;
    }
    json_t *order = json_object_get(doc, "order");
    const char *ord = order ? json_string_value(order) : "C";
    if (!ord || (strcmp(ord, "C") && strcmp(ord, "F"))) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"order\" must be \"C\" or \"F\"", where);
        goto fail;
    }
    a->transposed = ord[0] == 'F' && a->ndim > 1; /* Fortran order: the axes reversed */
    for (int d = 0; d < a->ndim; d++)
        a->perm[d] = a->transposed ? a->ndim - 1 - d : d;
    json_t *sep = json_object_get(doc, "dimension_separator");
    a->separator = '.';
    if (sep && !json_is_null(sep)) {
        const char *s = json_string_value(sep);
        if (!s || (strcmp(s, ".") && strcmp(s, "/"))) {
            rc = ome_err_set(err, OME_EINVAL, "%s: \"dimension_separator\" must be \".\" or \"/\"",
                             where);
            goto fail;
        }
        a->separator = s[0];
    }
    json_t *filters = json_object_get(doc, "filters");
    if (filters && !json_is_null(filters)) {
        if (!json_is_array(filters)) {
            rc = ome_err_set(err, OME_EINVAL, "%s: \"filters\" is not a list", where);
            goto fail;
        }
        /* encoding runs the filters in order, then the compressor; decoding the reverse */
        if (json_array_size(filters) > OME_ZARR_MAX_CODECS - 1) {
            rc = ome_err_set(err, OME_ERANGE, "%s: %zu filters (at most %d)", where,
                             json_array_size(filters), OME_ZARR_MAX_CODECS - 1);
            goto fail;
        }
        for (size_t i = 0; i < json_array_size(filters); i++) {
            const char *id = json_string_value(json_object_get(json_array_get(filters, i), "id"));
            if (!id || strcmp(id, "delta") != 0) { /* the one filter that is not a compressor */
                rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported filter \"%s\"", where,
                                 id ? id : "?");
                goto fail;
            }
            if ((rc = ome_codec_from_v2(json_array_get(filters, i), &a->codecs[a->ncodecs], where,
                                        err)))
                goto fail;
            a->ncodecs++;
        }
    }
    json_t *comp = json_object_get(doc, "compressor");
    if (comp && !json_is_null(comp)) {
        if ((rc = ome_codec_from_v2(comp, &a->codecs[a->ncodecs], where, err)))
            goto fail;
        if (a->codecs[a->ncodecs].kind == OME_CODEC_DELTA) {
            rc = ome_err_set(err, OME_EINVAL, "%s: \"delta\" is a filter, not a compressor",
                             where);
            goto fail;
        }
        a->ncodecs++;
    }
    if ((rc = ome_zarr_parse_fill(json_object_get(doc, "fill_value"), a->dtype, a->fill, where,
                                  err)) ||
        (rc = ome_zarr_finish_sizes(a, err)))
        goto fail;
    *out = a;
    return OME_OK;
fail:
    ome_zarr_array_free(a);
    return rc;
}

