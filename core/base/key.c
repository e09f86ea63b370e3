/* key: joining store keys, checked multiplication. */
#include "base/key.h"

#include <stdio.h>

bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

void ome_key_join(char *out, size_t outlen, const char *a, const char *b)
{
    if (!a[0])
        snprintf(out, outlen, "%s", b);
    else if (!b[0])
        snprintf(out, outlen, "%s", a);
    else
        snprintf(out, outlen, "%s/%s", a, b);
}
