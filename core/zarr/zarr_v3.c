/* zarr_v3: Zarr v3 array metadata (zarr.json) into the same ome_zarr_array as v2: data type
 * names, the regular chunk grid, chunk key encodings ("default" with "/" or ".", and "v2"),
 * fill values, and the codec chain — transpose (any permutation), bytes (endianness), then
 * blosc, gzip, zstd and crc32c — and sharding_indexed, whose inner chunks become the array's
 * chunks (zarr_shard.c reads them). */
#include "zarr/zarr_v3.h"

#include "base/key.h"
#include "zarr/shard_index_cache.h"

#include <jansson.h>

#include <string.h>

static int parse_chunk_grid(json_t *grid, ome_zarr_array *a, const char *where, ome_err *err)
{
    const char *name = json_string_value(json_object_get(grid, "name"));
    if (!name || strcmp(name, "regular") != 0)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: chunk grid \"%s\" is not supported", where,
                           name ? name : "?");
    int n = 0;
    int rc = ome_zarr_parse_dims(
        json_object_get(json_object_get(grid, "configuration"), "chunk_shape"), "chunk_shape",
        a->chunks, &n, true, where, err);
    if (rc == OME_OK && n != a->ndim)
        rc = ome_err_set(err, OME_EINVAL, "%s: chunk_shape has %d dimensions but shape has %d",
                         where, n, a->ndim);
    return rc;
}

static int parse_key_encoding(json_t *enc, ome_zarr_array *a, const char *where, ome_err *err)
{
    const char *name = enc ? json_string_value(json_object_get(enc, "name")) : "default";
    if (!name || (strcmp(name, "default") && strcmp(name, "v2")))
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: chunk key encoding \"%s\"", where,
                           name ? name : "?");
    bool v2 = strcmp(name, "v2") == 0;
    a->key_prefix_c = !v2;
    a->separator = v2 ? '.' : '/';
    json_t *sep = json_object_get(json_object_get(enc, "configuration"), "separator");
    if (sep) {
        const char *s = json_string_value(sep);
        if (!s || (strcmp(s, "/") && strcmp(s, ".")))
            return ome_err_set(err, OME_EINVAL, "%s: chunk key separator must be \"/\" or \".\"",
                               where);
        a->separator = s[0];
    }
    return OME_OK;
}

/* transpose: any permutation of the axes. Several in a row compose: after the first, stored
 * axis k is array axis perm[k]; a next order o makes stored axis j the former axis o[j]. */
static int parse_transpose(json_t *config, ome_zarr_array *a, const char *where, ome_err *err)
{
    json_t *order = json_object_get(config, "order");
    if (!json_is_array(order) || (int)json_array_size(order) != a->ndim)
        return ome_err_set(err, OME_EINVAL, "%s: transpose order must list %d dimensions", where,
                           a->ndim);
    bool seen[OME_ZARR_MAX_DIMS] = {false}, identity = true;
    int before[OME_ZARR_MAX_DIMS];
    for (int k = 0; k < a->ndim; k++)
        before[k] = a->transposed ? a->perm[k] : k;
    for (int k = 0; k < a->ndim; k++) {
        json_t *v = json_array_get(order, (size_t)k);
        json_int_t d = json_integer_value(v);
        if (!json_is_integer(v) || d < 0 || d >= a->ndim || seen[d])
            return ome_err_set(err, OME_EINVAL, "%s: transpose order is not a permutation",
                               where);
        seen[d] = true;
        a->perm[k] = before[d];
        identity &= a->perm[k] == k;
    }
    a->transposed = !identity;
    return OME_OK;
}

static int parse_sharding(json_t *config, ome_zarr_array *a, const char *where, ome_err *err);

static int parse_codecs(json_t *codecs, ome_zarr_array *a, const char *where, ome_err *err)
{
    if (!json_is_array(codecs) || json_array_size(codecs) == 0)
        return ome_err_set(err, OME_EINVAL, "%s: \"codecs\" is missing or empty", where);
    bool seen_bytes = false;
    size_t i;
    json_t *c;
    json_array_foreach(codecs, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *config = json_object_get(c, "configuration");
        if (!name)
            return ome_err_set(err, OME_EINVAL, "%s: codec %zu has no name", where, i);
        if (strcmp(name, "sharding_indexed") == 0) {
            if (a->sharded || json_array_size(codecs) != 1)
                return ome_err_set(err, OME_EUNSUPPORTED,
                                   "%s: sharding_indexed must be the only codec (nested or "
                                   "followed by others is not supported)",
                                   where);
            return parse_sharding(config, a, where, err);
        }
        if (strcmp(name, "transpose") == 0) {
            if (seen_bytes)
                return ome_err_set(err, OME_EINVAL, "%s: transpose after the bytes codec", where);
            int rc = parse_transpose(config, a, where, err);
            if (rc)
                return rc;
        } else if (strcmp(name, "bytes") == 0) {
            const char *endian = json_string_value(json_object_get(config, "endian"));
            if (endian && strcmp(endian, "big") && strcmp(endian, "little"))
                return ome_err_set(err, OME_EINVAL, "%s: bytes endian \"%s\"", where, endian);
            if (!endian && ome_dtype_size(a->dtype) > 1)
                return ome_err_set(err, OME_EINVAL, "%s: bytes codec needs an endian", where);
            a->big_endian = endian && strcmp(endian, "big") == 0;
            seen_bytes = true;
        } else {
            if (!seen_bytes)
                return ome_err_set(err, OME_EINVAL, "%s: codec \"%s\" before the bytes codec",
                                   where, name);
            if (a->ncodecs == OME_ZARR_MAX_CODECS)
                return ome_err_set(err, OME_ERANGE, "%s: too many codecs", where);
            int rc = ome_codec_from_v3(name, config, &a->codecs[a->ncodecs], where, err);
            if (rc)
                return rc;
            a->ncodecs++;
        }
    }
    if (!seen_bytes)
        return ome_err_set(err, OME_EINVAL, "%s: no bytes codec", where);
    /* decoding runs from the last codec to the first: keep them in encoding order */
    return OME_OK;
}

/* index_codecs: bytes (either endian), optionally crc32c. */
static int parse_index_codecs(json_t *codecs, ome_zarr_array *a, const char *where, ome_err *err)
{
    size_t n = json_array_size(codecs);
    const char *first = json_string_value(json_object_get(json_array_get(codecs, 0), "name"));
    const char *second = json_string_value(json_object_get(json_array_get(codecs, 1), "name"));
    if (!json_is_array(codecs) || n < 1 || n > 2 || !first || strcmp(first, "bytes") ||
        (n == 2 && (!second || strcmp(second, "crc32c"))))
        return ome_err_set(err, OME_EUNSUPPORTED,
                           "%s: shard index_codecs other than bytes (+ crc32c)", where);
    const char *endian = json_string_value(
        json_object_get(json_object_get(json_array_get(codecs, 0), "configuration"), "endian"));
    a->index_big_endian = endian && strcmp(endian, "big") == 0;
    a->index_crc32c = n == 2;
    return OME_OK;
}

static int parse_sharding(json_t *config, ome_zarr_array *a, const char *where, ome_err *err)
{
    uint64_t inner[OME_ZARR_MAX_DIMS];
    int n = 0;
    int rc = ome_zarr_parse_dims(json_object_get(config, "chunk_shape"), "chunk_shape", inner, &n,
                                 true, where, err);
    if (rc)
        return rc;
    if (n != a->ndim)
        return ome_err_set(err, OME_EINVAL, "%s: inner chunk_shape has %d dimensions, not %d",
                           where, n, a->ndim);
    uint64_t per_shard = 1;
    for (int d = 0; d < a->ndim; d++) {
        if (a->chunks[d] % inner[d])
            return ome_err_set(err, OME_EINVAL,
                               "%s: inner chunk_shape does not divide the shard shape", where);
        a->shard_inner[d] = a->chunks[d] / inner[d];
        if (!ome_mul_u64(per_shard, a->shard_inner[d], &per_shard) || per_shard > (1u << 20))
            return ome_err_set(err, OME_ERANGE, "%s: more than 2^20 inner chunks per shard",
                               where);
        a->chunks[d] = inner[d];
    }
    a->inner_per_shard = per_shard;
    const char *loc = json_string_value(json_object_get(config, "index_location"));
    if (loc && strcmp(loc, "start") && strcmp(loc, "end"))
        return ome_err_set(err, OME_EINVAL, "%s: index_location \"%s\"", where, loc);
    a->index_at_start = loc && strcmp(loc, "start") == 0;
    json_t *ic = json_object_get(config, "index_codecs");
    if (ic && (rc = parse_index_codecs(ic, a, where, err)))
        return rc;
    if (!ic)
        a->index_crc32c = false;
    a->sharded = true;
    if (!(a->shard_cache = ome_shard_cache_new()))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    return parse_codecs(json_object_get(config, "codecs"), a, where, err);
}

int ome_zarr_array_parse_v3(json_t *doc, const char *path, const char *where,
                            ome_zarr_array **out, ome_err *err)
{
    if (!json_is_object(doc))
        return ome_err_set(err, OME_EINVAL, "%s: not a JSON object", where);
    json_t *fmt = json_object_get(doc, "zarr_format");
    if (!json_is_integer(fmt) || json_integer_value(fmt) != 3)
        return ome_err_set(err, OME_EINVAL, "%s: zarr_format is not 3", where);
    const char *node = json_string_value(json_object_get(doc, "node_type"));
    if (!node || strcmp(node, "array") != 0)
        return ome_err_set(err, OME_EINVAL, "%s: node_type is not \"array\"", where);
    ome_zarr_array *a = ome_zarr_array_new(path, where);
    if (!a)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    a->zarr_format = 3;
    int rc = ome_zarr_parse_dims(json_object_get(doc, "shape"), "shape", a->shape, &a->ndim,
                                 false, where, err);
    const char *dt = json_string_value(json_object_get(doc, "data_type"));
    if (rc == OME_OK && (a->dtype = ome_dtype_parse_v3(dt)) == OME_DT_NONE)
        rc = ome_err_set(err, OME_EUNSUPPORTED, "%s: unsupported data_type \"%s\"", where,
                         dt ? dt : "?");
    if (rc == OME_OK)
        rc = parse_chunk_grid(json_object_get(doc, "chunk_grid"), a, where, err);
    if (rc == OME_OK)
        rc = parse_key_encoding(json_object_get(doc, "chunk_key_encoding"), a, where, err);
    if (rc == OME_OK)
        rc = parse_codecs(json_object_get(doc, "codecs"), a, where, err);
    if (rc == OME_OK)
        rc = ome_zarr_parse_fill(json_object_get(doc, "fill_value"), a->dtype, a->fill, where,
                                 err);
    if (rc == OME_OK)
        rc = ome_zarr_finish_sizes(a, err);
    if (rc) {
        ome_zarr_array_free(a);
        return rc;
    }
    *out = a;
    return OME_OK;
}
