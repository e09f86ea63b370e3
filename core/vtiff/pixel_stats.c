/* pixel_stats: a histogram or a sorted array behind the percentiles of a plane's pixels. */
#include "vtiff/pixel_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double ome_pixel_value(const uint8_t *p, ome_dtype t)
{
    switch (t) {
    case OME_DT_U8: return *p;
    case OME_DT_I8: return (int8_t)*p;
#define AS(T) { T v; memcpy(&v, p, sizeof v); return (double)v; }
    case OME_DT_U16: AS(uint16_t)
    case OME_DT_I16: AS(int16_t)
    case OME_DT_U32: AS(uint32_t)
    case OME_DT_I32: AS(int32_t)
    case OME_DT_U64: AS(uint64_t)
    case OME_DT_I64: AS(int64_t)
    case OME_DT_F32: AS(float)
    case OME_DT_F64: AS(double)
#undef AS
    default: return 0;
    }
}

int ome_pixel_stats_init(ome_pixel_stats *s, ome_dtype dtype, ome_err *err)
{
    memset(s, 0, sizeof *s);
    s->dtype = dtype;
    switch (dtype) {
    case OME_DT_U8: s->nbins = 256; break;
    case OME_DT_I8: s->nbins = 256, s->lowest = -128; break;
    case OME_DT_U16: s->nbins = 65536; break;
    case OME_DT_I16: s->nbins = 65536, s->lowest = -32768; break;
    default: return OME_OK;
    }
    s->hist = calloc(s->nbins, sizeof *s->hist);
    return s->hist ? OME_OK : ome_err_set(err, OME_ENOMEM, "out of memory");
}

int ome_pixel_stats_add(ome_pixel_stats *s, const uint8_t *px, size_t n, ome_err *err)
{
    size_t es = ome_dtype_size(s->dtype);
    if (s->hist) {
        for (size_t i = 0; i < n; i++)
            s->hist[(size_t)(ome_pixel_value(px + i * es, s->dtype) - s->lowest)]++;
        s->n += n;
        return OME_OK;
    }
    if (s->n + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->n + n)
            cap *= 2;
        double *v = realloc(s->vals, cap * sizeof *v);
        if (!v)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        s->vals = v, s->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        double x = ome_pixel_value(px + i * es, s->dtype);
        if (!isnan(x))
            s->vals[s->n++] = x;
    }
    return OME_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The value of rank r (0-based) in sorted order. */
static double at_rank(const ome_pixel_stats *s, size_t r)
{
    if (!s->hist)
        return s->vals[r];
    uint64_t seen = 0;
    for (size_t b = 0; b < s->nbins; b++) {
        seen += s->hist[b];
        if (seen > r)
            return s->lowest + (double)b;
    }
    return s->lowest + (double)(s->nbins - 1);
}

double ome_pixel_stats_percentile(ome_pixel_stats *s, double q)
{
    if (s->n == 0)
        return 0;
    if (!s->hist)
        qsort(s->vals, s->n, sizeof *s->vals, cmp_double);
    double at = q / 100.0 * (double)(s->n - 1);
    size_t lo = (size_t)floor(at), hi = lo + 1 < s->n ? lo + 1 : lo;
    double a = at_rank(s, lo), b = at_rank(s, hi);
    return a + (b - a) * (at - (double)lo);
}

void ome_pixel_stats_free(ome_pixel_stats *s)
{
    free(s->hist);
    free(s->vals);
    memset(s, 0, sizeof *s);
}
