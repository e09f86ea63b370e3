/* image: one multiscale image as every layer above sees it — levels in TCZYX order, channels,
 * physical sizes — and the gather primitive read_region. Nothing above this knows which format
 * the image came from. */
#ifndef OME_IMAGE_H
#define OME_IMAGE_H

#include "zarr/chunk_cache.h"
#include "image/ngff.h"
#include "zarr/zarr.h"


typedef struct ome_level {
    ome_zarr_array *arr;
    int dim_of[OME_NROLES];     /* array dimension holding each role, -1 when absent */
    uint64_t shape[OME_NROLES]; /* TCZYX; 1 for absent axes */
    uint64_t chunk[OME_NROLES];
    double scale[OME_NROLES];   /* physical size of one pixel/step (incl. top-level scale) */
    double translation[OME_NROLES];
} ome_level;

typedef struct ome_channel {
    char *name;           /* never NULL */
    bool named;           /* the name comes from the metadata (else "Channel N") */
    uint32_t rgb;         /* 0xRRGGBB */
    bool has_window;
    double start, end, min, max;
} ome_channel;

typedef struct ome_image {
    ome_store *store;     /* not owned */
    ome_chunk_cache *cache; /* optional, not owned */
    char *name;           /* base name for files ("6001240") */
    char *title;          /* the image's own name (omero "name": what OMERO and IDR call it,
                             "cells_01.tif"), or NULL; the OME-XML's Image Name */
    char *where;          /* URL/path of the image, for messages */
    ome_dtype dtype;
    bool has_axis[OME_NROLES];
    char unit[OME_NROLES][32]; /* "" when unknown */
    int nlevels;
    ome_level *levels;
    int nchannels;
    ome_channel *channels;
} ome_image;

/* Opens the OME-NGFF multiscale image at `path` inside the store ("" for the root). `name` is
 * the base name for the files it yields. */
int ome_image_open(ome_store *store, const char *path, const char *name, ome_image **out,
                   ome_err *err);
/* The same with the group's attributes already loaded (`where` names their document). */
int ome_image_open_attrs(ome_store *store, const char *path, const char *name, json_t *attrs,
                         const char *where, ome_image **out, ome_err *err);
/* Builds an image from parsed metadata and opened arrays (takes ownership of arrays). */
int ome_image_build(ome_store *store, const char *where, const char *name,
                    const ome_ngff_multiscale *ms, ome_zarr_array **arrays,
                    const ome_channel_meta *chmeta, int nchmeta, ome_image **out, ome_err *err);
void ome_image_free(ome_image *img);

/* Bytes per pixel. */
size_t ome_image_pixel_size(const ome_image *img);

/* The gather primitive: copies the h × w pixels at (y0, x0) of plane (t, c, z) of `level` into
 * `out` (native byte order, rows of w pixels). Each chunk it overlaps is fetched concurrently
 * and decoded once. The region must lie inside the level. */
int ome_image_read_region(const ome_image *img, int level, uint64_t t, uint64_t c, uint64_t z,
                          uint64_t y0, uint64_t x0, uint64_t h, uint64_t w, void *out,
                          ome_err *err);
/* The same, telling the cache how the region is read (a stream keeps little behind it). */
int ome_image_read_region_as(const ome_image *img, int level, uint64_t t, uint64_t c,
                             uint64_t z, uint64_t y0, uint64_t x0, uint64_t h, uint64_t w,
                             void *out, ome_access access, ome_err *err);

/* Chunks of one level, collected from several regions to be fetched as one batch. */
typedef struct ome_chunk_list {
    int level;
    size_t n, cap;
    uint64_t (*idx)[OME_ZARR_MAX_DIMS];
} ome_chunk_list;

/* Appends the chunks the region overlaps (same bounds as ome_image_read_region). */
int ome_image_region_chunks(const ome_image *img, int level, uint64_t t, uint64_t c, uint64_t z,
                            uint64_t y0, uint64_t x0, uint64_t h, uint64_t w, ome_chunk_list *l,
                            ome_err *err);
/* Loads the listed chunks into the image's cache, concurrently and each once (duplicates in the
 * list are dropped). Returns the first error. */
int ome_image_load_chunks(const ome_image *img, ome_chunk_list *l, ome_access access,
                          ome_err *err);
void ome_chunk_list_free(ome_chunk_list *l);

#endif
