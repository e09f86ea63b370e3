/* vtiff_ifd: builds TIFF and BigTIFF IFDs (little-endian) for the virtual TIFF layouts. */
#include "vtiff/vtiff_layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t vt_type_size(uint16_t type)
{
    switch (type) {
    case TT_BYTE: case TT_ASCII: return 1;
    case TT_SHORT: return 2;
    case TT_LONG: return 4;
    case TT_RATIONAL: case TT_LONG8: case TT_IFD8: return 8;
    default: return 1;
    }
}

void vt_put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void vt_ifd_init(vt_ifd *ifd, bool big)
{
    memset(ifd, 0, sizeof *ifd);
    ifd->big = big;
}

void vt_ifd_free(vt_ifd *ifd)
{
    for (int i = 0; i < ifd->n; i++)
        free(ifd->e[i].data);
    ifd->n = 0;
}

static vt_entry *add(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t count, size_t bytes)
{
    if (ifd->n >= 32)
        abort(); /* layouts use a fixed, small set of tags */
    int i = ifd->n++;
    while (i > 0 && ifd->e[i - 1].tag > tag) { /* keep sorted by tag */
        ifd->e[i] = ifd->e[i - 1];
        i--;
    }
    vt_entry *e = &ifd->e[i];
    memset(e, 0, sizeof *e);
    e->tag = tag;
    e->type = type;
    e->count = count;
    if (bytes) {
        e->data = calloc(1, bytes);
        if (!e->data)
            abort();
    }
    return e;
}

void vt_ifd_uint(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t v)
{
    vt_entry *e = add(ifd, tag, type, 1, vt_type_size(type));
    vt_put_le(e->data, v, (int)vt_type_size(type));
}

/* The fraction num/den (both at most 2^32 - 1) nearest to v > 0, from v's continued fraction:
 * its last convergent that fits, exact to ~1e-18 relative for the sizes images have (65 nm is
 * 13/200 µm, 1/0.065 is 200/13). */
static void nearest_fraction(double v, uint32_t *num, uint32_t *den)
{
    uint64_t h0 = 0, h1 = 1, k0 = 1, k1 = 0; /* convergents h/k */
    double x = v;
    for (int i = 0; i < 64; i++) {
        double a = floor(x);
        if (a > 4294967295.0)
            break;
        uint64_t ai = (uint64_t)a, h2, k2;
        if (__builtin_mul_overflow(ai, h1, &h2) || (h2 += h0) > UINT32_MAX ||
            __builtin_mul_overflow(ai, k1, &k2) || (k2 += k0) > UINT32_MAX)
            break;
        h0 = h1, h1 = h2, k0 = k1, k1 = k2;
        double frac = x - a;
        if (frac <= 0 || fabs((double)h1 / (double)k1 - v) <= v * 1e-15)
            break;
        x = 1 / frac;
    }
    if (k1 == 0 || h1 == 0) { /* beyond what 32 bits hold: the nearest bound */
        h1 = v >= 1 ? UINT32_MAX : 1;
        k1 = v >= 1 ? 1 : UINT32_MAX;
    }
    *num = (uint32_t)h1;
    *den = (uint32_t)k1;
}

void vt_ifd_rational(vt_ifd *ifd, uint16_t tag, double v)
{
    vt_entry *e = add(ifd, tag, TT_RATIONAL, 1, 8);
    if (!(v > 0) || !isfinite(v))
        v = 1;
    uint32_t num, den;
    nearest_fraction(v, &num, &den);
    vt_put_le(e->data, num, 4);
    vt_put_le(e->data + 4, den, 4);
}

void vt_ifd_ascii(vt_ifd *ifd, uint16_t tag, const char *s)
{
    size_t n = strlen(s) + 1;
    vt_entry *e = add(ifd, tag, TT_ASCII, n, n);
    memcpy(e->data, s, n);
}

void vt_ifd_bytes(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t count, const void *le)
{
    vt_entry *e = add(ifd, tag, type, count, (size_t)count * vt_type_size(type));
    memcpy(e->data, le, (size_t)count * vt_type_size(type));
}

void vt_ifd_external(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t count, uint64_t off)
{
    vt_entry *e = add(ifd, tag, type, count, 0);
    e->external = off;
}

static size_t inline_cap(const vt_ifd *ifd) { return ifd->big ? 8 : 4; }

static size_t entry_bytes(const vt_entry *e) { return (size_t)e->count * vt_type_size(e->type); }

static size_t ifd_core_size(const vt_ifd *ifd)
{
    return ifd->big ? 8 + 20 * (size_t)ifd->n + 8 : 2 + 12 * (size_t)ifd->n + 4;
}

size_t vt_ifd_size(const vt_ifd *ifd)
{
    size_t n = ifd_core_size(ifd);
    for (int i = 0; i < ifd->n; i++) {
        size_t b = entry_bytes(&ifd->e[i]);
        if (ifd->e[i].data && b > inline_cap(ifd))
            n += (b + 1) & ~(size_t)1; /* word-aligned */
    }
    return n;
}

size_t vt_ifd_value_pos(const vt_ifd *ifd, uint16_t tag)
{
    if (tag == 0)
        return ifd_core_size(ifd) - (ifd->big ? 8 : 4);
    for (int i = 0; i < ifd->n; i++)
        if (ifd->e[i].tag == tag)
            return ifd->big ? 8 + 20 * (size_t)i + 12 : 2 + 12 * (size_t)i + 8;
    return 0;
}

size_t vt_ifd_write(const vt_ifd *ifd, uint64_t at, uint64_t next, uint8_t *out)
{
    int osz = ifd->big ? 8 : 4;
    size_t core = ifd_core_size(ifd), extra = core;
    uint8_t *p = out;
    if (ifd->big) {
        vt_put_le(p, (uint64_t)ifd->n, 8);
        p += 8;
    } else {
        vt_put_le(p, (uint64_t)ifd->n, 2);
        p += 2;
    }
    for (int i = 0; i < ifd->n; i++) {
        const vt_entry *e = &ifd->e[i];
        vt_put_le(p, e->tag, 2);
        vt_put_le(p + 2, e->type, 2);
        vt_put_le(p + 4, e->count, ifd->big ? 8 : 4);
        uint8_t *val = p + (ifd->big ? 12 : 8);
        memset(val, 0, (size_t)osz);
        size_t b = entry_bytes(e);
        if (!e->data) {
            vt_put_le(val, e->external, osz);
        } else if (b <= inline_cap(ifd)) {
            memcpy(val, e->data, b);
        } else {
            memcpy(out + extra, e->data, b);
            if (b & 1)
                out[extra + b] = 0;
            vt_put_le(val, at + extra, osz);
            extra += (b + 1) & ~(size_t)1;
        }
        p += ifd->big ? 20 : 12;
    }
    vt_put_le(p, next, osz);
    return extra;
}
