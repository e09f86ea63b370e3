/* store_file: a local directory (or a file:// URL's path) as a store. */
#ifndef OME_STORE_FILE_H
#define OME_STORE_FILE_H

#include "store/store.h"

/* The directory at `path`, read with plain file I/O. */
int ome_store_file_open(const char *path, ome_store **out, ome_err *err);

#endif
