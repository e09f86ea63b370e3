/* key: joining store keys, checked multiplication. */
#include "base/key.h"

#include "base/err.h"

#include <stdio.h>

bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
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
