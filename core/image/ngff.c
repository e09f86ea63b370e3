/* ngff: OME-NGFF multiscales (0.1–0.6) and omero channel metadata. */
#include "image/ngff.h"

#include "base/key.h"
#include "base/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *ome_ngff_attrs(json_t *attributes)
{
    json_t *ome = json_object_get(attributes, "ome");
    return json_is_object(ome) ? ome : attributes;
}

static int role_from_name(const char *name)
{
    static const char *names[] = {"t", "c", "z", "y", "x"};
    for (int r = 0; r < OME_NROLES; r++)
        if (strcmp(name, names[r]) == 0)
            return r;
    if (strcmp(name, "time") == 0)
        return OME_T;
    if (strcmp(name, "channel") == 0)
        return OME_C;
    return -1;
}

/* Assigns roles: time and channel by type (or name), space axes Z/Y/X from the end. */
static int assign_roles(ome_ngff_multiscale *m, const char *types[], const char *where,
                        ome_err *err)
{
    int space[OME_NGFF_MAX_AXES], nspace = 0;
    for (int i = 0; i < m->naxes; i++) {
        const char *type = types[i];
        int role = -1;
        if (type && strcmp(type, "time") == 0)
            role = OME_T;
        else if (type && strcmp(type, "channel") == 0)
            role = OME_C;
        else if (type && strcmp(type, "space") == 0)
            role = OME_X; /* refined below */
        else {
            role = role_from_name(m->axes[i].name);
            if (role < 0 && (type || m->naxes > 2)) {
                /* A custom axis ("angle", "view"): shown as time, or as channel when time is
                 * taken, so the data still opens. */
                role = OME_T;
                for (int j = 0; j < m->naxes; j++) {
                    const char *tj = types[j];
                    if (j != i && ((tj && strcmp(tj, "time") == 0) ||
                                   (!tj && role_from_name(m->axes[j].name) == OME_T)))
                        role = OME_C;
                }
                OME_LOGW("%s: axis \"%s\"%s%s%s is shown as %s", where, m->axes[i].name,
                         type ? " of type \"" : "", type ? type : "", type ? "\"" : "",
                         role == OME_T ? "time" : "channel");
            }
            if (role < 0)
                return ome_err_set(err, OME_EUNSUPPORTED,
                                   "%s: axis \"%s\" cannot be mapped to t, c, z, y or x", where,
                                   m->axes[i].name);
        }
        if (role >= OME_Z)
            space[nspace++] = i;
        m->axes[i].role = role;
    }
    if (nspace < 2 || nspace > 3)
        return ome_err_set(err, OME_EINVAL, "%s: %d space axes (2 or 3 are needed)", where,
                           nspace);
    m->axes[space[nspace - 1]].role = OME_X;
    m->axes[space[nspace - 2]].role = OME_Y;
    if (nspace == 3)
        m->axes[space[0]].role = OME_Z;
    int seen = 0;
    for (int i = 0; i < m->naxes; i++) {
        if (seen & (1 << m->axes[i].role))
            return ome_err_set(err, OME_EINVAL, "%s: two axes map to the same role (\"%s\")",
                               where, m->axes[i].name);
        seen |= 1 << m->axes[i].role;
    }
    return OME_OK;
}

static int parse_axes(json_t *axes, ome_ngff_multiscale *m, const char *where, ome_err *err)
{
    const char *types[OME_NGFF_MAX_AXES] = {0};
    if (!axes) {
        /* 0.1 and 0.2: no axes, always 5-D TCZYX. */
        static const char *names[] = {"t", "c", "z", "y", "x"};
        m->naxes = 5;
        for (int i = 0; i < 5; i++)
            snprintf(m->axes[i].name, sizeof m->axes[i].name, "%s", names[i]);
        return assign_roles(m, types, where, err);
    }
    if (!json_is_array(axes))
        return ome_err_set(err, OME_EINVAL, "%s: \"axes\" is not a list", where);
    size_t n = json_array_size(axes);
    if (n < 2 || n > OME_NGFF_MAX_AXES)
        return ome_err_set(err, OME_EINVAL, "%s: %zu axes (2 to 5 are allowed)", where, n);
    m->naxes = (int)n;
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(axes, i);
        const char *name = NULL, *unit = NULL;
        if (json_is_string(a)) { /* 0.3 */
            name = json_string_value(a);
        } else if (json_is_object(a)) {
            name = json_string_value(json_object_get(a, "name"));
            json_t *t = json_object_get(a, "type"), *u = json_object_get(a, "unit");
            if (t && !json_is_string(t))
                return ome_err_set(err, OME_EINVAL, "%s: axes[%zu].type is not a string", where,
                                   i);
            if (u && !json_is_string(u))
                return ome_err_set(err, OME_EINVAL, "%s: axes[%zu].unit is not a string", where,
                                   i);
            types[i] = json_string_value(t);
            unit = json_string_value(u);
        }
        if (!name || !name[0])
            return ome_err_set(err, OME_EINVAL, "%s: axes[%zu] has no name", where, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->axes[j].name, name) == 0)
                return ome_err_set(err, OME_EINVAL, "%s: axis name \"%s\" is repeated", where,
                                   name);
        snprintf(m->axes[i].name, sizeof m->axes[i].name, "%s", name);
        snprintf(m->axes[i].unit, sizeof m->axes[i].unit, "%s", unit ? unit : "");
    }
    return assign_roles(m, types, where, err);
}

/* Reads a list of coordinateTransformations: at most one scale, then an optional translation. */
static int parse_transforms(json_t *list, int naxes, double *scale, bool *has_scale,
                            double *translation, bool *has_translation, const char *what,
                            const char *where, ome_err *err)
{
    *has_scale = *has_translation = false;
    for (int i = 0; i < naxes; i++) {
        scale[i] = 1;
        translation[i] = 0;
    }
    if (!list)
        return OME_OK;
    if (!json_is_array(list))
        return ome_err_set(err, OME_EINVAL, "%s: %s coordinateTransformations is not a list",
                           where, what);
    size_t k;
    json_t *t;
    json_array_foreach(list, k, t) {
        const char *type = json_string_value(json_object_get(t, "type"));
        if (!type)
            return ome_err_set(err, OME_EINVAL, "%s: %s transformation %zu has no type", where,
                               what, k);
        bool is_scale = strcmp(type, "scale") == 0;
        if (!is_scale && strcmp(type, "translation") != 0) {
            if (strcmp(type, "identity") == 0)
                continue;
            return ome_err_set(err, OME_EINVAL, "%s: %s transformation type \"%s\" is not valid",
                               where, what, type);
        }
        json_t *v = json_object_get(t, type);
        if (!v) {
            if (json_object_get(t, "path"))
                return ome_err_set(err, OME_EUNSUPPORTED,
                                   "%s: %s %s stored in a separate file is not supported", where,
                                   what, type);
            return ome_err_set(err, OME_EINVAL, "%s: %s %s has no values", where, what, type);
        }
        if (!json_is_array(v))
            return ome_err_set(err, OME_EINVAL, "%s: %s %s is not a list", where, what, type);
        if (json_array_size(v) != (size_t)naxes) {
            /* Read leniently: the data is still worth opening without this calibration. */
            OME_LOGW("%s: %s %s lists %zu numbers for %d axes; ignored", where, what, type,
                     json_array_size(v), naxes);
            if (is_scale)
                *has_scale = true; /* counts as given (as 1s) so a translation may follow */
            continue;
        }
        double *dst = is_scale ? scale : translation;
        for (int i = 0; i < naxes; i++) {
            json_t *x = json_array_get(v, (size_t)i);
            if (!json_is_number(x))
                return ome_err_set(err, OME_EINVAL, "%s: %s %s[%d] is not a number", where, what,
                                   type, i);
            dst[i] = json_number_value(x);
            if (is_scale && !(dst[i] > 0 && dst[i] < 1e300))
                return ome_err_set(err, OME_EINVAL, "%s: %s scale[%d] = %g is not positive",
                                   where, what, i, dst[i]);
        }
        if (is_scale) {
            if (*has_scale || *has_translation)
                return ome_err_set(err, OME_EINVAL, "%s: %s must have one scale, first", where,
                                   what);
            *has_scale = true;
        } else {
            if (*has_translation || !*has_scale)
                return ome_err_set(err, OME_EINVAL,
                                   "%s: %s translation must follow a single scale", where, what);
            *has_translation = true;
        }
    }
    return OME_OK;
}

/* OME-Zarr 0.6 (RFC-5): axes live in named coordinate systems; each dataset's transformation
 * maps its array to the multiscale's "intrinsic" system (the `output` they all name), the
 * image's native physical coordinates, in which omefs calibrates it. A transformation may be a
 * scale, a translation, an identity or a sequence of them, in any order: composed into one
 * scale and one translation. Any other kind would place pixels elsewhere than a scale and an
 * origin say, so a dataset holding one is refused; one in the multiscale's own list (to
 * another coordinate system) is left out of the calibration with a warning naming it. */

#define NGFF06_MAX_DEPTH 8 /* sequences inside sequences */

/* The `name` of a transformation's `output` (or `input`), or NULL; early drafts wrote the
 * name as a plain string. */
static const char *end_name(json_t *t, const char *end)
{
    json_t *e = json_object_get(t, end);
    return json_is_string(e) ? json_string_value(e) : json_string_value(json_object_get(e, "name"));
}

/* Composes transformation t into (scale, translation): x = scale * i + translation. */
static int compose06(json_t *t, int naxes, double *scale, double *translation, int depth,
                     const char *what, const char *where, ome_err *err)
{
    const char *type = json_string_value(json_object_get(t, "type"));
    if (!type)
        return ome_err_set(err, OME_EINVAL, "%s: %s: a transformation has no type", where, what);
    if (strcmp(type, "identity") == 0)
        return OME_OK;
    if (strcmp(type, "sequence") == 0) {
        json_t *list = json_object_get(t, "transformations");
        if (!json_is_array(list))
            return ome_err_set(err, OME_EINVAL, "%s: %s: a sequence without a list of "
                               "transformations", where, what);
        if (depth >= NGFF06_MAX_DEPTH)
            return ome_err_set(err, OME_ERANGE, "%s: %s: sequences nested deeper than %d",
                               where, what, NGFF06_MAX_DEPTH);
        size_t k;
        json_t *inner;
        json_array_foreach(list, k, inner) {
            int rc = compose06(inner, naxes, scale, translation, depth + 1, what, where, err);
            if (rc)
                return rc;
        }
        return OME_OK;
    }
    bool is_scale = strcmp(type, "scale") == 0;
    if (!is_scale && strcmp(type, "translation") != 0)
        return ome_err_set(err, OME_EUNSUPPORTED,
                           "%s: %s: a \"%s\" transformation places pixels other than by a "
                           "scale and an origin; not supported", where, what, type);
    json_t *v = json_object_get(t, type);
    if (!v && json_object_get(t, "path"))
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: %s: a %s stored in a separate array is "
                           "not supported", where, what, type);
    if (!json_is_array(v))
        return ome_err_set(err, OME_EINVAL, "%s: %s: the %s is not a list", where, what, type);
    if (json_array_size(v) != (size_t)naxes) { /* as for 0.4: opened, without this calibration */
        OME_LOGW("%s: %s: the %s lists %zu numbers for %d axes; ignored", where, what, type,
                 json_array_size(v), naxes);
        return OME_OK;
    }
    for (int i = 0; i < naxes; i++) {
        json_t *x = json_array_get(v, (size_t)i);
        double d = json_number_value(x);
        if (!json_is_number(x) || !(d > -1e300 && d < 1e300))
            return ome_err_set(err, OME_EINVAL, "%s: %s: %s[%d] is not a number", where, what,
                               type, i);
        if (is_scale && !(d > 0))
            return ome_err_set(err, OME_EINVAL, "%s: %s: scale[%d] = %g is not positive",
                               where, what, i, d);
        if (is_scale) {
            scale[i] *= d;
            translation[i] *= d;
        } else {
            translation[i] += d;
        }
    }
    return OME_OK;
}

/* The intrinsic coordinate system's name: the output every dataset's transformation names
 * (the one system there is, when they name none). */
static int intrinsic_name06(json_t *ms, json_t *systems, const char **name, const char *where,
                            ome_err *err)
{
    *name = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(ms, "datasets"), i, d) {
        json_t *first = json_array_get(json_object_get(d, "coordinateTransformations"), 0);
        const char *out = end_name(first, "output");
        if (out && *name && strcmp(out, *name) != 0)
            return ome_err_set(err, OME_EINVAL, "%s: datasets[%zu] maps to the coordinate "
                               "system \"%s\", datasets[0] to \"%s\" (all must name the "
                               "same)", where, i, out, *name);
        if (out)
            *name = out;
    }
    if (!*name && json_array_size(systems) == 1)
        *name = json_string_value(json_object_get(json_array_get(systems, 0), "name"));
    if (!*name)
        return ome_err_set(err, OME_EINVAL, "%s: the datasets' transformations name no output "
                           "coordinate system", where);
    return OME_OK;
}

/* Axes and levels of a 0.6 multiscale (datasets already have their paths). */
static int parse_multiscale06(json_t *ms, ome_ngff_multiscale *m, const char *where,
                              ome_err *err)
{
    json_t *systems = json_object_get(ms, "coordinateSystems");
    if (!json_is_array(systems) || json_array_size(systems) == 0)
        return ome_err_set(err, OME_EINVAL, "%s: \"coordinateSystems\" is not a non-empty "
                           "list", where);
    const char *intrinsic;
    int rc = intrinsic_name06(ms, systems, &intrinsic, where, err);
    if (rc)
        return rc;
    json_t *system = NULL, *cs;
    size_t i;
    json_array_foreach(systems, i, cs) {
        const char *n = json_string_value(json_object_get(cs, "name"));
        if (n && strcmp(n, intrinsic) == 0)
            system = cs;
    }
    if (!system)
        return ome_err_set(err, OME_EINVAL, "%s: no coordinate system \"%s\" (the datasets' "
                           "output) in coordinateSystems", where, intrinsic);
    if (!json_object_get(system, "axes"))
        return ome_err_set(err, OME_EINVAL, "%s: coordinate system \"%s\" has no axes", where,
                           intrinsic);
    if ((rc = parse_axes(json_object_get(system, "axes"), m, where, err)))
        return rc;
    json_t *d;
    json_array_foreach(json_object_get(ms, "datasets"), i, d) {
        ome_ngff_dataset *dst = &m->datasets[i];
        char what[64];
        snprintf(what, sizeof what, "datasets[%zu]", i);
        json_t *list = json_object_get(d, "coordinateTransformations");
        if (!json_is_array(list) || json_array_size(list) == 0)
            return ome_err_set(err, OME_EINVAL, "%s: %s has no coordinateTransformations", where,
                               what);
        for (int a = 0; a < m->naxes; a++) {
            dst->scale[a] = 1;
            dst->translation[a] = 0;
        }
        size_t k;
        json_t *t;
        json_array_foreach(list, k, t) {
            if ((rc = compose06(t, m->naxes, dst->scale, dst->translation, 0, what, where, err)))
                return rc;
        }
        dst->has_scale = true;
        for (int a = 0; a < m->naxes; a++)
            dst->has_translation |= dst->translation[a] != 0;
    }
    /* the multiscale's own transformations lead to other coordinate systems: not applied */
    json_t *own = json_object_get(ms, "coordinateTransformations"), *t;
    json_array_foreach(own, i, t) {
        const char *type = json_string_value(json_object_get(t, "type"));
        const char *in = end_name(t, "input"), *out = end_name(t, "output");
        const char *other = in && strcmp(in, intrinsic) != 0 ? in : out;
        OME_LOGI("%s: the %s transformation between \"%s\" and \"%s\" is not applied: "
                 "calibrated in \"%s\", the image's own coordinate system", where,
                 type ? type : "untyped", intrinsic, other ? other : "?", intrinsic);
        if (type && strcmp(type, "scale") != 0 && strcmp(type, "translation") != 0 &&
            strcmp(type, "identity") != 0 && strcmp(type, "sequence") != 0)
            OME_LOGW("%s: a \"%s\" transformation to \"%s\" is left out of the calibration",
                     where, type, other ? other : "?");
    }
    for (int a = 0; a < m->naxes; a++)
        m->top_scale[a] = 1;
    return OME_OK;
}

int ome_ngff_parse_multiscales(json_t *attrs, const char *where, ome_ngff_multiscale *m,
                               ome_err *err)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(attrs))
        return ome_err_set(err, OME_EINVAL, "%s: attributes are not a JSON object", where);
    attrs = ome_ngff_attrs(attrs);
    json_t *list = json_object_get(attrs, "multiscales");
    if (!list && (json_object_get(attrs, "plate") || json_object_get(attrs, "well") ||
                  json_object_get(attrs, "bioformats2raw.layout")))
        return ome_err_set(err, OME_EINVAL, "%s: a %s, not an image (mount it on its own)", where,
                           json_object_get(attrs, "plate")  ? "plate"
                           : json_object_get(attrs, "well") ? "well"
                                                            : "bioformats2raw collection");
    if (!list)
        return ome_err_set(err, OME_EINVAL, "%s: no \"multiscales\" (not an OME-NGFF image)",
                           where);
    if (!json_is_array(list) || json_array_size(list) == 0)
        return ome_err_set(err, OME_EINVAL, "%s: \"multiscales\" is not a non-empty list", where);
    json_t *ms = json_array_get(list, 0);
    if (!json_is_object(ms))
        return ome_err_set(err, OME_EINVAL, "%s: multiscales[0] is not an object", where);
    json_t *ver = json_object_get(ms, "version");
    if (!ver)
        ver = json_object_get(attrs, "version"); /* 0.5 keeps it beside multiscales */
    if (ver && !json_is_string(ver))
        return ome_err_set(err, OME_EINVAL, "%s: \"version\" is not a string", where);
    snprintf(m->version, sizeof m->version, "%s", ver ? json_string_value(ver) : "");
    json_t *name = json_object_get(ms, "name");
    if (json_is_string(name) && !(m->name = strdup(json_string_value(name))))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    bool v06 = json_object_get(ms, "coordinateSystems") != NULL;
    int rc = OME_OK;
    if (!v06 && strncmp(m->version, "0.6", 3) == 0 && !json_object_get(ms, "axes"))
        rc = ome_err_set(err, OME_EINVAL, "%s: OME-Zarr %s without \"coordinateSystems\" (the "
                         "image's axes)", where, m->version);
    else if (!v06)
        rc = parse_axes(json_object_get(ms, "axes"), m, where, err);
    if (rc)
        goto fail;
    json_t *ds = json_object_get(ms, "datasets");
    if (!json_is_array(ds) || json_array_size(ds) == 0) {
        rc = ome_err_set(err, OME_EINVAL, "%s: \"datasets\" is missing or empty", where);
        goto fail;
    }
    if (json_array_size(ds) > 64) {
        rc = ome_err_set(err, OME_ERANGE, "%s: %zu datasets (at most 64)", where,
                         json_array_size(ds));
        goto fail;
    }
    m->datasets = calloc(json_array_size(ds), sizeof *m->datasets);
    if (!m->datasets) {
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        goto fail;
    }
    size_t i;
    json_t *d;
    json_array_foreach(ds, i, d) {
        ome_ngff_dataset *dst = &m->datasets[i];
        m->ndatasets = (int)i + 1;
        const char *path = json_string_value(json_object_get(d, "path"));
        if (!path || !path[0]) {
            rc = ome_err_set(err, OME_EINVAL, "%s: datasets[%zu] has no \"path\"", where, i);
            goto fail;
        }
        if (!ome_key_is_inside(path, strlen(path))) {
            rc = ome_err_set(err, OME_EINVAL, "%s: datasets[%zu].path \"%s\" leaves the image",
                             where, i, path);
            goto fail;
        }
        if (!(dst->path = strdup(path))) {
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
            goto fail;
        }
        if (v06)
            continue; /* its transformation once the axes are known */
        char what[64];
        snprintf(what, sizeof what, "datasets[%zu]", i);
        json_t *ct = json_object_get(d, "coordinateTransformations");
        if ((rc = parse_transforms(ct, m->naxes, dst->scale, &dst->has_scale, dst->translation,
                                   &dst->has_translation, what, where, err)))
            goto fail;
        if (ct && !dst->has_scale) {
            rc = ome_err_set(err, OME_EINVAL, "%s: %s has transformations but no scale", where,
                             what);
            goto fail;
        }
    }
    if (v06) {
        if ((rc = parse_multiscale06(ms, m, where, err)))
            goto fail;
        return OME_OK;
    }
    bool s, t;
    if ((rc = parse_transforms(json_object_get(ms, "coordinateTransformations"), m->naxes,
                               m->top_scale, &s, m->top_translation, &t, "multiscale", where,
                               err)))
        goto fail;
    return OME_OK;
fail:
    ome_ngff_multiscale_free(m);
    return rc;
}

void ome_ngff_multiscale_free(ome_ngff_multiscale *m)
{
    for (int i = 0; i < m->ndatasets; i++)
        free(m->datasets[i].path);
    free(m->datasets);
    free(m->name);
    memset(m, 0, sizeof *m);
}

static bool parse_hex_color(const char *s, uint32_t *rgb)
{
    if (!s || strlen(s) != 6 || strspn(s, "0123456789abcdefABCDEF") != 6) /* not " 0xFFF" */
        return false;
    char *end;
    unsigned long v = strtoul(s, &end, 16);
    if (*end)
        return false;
    *rgb = (uint32_t)v;
    return true;
}

int ome_ngff_parse_omero(json_t *attrs, const char *where, ome_channel_meta **out, int *n,
                         ome_err *err)
{
    *out = NULL;
    *n = 0;
    json_t *omero = json_object_get(ome_ngff_attrs(attrs), "omero");
    json_t *chs = json_object_get(omero, "channels");
    if (!json_is_array(chs) || json_array_size(chs) == 0)
        return OME_OK;
    size_t count = json_array_size(chs);
    if (count > 100000) {
        OME_LOGW("%s: ignoring omero.channels with %zu entries", where, count);
        return OME_OK;
    }
    ome_channel_meta *c = calloc(count, sizeof *c);
    if (!c)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        json_t *ch = json_array_get(chs, i);
        c[i].active = true;
        if (!json_is_object(ch)) {
            OME_LOGW("%s: omero.channels[%zu] is not an object; ignored", where, i);
            continue;
        }
        const char *label = json_string_value(json_object_get(ch, "label"));
        if (label && !(c[i].label = strdup(label))) {
            ome_channel_meta_free(c, (int)count);
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        }
        json_t *color = json_object_get(ch, "color");
        if (color) {
            c[i].has_color = parse_hex_color(json_string_value(color), &c[i].rgb);
            if (!c[i].has_color)
                OME_LOGW("%s: omero.channels[%zu].color is not RRGGBB; ignored", where, i);
        }
        json_t *active = json_object_get(ch, "active");
        if (json_is_boolean(active))
            c[i].active = json_is_true(active);
        json_t *w = json_object_get(ch, "window");
        json_t *ws = json_object_get(w, "start"), *we = json_object_get(w, "end");
        if (json_is_number(ws) && json_is_number(we)) {
            c[i].has_window = true;
            c[i].start = json_number_value(ws);
            c[i].end = json_number_value(we);
            json_t *wmin = json_object_get(w, "min"), *wmax = json_object_get(w, "max");
            c[i].min = json_is_number(wmin) ? json_number_value(wmin) : c[i].start;
            c[i].max = json_is_number(wmax) ? json_number_value(wmax) : c[i].end;
        }
    }
    *out = c;
    *n = (int)count;
    return OME_OK;
}

void ome_channel_meta_free(ome_channel_meta *c, int n)
{
    if (!c)
        return;
    for (int i = 0; i < n; i++)
        free(c[i].label);
    free(c);
}

const char *ome_ngff_omero_name(json_t *attrs)
{
    const char *name =
        json_string_value(json_object_get(json_object_get(ome_ngff_attrs(attrs), "omero"), "name"));
    return name && name[0] ? name : NULL;
}
