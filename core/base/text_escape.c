/* text_escape: control bytes and invalid UTF-8 written out as \xNN (see text_escape.h). */
#include "base/text_escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 character at s (at most n bytes) that is no control: 1 to 4, or
 * 0 when s starts with a byte to escape. */
static size_t char_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0x20 && c < 0x7f)
        return 1;
    size_t len;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1fu, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0fu, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07u, min = 0x10000;
    else
        return 0; /* C0, DEL, a continuation byte, C0/C1 lead bytes (overlong), F5..FF */
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0; /* overlong, beyond Unicode, a surrogate, a C1 control */
    if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2066 && cp <= 0x2069))
        return 0; /* a bidirectional mark, embedding, override or isolate: it reorders what
                   * is shown after it (a name that reads as another) */
    return len;
}

size_t ome_text_escape(const char *s, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < len;) {
        size_t k = char_len(u + i, len - i);
        if (k > 0) {
            if (n + k >= outlen)
                break;
            memcpy(out + n, s + i, k);
            n += k;
            i += k;
            continue;
        }
        /* a C1 control is escaped whole: both of its bytes */
        size_t bytes = u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f ? 2 : 1;
        if (n + 4 * bytes >= outlen)
            break;
        for (size_t b = 0; b < bytes; b++, i++) {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[u[i] >> 4];
            out[n++] = hex[u[i] & 15];
        }
    }
    out[n] = '\0';
    return n;
}

const char *ome_text_shown(const char *s, char *buf, size_t n)
{
    ome_text_escape(s, strlen(s), buf, n);
    return buf;
}

void ome_text_escape_in_place(char *buf, size_t cap)
{
    size_t len = strnlen(buf, cap);
    char small[2048], *copy = len < sizeof small ? small : malloc(len + 1);
    if (!copy) { /* no memory for a copy: cut at the first byte to escape */
        for (size_t i = 0; i < len;) {
            size_t k = char_len((unsigned char *)buf + i, len - i);
            if (k == 0) {
                buf[i] = '\0';
                return;
            }
            i += k;
        }
        return;
    }
    memcpy(copy, buf, len);
    ome_text_escape(copy, len, buf, cap);
    if (copy != small)
        free(copy);
}
