/* omero_address: recognising OMERO.web addresses. */
#include "store/omero_address.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool digits_to_id(const char *p, long long *id)
{
    if (!isdigit((unsigned char)*p))
        return false;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (v <= 0 || (*end && !strchr("/?#&,|", *end)))
        return false;
    *id = v;
    return true;
}

/* The value of query parameter `name` in the query q (without '?'), or NULL. */
static const char *query_param(const char *q, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return p + n + 1;
    return NULL;
}

bool ome_omero_parse_address(const char *source, char *base, size_t baselen,
                             ome_omero_kind *kind, long long *id_out)
{
    const char *scheme_end = strstr(source, "://");
    if (!scheme_end || (strncasecmp(source, "http://", 7) && strncasecmp(source, "https://", 8)))
        return false;
    const char *path = strchr(scheme_end + 3, '/');
    if (!path)
        return false;
    const char *query = strchr(path, '?');
    static const struct {
        const char *mark;
        const char *param;  /* the id is in this query parameter, else right after the mark */
        const char *prefix; /* what the parameter's value starts with */
        ome_omero_kind kind;
    } forms[] = {
        {"/webclient/img_detail/", NULL, NULL, OME_OMERO_IMAGE},
        {"/webgateway/img_detail/", NULL, NULL, OME_OMERO_IMAGE},
        {"/api/v0/m/images/", NULL, NULL, OME_OMERO_IMAGE},
        {"/api/v0/m/datasets/", NULL, NULL, OME_OMERO_DATASET},
        {"/api/v0/m/plates/", NULL, NULL, OME_OMERO_PLATE},
        {"/api/v0/m/projects/", NULL, NULL, OME_OMERO_PROJECT},
        {"/api/v0/m/screens/", NULL, NULL, OME_OMERO_SCREEN},
        {"/webclient/", "show", "image-", OME_OMERO_IMAGE},
        {"/webclient/", "show", "dataset-", OME_OMERO_DATASET},
        {"/webclient/", "show", "plate-", OME_OMERO_PLATE},
        {"/webclient/", "show", "project-", OME_OMERO_PROJECT},
        {"/webclient/", "show", "screen-", OME_OMERO_SCREEN},
        {"/iviewer/", "images", "", OME_OMERO_IMAGE},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const char *at = strstr(path, forms[i].mark);
        if (!at || (query && at > query))
            continue;
        long long id = 0;
        if (!forms[i].param) {
            if (!digits_to_id(at + strlen(forms[i].mark), &id))
                continue;
        } else {
            const char *v = query ? query_param(query + 1, forms[i].param) : NULL;
            size_t pl = strlen(forms[i].prefix);
            if (!v || strncmp(v, forms[i].prefix, pl) || !digits_to_id(v + pl, &id))
                continue;
        }
        size_t n = (size_t)(at - source);
        if (n + 1 > baselen)
            return false;
        memcpy(base, source, n);
        base[n] = '\0';
        *kind = forms[i].kind;
        *id_out = id;
        return true;
    }
    return false;
}

bool ome_omero_parse_source(const char *source, char *base, size_t baselen, long long *image_id)
{
    ome_omero_kind kind;
    return ome_omero_parse_address(source, base, baselen, &kind, image_id) &&
           kind == OME_OMERO_IMAGE;
}

