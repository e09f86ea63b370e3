/* plate_tree: an OME-NGFF high-content screening plate as folders, one per well ("A1"), each
 * holding the files of its fields' images ("A1_0.ome.tif", "A1_0_L0.tif", …). Only the plate's
 * metadata is read at mount; a well's metadata and images are read the first time the well is
 * looked into, so a 1536-well plate mounts at once and costs only what is opened. */
#ifndef OME_PLATE_TREE_H
#define OME_PLATE_TREE_H

#include "cache.h"
#include "hcs.h"
#include "image.h"
#include "tree.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct ome_plate_well_dir {
    char *name; /* "A1": the well's row and column names */
    char *path; /* "A/1": where the well's group is in the plate */
    pthread_mutex_t lock;
    bool loaded;    /* a failed load is not kept: the next look tries again */
    ome_tree tree;  /* the files of its fields */
    ome_image **images;
    int nimages;
} ome_plate_well_dir;

typedef struct ome_plate_tree {
    ome_store *store;       /* not owned */
    ome_chunk_cache *cache; /* given to each image opened (set before the first load) */
    ome_plate plate;
    int nwells;
    ome_plate_well_dir *wells;
} ome_plate_tree;

/* Builds the tree of the plate described by `attrs` (the root group's attributes, which hold
 * "plate"); reads nothing else. */
int ome_plate_tree_open(ome_store *store, json_t *attrs, const char *where, ome_plate_tree **out,
                        ome_err *err);
/* The well folder called `name`, or NULL. */
ome_plate_well_dir *ome_plate_tree_find(ome_plate_tree *pt, const char *name);
/* Reads the well's metadata and opens its fields' images, once it succeeds (thread-safe). A
 * field that cannot be opened is left out with a warning; a well with none is an error (logged
 * with the reason). */
int ome_plate_tree_load(ome_plate_tree *pt, ome_plate_well_dir *w, ome_err *err);
/* Sum of the sizes of the files of the wells loaded so far. */
uint64_t ome_plate_tree_loaded_bytes(ome_plate_tree *pt);
void ome_plate_tree_free(ome_plate_tree *pt);

#endif
