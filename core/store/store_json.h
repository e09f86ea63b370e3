/* store_json: a JSON document fetched from a store, with messages that name its address. */
#ifndef OME_STORE_JSON_H
#define OME_STORE_JSON_H

#include "base/json_doc.h"
#include "store/store.h"

/* Fetches and parses the document at `key`. OME_ABSENT (with a message) when it does not
 * exist. */
int ome_json_load(ome_store *store, const char *key, json_t **out, ome_err *err);

#endif
