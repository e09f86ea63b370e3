/* json_doc: a fetched body parsed as a JSON document, with a message naming the document when it is
 * malformed. Headers that only pass documents around use the forward declaration below and need
 * not include jansson.h. */
#ifndef OME_JSON_DOC_H
#define OME_JSON_DOC_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>

typedef struct json_t json_t; /* jansson's; the same typedef as jansson.h's */

/* Parses a fetched body as JSON; `where` names it in the message when it is malformed. */
int ome_json_parse(const ome_buf *body, const char *where, json_t **out, ome_err *err);
/* Whether key is in `set` already (a JSON object used as a set of strings); adds it when not.
 * For lists from outside whose entries must not repeat. */
bool ome_json_seen(json_t *set, const char *key);
/* The version of the JSON library ("2.14"), for --version. */
const char *ome_json_library_version(void);

#endif
