/* store_zip: a zipped OME-Zarr (".ozx", RFC-9) as a store: the keys of the archive's entries,
 * answered by range reads inside the one archive object of the store below (HTTP, S3, a local
 * file) — never the whole archive. Nothing above the store knows the data was zipped. */
#ifndef OME_STORE_ZIP_H
#define OME_STORE_ZIP_H

#include "store/store.h"

#include <stdbool.h>

/* Opens the archive at `key` of `inner` ("" for inner's root object, e.g. an HTTP store opened
 * on the archive's URL): reads its end records and (the metadata part of) its central
 * directory. The store owns `inner` from then on, also on failure. Errors name the archive and
 * what is wrong with it. */
int ome_store_zip_open(ome_store *inner, const char *key, ome_store **out, ome_err *err);
/* The same for an archive inside a store that stays its owner's (a folder of images): `inner`
 * must outlive the archive's store. */
int ome_store_zip_open_within(ome_store *inner, const char *key, ome_store **out, ome_err *err);

/* Whether a name is that of a zipped OME-Zarr (".ozx", any case). */
bool ome_store_zip_name(const char *name, size_t len);

#endif
