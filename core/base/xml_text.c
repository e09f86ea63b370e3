/* xml_text: XML text with its entities decoded. */
#include "base/xml_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void put_utf8(char *out, size_t *k, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = '?';
    if (cp < 0x80) {
        out[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*k)++] = (char)(0xC0 | (cp >> 6));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*k)++] = (char)(0xE0 | (cp >> 12));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*k)++] = (char)(0xF0 | (cp >> 18));
        out[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

size_t ome_xml_char_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80)
        return u[0] >= 0x20 || u[0] == '\t' || u[0] == '\n' || u[0] == '\r' ? 1 : 0;
    size_t n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (n == 0 || u[0] > 0xF4)
        return 0;
    unsigned long cp = u[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = cp << 6 | (u[i] & 0x3F);
    }
    static const unsigned long least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return n;
}

char *ome_xml_text(const char *v, size_t len, size_t max)
{
    char *out = malloc(max + 8);
    if (!out)
        return NULL;
    static const struct { const char *ent; char c; } named[] = {
        {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    size_t k = 0;
    for (size_t i = 0; i < len && k < max;) {
        if (v[i] != '&') {
            out[k++] = v[i++];
            continue;
        }
        size_t rest = len - i - 1;
        const char *e = v + i + 1;
        bool done = false;
        for (size_t j = 0; j < sizeof named / sizeof *named && !done; j++) {
            size_t el = strlen(named[j].ent);
            if (rest >= el && memcmp(e, named[j].ent, el) == 0) {
                out[k++] = named[j].c;
                i += 1 + el;
                done = true;
            }
        }
        if (!done && rest >= 3 && e[0] == '#') {
            bool hex = e[1] == 'x' || e[1] == 'X';
            size_t d = hex ? 2 : 1;
            unsigned long cp = 0;
            size_t digits = 0;
            while (d < rest && digits < 8 && e[d] &&
                   strchr(hex ? "0123456789abcdefABCDEF" : "0123456789", e[d])) {
                char c = e[d];
                cp = cp * (hex ? 16 : 10) +
                     (unsigned long)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                d++, digits++;
            }
            if (digits && d < rest && e[d] == ';') {
                put_utf8(out, &k, cp);
                i += 1 + d + 1;
                done = true;
            }
        }
        if (!done)
            out[k++] = v[i++];
    }
    out[k] = '\0';
    return out;
}
