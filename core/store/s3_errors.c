/* s3_errors: S3's error documents (<Error><Code>…</Code>…</Error>) turned into messages that
 * say what is wrong — access denied, no such bucket, a bucket in another region. */
#include "store/s3_errors.h"

#include "base/mem_find.h"

#include <stdio.h>
#include <string.h>

/* True when the S3 error document in the body has this <Code>. */
bool ome_s3_code_is(const ome_store_req *r, const char *code)
{
    char tag[96];
    snprintf(tag, sizeof tag, "<Code>%s</Code>", code);
    return r->body.len && ome_mem_find(r->body.data, r->body.len, tag, strlen(tag)) != NULL;
}

/* The text of <Tag>…</Tag> in the body, or "". */
static void s3_field(const ome_store_req *r, const char *tag, char *out, size_t outlen)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = '\0';
    const char *b =
        r->body.len ? ome_mem_find(r->body.data, r->body.len, open, strlen(open)) : NULL;
    if (!b)
        return;
    b += strlen(open);
    const char *e = ome_mem_find(b, r->body.len - (size_t)(b - (const char *)r->body.data), close,
                           strlen(close));
    size_t n = e ? (size_t)(e - b) : 0;
    n = n < outlen - 1 ? n : outlen - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

bool ome_s3_explain(ome_store_req *r, long code, const char *shown, const char *bucket_region,
                    bool is_signed)
{
    char region[64] = "", s3code[64];
    s3_field(r, "Code", s3code, sizeof s3code);
    s3_field(r, "Region", region, sizeof region);
    if (!region[0])
        snprintf(region, sizeof region, "%s", bucket_region ? bucket_region : "");
    if (code == 301 || strcmp(s3code, "PermanentRedirect") == 0 ||
        strcmp(s3code, "AuthorizationHeaderMalformed") == 0 ||
        strcmp(s3code, "IllegalLocationConstraintException") == 0) {
        r->status = ome_err_set(&r->err, OME_EINVAL, "%s: wrong region%s%s%s", shown,
                                region[0] ? ": the bucket is in " : "", region,
                                region[0] ? " (pass region=that)" : " (pass region=)");
        return true;
    }
    if (code == 401 || code == 403) {
        r->status = ome_err_set(&r->err, OME_EDENIED, "%s: access denied (%s)%s", shown,
                                s3code[0] ? s3code : "HTTP 403",
                                is_signed ? ""
                                                    : "; anonymous request: give credentials");
        return true;
    }
    return false;
}

