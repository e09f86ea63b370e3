/* folder_tree: sources with many images as folders whose images are opened the first time the
 * folder is looked into, so a 1536-well plate or a dataset of thousands of images mounts at once
 * and costs only what is opened.
 *   - an OME-NGFF high-content screening plate: a folder per well ("A1"), holding its fields'
 *     files ("A1_0.ome.tif", "A1_0_L0.tif", …), from the well's metadata;
 *   - a list of images (an OMERO dataset or plate, a bioformats2raw collection, a folder of
 *     images): a folder per image, or per group of images (a plate's well), holding their
 *     files; in a folder of images, a plate or a collection is a folder of folders. */
#ifndef OME_FOLDER_TREE_H
#define OME_FOLDER_TREE_H

#include "zarr/chunk_cache.h"
#include "image/hcs.h"
#include "image/image.h"
#include "image/series.h"
#include "tree/tree.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct ome_folder {
    char *name;          /* "A1" */
    char *path;          /* a plate's folders: where the well's group is ("A/1") */
    char **paths;        /* a list's folders: where each image is in the store, */
    char **image_names;  /* and the base name of its files */
    char *title;         /* a list folder's one image's name, when the list knows it (a
                            collection's OME-XML) and the image's metadata does not; or NULL */
    int npaths;
    pthread_mutex_t lock;
    _Atomic bool loaded; /* a failed load is not kept: the next look tries again (set under
                            lock; read without it by the loaders ahead, to pass it by) */
    _Atomic bool looked; /* a walk has looked into it */
    _Atomic bool ahead_tried; /* a loader ahead has loaded it, or tried (once is enough: a
                                 failure is tried again when a walk looks into it) */
    ome_tree tree;  /* the files of its images */
    ome_image **images;
    int nimages;
    struct ome_folder_tree *sub; /* a plate's or a collection's folders, when the folder holds
                                    one of those (in a folder of images) */
    ome_store *zip;      /* a zipped OME-Zarr's store, when the folder is one (owned) */
} ome_folder;

typedef struct ome_folder_tree {
    ome_store *store;       /* not owned */
    ome_chunk_cache *cache; /* given to each image opened (set before the first load) */
    bool wells;             /* folders are a plate's wells (else one image each) */
    bool with_labels;       /* a list's images have their label images beside them */
    bool any_kind;          /* a list's paths may also be plates, collections and directories,
                               which become folders inside the folder (a folder of images) */
    /* When set, a list folder is loaded by this instead: it fills f->sub with the folders of
     * what f->paths[0] names (an OMERO project's dataset, a screen's plate). */
    int (*load_sub)(struct ome_folder_tree *ft, ome_folder *f, ome_err *err);
    ome_plate plate;
    int nfolders;
    ome_folder *folders;
    int *slots; /* hash table of folder indices by name (-1: empty) */
    size_t nslots;
    /* Loading ahead, as read-ahead does for a file: once a walk (ls -R, find, du) looks into a
     * second folder, a few threads load the folders after the one looked into, in a window
     * that grows fourfold at each further look; a walk that stops leaves at most one window
     * loaded that it did not look into. */
    _Atomic int looks;             /* folders a walk has looked into */
    struct ome_background *ahead;  /* the loaders ahead (owned) */
    pthread_mutex_t ahead_lock;
    pthread_cond_t ahead_grown;    /* the window moved or grew */
    int ahead_next, ahead_limit;   /* positions [next, limit) are still to be loaded ahead */
    int ahead_window;              /* the window's size: 0 until the second look */
    /* The order the walk goes in: the folders' own (find, a listing's order), or their names'
     * (ls sorts: A1 A10 A11 A12 A2 …), told by its first two looks. Positions in it: */
    _Atomic int first_look;        /* the folder looked into first, or -1 */
    int *ahead_order, *ahead_pos;  /* by name: the folder at a position, a folder's position;
                                      NULL: the folders' own order */
} ome_folder_tree;

/* One image of a list: its folder's name, where it is in the store, its files' base name.
 * Consecutive entries with the same group share a folder (named by the first). */
typedef struct ome_folder_entry {
    const char *folder, *path, *image_name;
    int group;
} ome_folder_entry;

/* For callers building entries: fills e with copies of the strings (for
 * ome_folder_entries_free); OME_ENOMEM when out of memory. */
int ome_folder_entry_copy(ome_folder_entry *e, const char *folder, const char *path,
                          const char *image_name, int group);
/* Frees the copies of n entries filled by ome_folder_entry_copy, and the array. */
void ome_folder_entries_free(ome_folder_entry *e, int n);
/* Builds a folder per subfolder of the directory at `path` of a store that can list (a local
 * directory, an S3 prefix; "" for the root): NAME for NAME.zarr and NAME.ome.zarr, else the
 * subfolder's own name, hidden ones left out. Each is read when first looked into: an image
 * (its files and labels), a plate (a folder per well), a collection (a folder per image), or
 * else a directory of the same kind. Lists once; OME_EUNSUPPORTED when the store cannot. */
int ome_folder_tree_open_dir(ome_store *store, const char *path, ome_folder_tree **out,
                             ome_err *err);
/* Builds the tree of the plate at `base` ("" for the store's root) described by `attrs` (its
 * group's attributes, which hold "plate"); reads nothing else. */
int ome_folder_tree_open_plate(ome_store *store, const char *base, json_t *attrs,
                               const char *where, ome_folder_tree **out, ome_err *err);
/* A plate's well mounted on its own (the store's root is the well's group, whose attributes
 * `attrs` were read from `where`): one folder, named `name`, loaded now: its fields' files
 * ("NAME_0.ome.tif", …) and their label images. */
int ome_folder_tree_open_well(ome_store *store, const char *name, json_t *attrs,
                              const char *where, ome_folder_tree **out, ome_err *err);
/* Builds a folder per image of the bioformats2raw collection at `base` ("0_NAME", from the
 * OME-XML name, else "0"), holding NAME_0.ome.tif, NAME_0_L<k>.tif and its label images; reads
 * nothing. */
int ome_folder_tree_open_series(ome_store *store, const char *base, const char *name,
                                const ome_series *series, int n, ome_folder_tree **out,
                                ome_err *err);
/* Builds a folder per group of a list's images; reads nothing. */
int ome_folder_tree_open_list(ome_store *store, const ome_folder_entry *entries, int n,
                              ome_folder_tree **out, ome_err *err);
/* A folder's name: prefix, then up to 100 bytes of `name` with every byte other than a letter,
 * a digit, '.', '_' or '-' as '_'. */
void ome_folder_name(char *out, size_t outlen, const char *prefix, const char *name);
/* The folder called `name`, or NULL. */
ome_folder *ome_folder_tree_find(ome_folder_tree *ft, const char *name);
/* Opens the folder's images, once it succeeds (thread-safe): a well's fields from its metadata
 * (a field that cannot be opened is left out with a warning), or a list's image. A folder with
 * no image is an error, logged with the reason. OME_EINTR when the calling thread's request is
 * given up (base/cancel.h) while it loads or waits for another's load: nothing is kept, and the
 * next look loads it again. */
int ome_folder_tree_load(ome_folder_tree *ft, ome_folder *f, ome_err *err);

/* Sum of the sizes of the files of the folders loaded so far (inner folders too). */
uint64_t ome_folder_tree_loaded_bytes(ome_folder_tree *ft);
void ome_folder_tree_free(ome_folder_tree *ft);

#endif
