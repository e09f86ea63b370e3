/* s3_list: reading ListObjectsV2 pages. */
#include "store/s3_list.h"

#include "store/store_backend.h"
#include "store/store_zip.h"
#include "base/mem_find.h"
#include "base/url.h"
#include "base/xml_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY_BYTES 4096

/* The text of the first <tag>…</tag> in [p, end), or NULL; *next is set past it. */
static const char *element(const char *p, const char *end, const char *tag, size_t *len,
                           const char **next)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    size_t ol = strlen(open), cl = strlen(close);
    const char *s = ome_mem_find(p, (size_t)(end - p), open, ol);
    if (!s)
        return NULL;
    s += ol;
    const char *e = ome_mem_find(s, (size_t)(end - s), close, cl);
    if (!e)
        return NULL;
    *len = (size_t)(e - s);
    if (next)
        *next = e + cl;
    return s;
}

int ome_s3_list_parse(const char *xml, size_t len, const char *prefix, const char *where,
                      char ***names, int *n, bool *truncated, char *token, size_t toklen,
                      ome_err *err)
{
    const char *end = xml + len;
    *truncated = false;
    if (toklen)
        token[0] = '\0';
    if (!ome_mem_find(xml, len, "<ListBucketResult", 17))
        return ome_err_set(err, OME_EINVAL, "%s: not an S3 listing (ListBucketResult)", where);
    size_t plen = strlen(prefix), l;
    const char *p = xml, *next;
    const char *block;
    while ((block = element(p, end, "CommonPrefixes", &l, &next))) {
        size_t kl;
        const char *k = element(block, block + l, "Prefix", &kl, NULL);
        p = next;
        char *key = k ? ome_xml_text(k, kl, MAX_KEY_BYTES) : NULL;
        if (!k)
            continue;
        if (!key)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        size_t klen = strlen(key);
        /* "dir/a.zarr/" under "dir/": the name between, one level, not empty */
        if (klen > plen + 1 && strncmp(key, prefix, plen) == 0 && key[klen - 1] == '/' &&
            !memchr(key + plen, '/', klen - plen - 1)) {
            int rc = ome_store_names_add(names, n, key + plen, klen - plen - 1, err);
            if (rc) {
                free(key);
                return rc;
            }
        }
        free(key);
    }
    /* zipped OME-Zarr objects directly under the prefix: listed as folders are */
    for (p = xml; (block = element(p, end, "Contents", &l, &next)); p = next) {
        size_t kl;
        const char *k = element(block, block + l, "Key", &kl, NULL);
        char *key = k ? ome_xml_text(k, kl, MAX_KEY_BYTES) : NULL;
        if (k && !key)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        size_t klen = key ? strlen(key) : 0;
        if (key && klen > plen && strncmp(key, prefix, plen) == 0 &&
            !memchr(key + plen, '/', klen - plen) && ome_store_zip_name(key + plen, klen - plen)) {
            int rc = ome_store_names_add(names, n, key + plen, klen - plen, err);
            if (rc) {
                free(key);
                return rc;
            }
        }
        free(key);
    }
    const char *t = element(xml, end, "IsTruncated", &l, NULL);
    *truncated = t && l == 4 && memcmp(t, "true", 4) == 0;
    t = element(xml, end, "NextContinuationToken", &l, NULL);
    if (*truncated) {
        char *tok = t ? ome_xml_text(t, l, MAX_KEY_BYTES) : NULL;
        if (!tok || !tok[0] || strlen(tok) >= toklen) {
            free(tok);
            return ome_err_set(err, OME_EINVAL, "%s: a truncated listing without a usable "
                                                "continuation token", where);
        }
        snprintf(token, toklen, "%s", tok);
        free(tok);
    }
    return OME_OK;
}

void ome_s3_query_encode(const char *s, char *out, size_t outlen)
{
    ome_percent_encode(s, strlen(s), "-._~", out, outlen);
}
