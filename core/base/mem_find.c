/* mem_find: memchr for the first byte, memcmp for the rest. */
#include "base/mem_find.h"

#include <string.h>

const void *ome_mem_find(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    const unsigned char *h = hay, *end = h + hlen, *n = needle;
    while (hlen >= nlen) {
        const unsigned char *p = memchr(h, n[0], hlen - nlen + 1);
        if (!p)
            return NULL;
        if (memcmp(p, n, nlen) == 0)
            return p;
        h = p + 1;
        hlen = (size_t)(end - h);
    }
    return NULL;
}
