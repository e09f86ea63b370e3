/* pixel_stats: percentiles of a plane's pixels fed band by band — exact, from a histogram for
 * 8- and 16-bit integers (fixed memory), from every value sorted for other types; NaNs left
 * out. What a preview's display window is where the metadata gives none. */
#ifndef OME_PIXEL_STATS_H
#define OME_PIXEL_STATS_H

#include "base/err.h"
#include "zarr/dtype.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ome_pixel_stats {
    ome_dtype dtype;
    uint64_t *hist;    /* 8/16-bit integers: counts by value - lowest */
    size_t nbins;
    double lowest;
    double *vals;      /* other types: the values so far */
    size_t n, cap;
} ome_pixel_stats;

int ome_pixel_stats_init(ome_pixel_stats *s, ome_dtype dtype, ome_err *err);
/* Adds n pixels (native byte order). */
int ome_pixel_stats_add(ome_pixel_stats *s, const uint8_t *px, size_t n, ome_err *err);
/* Percentile q (0..100), linear between the two nearest ranks (numpy's default); 0 with no
 * pixels. Sorts what it holds (not thread-safe with add). */
double ome_pixel_stats_percentile(ome_pixel_stats *s, double q);
void ome_pixel_stats_free(ome_pixel_stats *s);
/* A pixel as a double. */
double ome_pixel_value(const uint8_t *p, ome_dtype t);

#endif
