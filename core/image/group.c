/* group: loading group attributes, and deciding what a group is. */
#include "image/group.h"

#include "base/key.h"
#include "image/ngff.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

ome_group_kind ome_group_kind_of(json_t *attrs)
{
    json_t *a = ome_ngff_attrs(attrs);
    if (json_object_get(a, "multiscales"))
        return OME_GROUP_IMAGE;
    if (json_object_get(a, "plate"))
        return OME_GROUP_PLATE;
    if (json_object_get(a, "bioformats2raw.layout"))
        return OME_GROUP_COLLECTION;
    return OME_GROUP_IMAGE;
}

int ome_group_attrs_load(ome_store *store, const char *path, json_t **attrs, char *where,
                         size_t wherelen, ome_err *err)
{
    return ome_group_attrs_load_with(store, path, NULL, 0, attrs, where, wherelen, err);
}

/* Why a zarr.json gives no group attributes: a store in Zarr v3's pre-1.0 draft layout (its
 * zarr.json an entry point whose "zarr_format" is the protocol's URL, the metadata under meta/,
 * as GDAL 3.6 writes), an array where a group was expected, or a group without attributes. */
static int explain_no_attributes(json_t *doc, const char *where, ome_err *err)
{
    const char *format = json_string_value(json_object_get(doc, "zarr_format"));
    const char *node = json_string_value(json_object_get(doc, "node_type"));
    if (format && strstr(format, "zarr/spec/protocol/core/3.0"))
        return ome_err_set(err, OME_EUNSUPPORTED,
                           "%s: a Zarr v3 store in the pre-1.0 draft layout (meta/root.group.json, "
                           "as GDAL 3.6 writes); omefs reads Zarr v2 and Zarr v3 1.0 (zarr.json in "
                           "every group and array): rewrite it with a current writer",
                           where);
    if (node && strcmp(node, "array") == 0)
        return ome_err_set(err, OME_EINVAL,
                           "%s: an array, not a group: mount the OME-Zarr image (the group above "
                           "it)",
                           where);
    return ome_err_set(err, OME_EINVAL, "%s: no \"attributes\" object", where);
}

int ome_group_attrs_load_with(ome_store *store, const char *path, ome_store_req *extra,
                              size_t nextra, json_t **attrs, char *where, size_t wherelen,
                              ome_err *err)
{
    /* Zarr v2's .zattrs and v3's zarr.json (OME-NGFF 0.5) asked at once: one round trip */
    char keys[2][2048];
    int rc;
    if ((rc = ome_key_join(keys[0], sizeof keys[0], path, ".zattrs", err)) ||
        (rc = ome_key_join(keys[1], sizeof keys[1], path, "zarr.json", err)))
        return rc;
    ome_store_req *reqs = calloc(2 + nextra, sizeof *reqs);
    if (!reqs)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    reqs[0] = (ome_store_req){.key = keys[0], .range = OME_RANGE_ALL};
    reqs[1] = (ome_store_req){.key = keys[1], .range = OME_RANGE_ALL};
    for (size_t i = 0; i < nextra; i++)
        reqs[2 + i] = extra[i];
    ome_store_get_many(store, reqs, 2 + nextra);
    for (size_t i = 0; i < nextra; i++) /* the caller frees their bodies */
        extra[i] = reqs[2 + i];
    *attrs = NULL;
    int pick = reqs[0].status != OME_ABSENT ? 0 : 1; /* .zattrs first, as v2 readers do */
    rc = reqs[pick].status;
    ome_store_describe(store, keys[pick], where, wherelen);
    json_t *doc = NULL;
    if (rc < 0)
        *err = reqs[pick].err;
    else if (rc == OME_OK)
        rc = ome_json_parse(&reqs[pick].body, where, &doc, err);
    if (rc == OME_OK && pick == 1) {
        *attrs = json_incref(json_object_get(doc, "attributes"));
        if (!json_is_object(*attrs)) {
            json_decref(*attrs);
            *attrs = NULL;
            rc = explain_no_attributes(doc, where, err);
        }
        json_decref(doc);
    } else if (rc == OME_OK) {
        *attrs = doc;
    }
    ome_store_reqs_free(reqs, 2);
    free(reqs);
    if (rc == OME_ABSENT) {
        ome_store_describe(store, keys[0], where, wherelen);
        ome_err_set(err, OME_EINVAL, "%s: not found, nor zarr.json (is this an OME-Zarr image?)",
                    where);
    }
    return rc;
}

