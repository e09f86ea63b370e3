/* vtiff: virtual TIFF files. A layout made from the image description alone (no I/O) gives the
 * exact size and every byte's origin; read() then produces any byte range on demand, gathering
 * pixels only for the bytes asked for. Two layouts: the pyramidal OME-TIFF (vtiff_ome.c) and the
 * ImageJ hyperstack of one level (vtiff_ij.c); and, read the same way, a PNG preview whose size
 * is known as theirs is (preview.c). */
#ifndef OME_VTIFF_H
#define OME_VTIFF_H

#include "image/image.h"

typedef enum { OME_VT_OME = 0, OME_VT_IMAGEJ, OME_VT_PREVIEW } ome_vtiff_kind;

typedef struct ome_vtiff ome_vtiff; /* a layout: vtiff_layout.h */

/* The most the kernel reads ahead of (or, for a memory-mapped page fault, around) what a
 * program reads in an ImageJ file: the mount caps its read-ahead here, and the ImageJ layout
 * puts at least this many bytes of zeros between the header and the first plane and after
 * every plane, so read-ahead past one plane never fetches another's chunks. */
#define OME_VTIFF_READAHEAD (128u * 1024u)

/* The file's size in bytes, which layout it is, and the image it shows. */
/* The ordinal of the pixel block (an OME tile, an ImageJ plane) holding byte off, increasing in
 * file order; UINT64_MAX for bytes that are no pixels (header, IFDs, metadata, the zero gap
 * after a tile or plane). */
uint64_t ome_vtiff_block_of(const ome_vtiff *vt, uint64_t off);
/* Whether [from, to) lies within one block's gap after its pixels (true for from == to). */
bool ome_vtiff_only_gap(const ome_vtiff *vt, uint64_t from, uint64_t to);
/* The pixel bytes [*start, *end) of the block holding byte off; false when off is no pixel. */
bool ome_vtiff_block_span(const ome_vtiff *vt, uint64_t off, uint64_t *start, uint64_t *end);
/* The end of the band of chunk rows behind byte off's pixels (an ImageJ plane's rows from one
 * row of chunks; an OME tile), or of the zero gap after a block that off is in: read-ahead cut
 * there never splits chunks between two batches. UINT64_MAX for other bytes (header, IFDs). */
uint64_t ome_vtiff_band_end(const ome_vtiff *vt, uint64_t off);
uint64_t ome_vtiff_size(const ome_vtiff *vt);
ome_vtiff_kind ome_vtiff_kind_of(const ome_vtiff *vt);
/* The image a file shows: NULL for a picture of several (ome_vtiff_make_picture). */
const ome_image *ome_vtiff_image(const ome_vtiff *vt);
/* Where what the file shows comes from (the image's URL or path), for messages. */
const char *ome_vtiff_where(const ome_vtiff *vt);

/* OME-TIFF layout of the whole image. */
int ome_vtiff_make_ome(const ome_image *img, ome_vtiff **out, ome_err *err);
/* ImageJ hyperstack of one level. Returns OME_EUNSUPPORTED (with the reason) when ImageJ cannot
 * hold this level (64-bit integers, a plane over 2^31-1 pixels). */
int ome_vtiff_make_imagej(const ome_image *img, int level, ome_vtiff **out, ome_err *err);
/* NAME.preview.png (preview.c): an 8-bit RGB PNG of the image, long side at most
 * OME_PREVIEW_MAX, its channels composited additively with their colours and windows (the 0.1
 * and 99.9 percentiles of the plane where the metadata gives none), middle Z, first T. Its size
 * follows from the metadata; the pixels are rendered at its first read. */
int ome_vtiff_make_preview(const ome_image *img, ome_vtiff **out, ome_err *err);
#define OME_PREVIEW_MAX 1024
/* Paints a w × h RGB picture (rows of w RGB triples) into rgb, which starts black. */
typedef int (*ome_paint_fn)(const void *ctx, uint8_t *rgb, uint32_t w, uint32_t h,
                            ome_err *err);
/* A PNG file of w × h pixels (at most OME_PREVIEW_MAX each) painted by paint(ctx, …) when first
 * read, kept while open; `where` names what it shows. ctx must outlive the file. */
int ome_vtiff_make_picture(const char *where, uint32_t w, uint32_t h, ome_paint_fn paint,
                           const void *ctx, ome_vtiff **out, ome_err *err);
/* Paints img as its preview would look at w × h (the smallest level whose long side is at least
 * max(w, h)) into rgb, adding to what is there. */
int ome_preview_paint(const ome_image *img, uint32_t w, uint32_t h, uint8_t *rgb, ome_err *err);
/* The size of img's level 0 scaled to a long side of min(its long side, side), rounded (at
 * least 1). */
void ome_preview_fit(const ome_image *img, uint64_t side, uint32_t *w, uint32_t *h);
/* The preview's width and height (level 0's shape scaled to a long side of
 * min(long side, OME_PREVIEW_MAX), rounded) and the level it samples (nearest pixel): the
 * smallest one whose long side is at least the preview's. */
void ome_preview_geometry(const ome_image *img, int *level, uint32_t *w, uint32_t *h);
void ome_vtiff_free(ome_vtiff *vt);
/* From now on the file's layout (its segments, headers, IFDs: a few KiB to tens of KiB) is held
 * only while the file is open or read, and made again from the metadata when it is: a mount
 * holding many images keeps only their sizes. Thread-safe. */
void ome_vtiff_unload(ome_vtiff *vt);
/* The file is open (ome_vtiff_open) or no longer (ome_vtiff_close): its layout is kept while
 * it is. */
void ome_vtiff_open(const ome_vtiff *vt);
void ome_vtiff_close(const ome_vtiff *vt);

/* Reads [off, off+len) into buf; returns the number of bytes (short at the end of the file) or
 * a negative error code. */
int64_t ome_vtiff_read(const ome_vtiff *vt, uint64_t off, size_t len, void *buf, ome_err *err);
/* The same, telling the memory cache how the file is being read (see ome_access). */
int64_t ome_vtiff_read_as(const ome_vtiff *vt, uint64_t off, size_t len, void *buf,
                          ome_access access, ome_err *err);
/* Loads into the image's memory cache every chunk behind [off, off+len), fetching what is
 * missing as concurrent batches (read-ahead). Sets *nchunks (when given) to the number of
 * chunks involved. Does nothing for an image without a cache. */
int ome_vtiff_load(const ome_vtiff *vt, uint64_t off, uint64_t len, size_t *nchunks,
                   ome_err *err);

#endif
