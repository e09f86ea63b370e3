/* vtiff_layout: inside a virtual TIFF layout — the segments a file is made of (bytes held,
 * arithmetic offset arrays, repeated IFDs, tiles, planes) and the IFD builder the layouts share.
 * For the layouts (vtiff*.c), read-ahead and their tests; everyone else uses vtiff.h. */
#ifndef OME_VTIFF_LAYOUT_H
#define OME_VTIFF_LAYOUT_H

#include "vtiff/vtiff.h"

#include <pthread.h>
#include <stdbool.h>

typedef enum {
    VT_SEG_BLOB,     /* bytes held in memory */
    VT_SEG_ARITH,    /* little-endian integers start + i*stride (tile/strip offsets) */
    VT_SEG_CONST,    /* little-endian integers, all equal (byte counts) */
    VT_SEG_REPEAT,   /* an IFD template repeated, with its strip offset and next-IFD patched */
    VT_SEG_TILES,    /* OME: tiles of one level, plane after plane */
    VT_SEG_PLANES,   /* ImageJ: whole planes, rows of pixels, each plane then any zero gap */
    VT_SEG_LAZY,     /* made when read, by vt->render (OME: the IFDs of every plane but the
                        first), so a layout's memory does not grow with the plane count */
} vt_seg_kind;

typedef struct vt_seg {
    uint64_t off, len;
    vt_seg_kind kind;
    /* BLOB */
    const uint8_t *blob;
    /* ARITH / CONST: element size 4 or 8 */
    uint64_t start, stride;
    int elem;
    /* REPEAT (and PLANES with IFDs in their gaps): template of len tmpl_len; patch offsets
     * inside it */
    size_t tmpl_len, patch_strip, patch_next;
    uint64_t strip_first, strip_stride;
    int off_size; /* 4 (classic) or 8 */
    /* TILES / PLANES */
    int level;
    uint64_t tile_w, tile_h, tiles_x, tiles_y, tile_bytes; /* TILES */
    uint64_t tile_stride; /* TILES: from one tile's start to the next (tile, then zero gap) */
    uint64_t plane_bytes, plane_stride; /* PLANES: pixels, then from one plane's start to the
                                           next (the plane, then a zero gap) */
    uint64_t gap_ifd_at; /* PLANES with a template in `blob`: the gap after plane k holds the
                            IFD of plane k+1 (patched as REPEAT's) at this offset in the block */
} vt_seg;

struct ome_vtiff {
    const ome_image *img;
    ome_vtiff_kind kind;
    int level;           /* ImageJ: the level shown */
    ome_dtype file_dtype; /* pixel type in the file (ImageJ may convert) */
    uint64_t size;
    /* The layout: segments and what they hold. Made with the file; once ome_vtiff_unload has
     * been called, dropped whenever the file is neither open nor read, and made again when it
     * is (the same bytes: it follows from the metadata alone). */
    int nsegs, capsegs;
    vt_seg *segs;
    int nblobs, capblobs;
    uint8_t **blobs;     /* owned memory of BLOB/REPEAT segments */
    uint64_t *tile_w, *tile_h; /* OME: tile size per level (owned) */
    /* LAZY segments: writes [off, off+n) into out; `lazy` is what it needs (owned, freed) */
    int (*render)(const ome_vtiff *vt, uint64_t off, size_t n, uint8_t *out, ome_err *err);
    void *lazy;
    void (*lazy_free)(void *lazy); /* frees `lazy` (when not plain memory) */
    /* makes a new vtiff with the layout of `like` (its layout's maker) */
    int (*remake)(const ome_vtiff *like, ome_vtiff **out, ome_err *err);
    /* A picture (ome_vtiff_make_picture), not part of the layout: what it shows (owned), and
     * what paints it */
    char *where;
    ome_paint_fn paint;
    const void *paint_ctx;
    uint32_t pic_w, pic_h;
    pthread_mutex_t use_lock; /* the layout's life: built, users, opens, unloadable */
    bool built, unloadable;
    int users, opens;
};

/* A vtiff's fields before a layout is made into it (vtiff.c). */
ome_vtiff *vt_new(const ome_image *img, ome_vtiff_kind kind, int level);

/* ---- helpers shared by the layouts (vtiff.c, vtiff_ifd.c) ---- */
vt_seg *vt_add_seg(ome_vtiff *vt, vt_seg_kind kind, uint64_t len);
uint8_t *vt_own_blob(ome_vtiff *vt, size_t len);
/* Pixel type ImageJ gets for an image type; OME_DT_NONE when none. */
ome_dtype vt_imagej_dtype(ome_dtype t);

/* IFD builder: entries sorted by tag; values that do not fit inline are written right after the
 * IFD, or live at an external offset (arrays computed by ARITH/CONST segments). */
enum { TT_BYTE = 1, TT_ASCII = 2, TT_SHORT = 3, TT_LONG = 4, TT_RATIONAL = 5, TT_LONG8 = 16,
       TT_IFD8 = 18 };

typedef struct vt_entry {
    uint16_t tag, type;
    uint64_t count;
    uint8_t *data;      /* owned value bytes (little-endian), or NULL when external */
    uint64_t external;  /* offset of an externally placed value */
} vt_entry;

typedef struct vt_ifd {
    bool big;
    int n;
    vt_entry e[32];
} vt_ifd;

void vt_ifd_init(vt_ifd *ifd, bool big);
void vt_ifd_free(vt_ifd *ifd);
void vt_ifd_uint(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t v);
void vt_ifd_rational(vt_ifd *ifd, uint16_t tag, double v);
void vt_ifd_ascii(vt_ifd *ifd, uint16_t tag, const char *s);
/* A value of `count` items given as little-endian bytes. */
void vt_ifd_bytes(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t count, const void *le);
void vt_ifd_external(vt_ifd *ifd, uint16_t tag, uint16_t type, uint64_t count, uint64_t off);
/* Bytes the IFD takes with its out-of-line values. */
size_t vt_ifd_size(const vt_ifd *ifd);
/* Serialises the IFD as if placed at `at`; returns its size. Offsets of fields inside the IFD
 * can be found with vt_ifd_value_pos. */
size_t vt_ifd_write(const vt_ifd *ifd, uint64_t at, uint64_t next, uint8_t *out);
/* Position (relative to the IFD start) of the inline value of `tag`, or of the next-IFD field
 * when tag is 0. */
size_t vt_ifd_value_pos(const vt_ifd *ifd, uint16_t tag);
size_t vt_type_size(uint16_t type);
void vt_put_le(uint8_t *p, uint64_t v, int n);

#endif
