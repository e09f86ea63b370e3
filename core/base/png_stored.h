/* png_stored: an 8-bit RGB PNG whose zlib stream holds only stored (uncompressed) deflate
 * blocks, so its size in bytes follows from its width and height alone. */
#ifndef OME_PNG_STORED_H
#define OME_PNG_STORED_H

#include <stdint.h>

/* The file's size for a w × h image (w, h ≥ 1). */
uint64_t ome_png_stored_size(uint32_t w, uint32_t h);
/* Writes the whole file (ome_png_stored_size bytes) of `rgb` (h rows of w RGB triples) into
 * `out`. */
void ome_png_stored_write(const uint8_t *rgb, uint32_t w, uint32_t h, uint8_t *out);

#endif
