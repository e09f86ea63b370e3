/* key: joining store keys, names that fit a folder, checked multiplication. */
#include "base/key.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>

bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

bool ome_key_is_inside(const char *key, size_t len)
{
    if (memchr(key, '\0', len) || (len && key[0] == '/'))
        return false;
    for (size_t i = 0; i < len;) {
        size_t seg = 0;
        while (i + seg < len && key[i + seg] != '/')
            seg++;
        if ((seg == 1 && key[i] == '.') || (seg == 2 && key[i] == '.' && key[i + 1] == '.'))
            return false;
        i += seg + 1;
    }
    return true;
}

void ome_name_fit(char *out, size_t outlen, const char *name, size_t max)
{
    size_t len = strlen(name);
    if (max >= outlen)
        max = outlen - 1;
    if (len <= max) {
        memcpy(out, name, len + 1);
        return;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    size_t keep = max > 9 ? max - 9 : 0;
    while (keep > 0 && ((uint8_t)name[keep] & 0xC0) == 0x80) /* not inside a character */
        keep--;
    memcpy(out, name, keep);
    snprintf(out + keep, outlen - keep, "~%08x", (unsigned)h);
}

bool ome_key_name_ok(const char *name, size_t len)
{
    return len > 0 && !memchr(name, '/', len) && !memchr(name, '\0', len) &&
           !(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.');
}

int ome_key_join(char *out, size_t outlen, const char *a, const char *b, ome_err *err)
{
    int n;
    if (!a[0])
        n = snprintf(out, outlen, "%s", b);
    else if (!b[0])
        n = snprintf(out, outlen, "%s", a);
    else
        n = snprintf(out, outlen, "%s/%s", a, b);
    if (n >= 0 && (size_t)n < outlen)
        return OME_OK;
    if (outlen)
        out[0] = '\0';
    if (!err)
        return OME_ERANGE;
    return ome_err_set(err, OME_ERANGE, "the key %.80s.../%.80s is %d bytes long (at most %zu)", a,
                       b, n, outlen ? outlen - 1 : 0);
}
