/* store_backend: what a store backend implements (its ops table) and the helpers backends share.
 * Callers use store.h. */
#ifndef OME_STORE_BACKEND_H
#define OME_STORE_BACKEND_H

#include "store/store.h"

typedef struct ome_store_ops {
    /* Fetches every request; each gets its own status. Returns OME_OK when the batch was
     * processed (even if some requests failed). */
    int (*get_many)(ome_store *s, ome_store_req *reqs, size_t n);
    void (*destroy)(ome_store *s);
    /* Optional (NULL: the store cannot list): see ome_store_list_dirs. */
    int (*list_dirs)(ome_store *s, const char *path, char ***names, int *n, ome_err *err);
} ome_store_ops;


/* For stores' listings: appends [name, name+len) (at most OME_MAX_LISTED names); at the end,
 * sorts them when rc is OME_OK, else frees them (*names NULL, *n 0); returns rc. */
int ome_store_names_add(char ***names, int *n, const char *name, size_t len, ome_err *err);
int ome_store_names_done(char ***names, int *n, int rc);

#endif
