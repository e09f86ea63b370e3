/* json_doc: parsing fetched bodies as JSON. */
#include "base/json_doc.h"

#include <jansson.h>

int ome_json_parse(const ome_buf *body, const char *where, json_t **out, ome_err *err)
{
    json_error_t je;
    *out = json_loadb((const char *)body->data, body->len, 0, &je);
    if (!*out)
        return ome_err_set(err, OME_EINVAL, "%s: malformed JSON at line %d: %s", where, je.line,
                           je.text);
    return OME_OK;
}


const char *ome_json_library_version(void)
{
    return jansson_version_str();
}

bool ome_json_seen(json_t *set, const char *key)
{
    if (json_object_get(set, key))
        return true;
    json_object_set_new(set, key, json_true());
    return false;
}
