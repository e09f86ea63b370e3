/* source: a source address parsed once — what kind of store serves it (local path, HTTP(S), S3,
 * OMERO), what it names for OMERO (an image, dataset, plate, project or screen), whether it is
 * remote, the base name of a lone image's files and the form messages show — and the store
 * factory that knows every backend. */
#ifndef OME_SOURCE_H
#define OME_SOURCE_H

#include "store/omero_address.h"
#include "store/store.h"

#include <stdbool.h>

typedef enum {
    OME_SOURCE_LOCAL, /* a path or a file:// URL */
    OME_SOURCE_HTTP,  /* http:// or https:// */
    OME_SOURCE_S3,    /* s3://bucket/prefix */
    OME_SOURCE_OMERO, /* the address of an OMERO.web page */
} ome_source_scheme;

typedef struct ome_source {
    const char *address;       /* as given (not owned) */
    ome_source_scheme scheme;
    bool remote;               /* fetched over the network: worth a disk cache */
    ome_omero_kind omero_kind; /* OMERO only */
    long long omero_id;        /* OMERO only */
    bool zipped;               /* a zipped OME-Zarr (".ozx"): its store reads inside it */
    char name[256];            /* base name of a lone image's files ("6001240", "image-42") */
    char shown[4096];          /* the address for messages: no credentials, no query */
} ome_source;

/* Parses `address`; OME_EUNSUPPORTED (with a message) for an unknown URL scheme. */
int ome_source_parse(const char *address, ome_source *out, ome_err *err);
/* Opens the store that serves the source; its root is the source itself. `opts` may be NULL
 * (defaults). */
int ome_source_open_store(const ome_source *src, const ome_store_opts *opts, ome_store **out,
                          ome_err *err);
/* The base name of the files of a plate's well mounted on its own (".../NAME.zarr/B/3"):
 * "NAME_B3", as its fields' files become "NAME_B3_0…"; "B3" when the plate is not named. */
void ome_source_well_name(const ome_source *src, char *out, size_t outlen);
/* ome_source_parse then ome_source_open_store, for tools and tests. */
int ome_source_open_address(const char *address, const ome_store_opts *opts, ome_store **out,
                            ome_err *err);

#endif
