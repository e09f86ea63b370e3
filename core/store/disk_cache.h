/* disk_cache: a store that keeps the encoded objects of another store on local disk, across
 * mounts. Entries are named by a hash of (source, key, range) — never by the key itself, so no
 * key can name a path outside the cache — and carry the key, the server's validators (ETag,
 * Last-Modified) and a checksum, so a corrupt or truncated entry is detected and fetched again.
 * Writes go to a temporary file renamed into place; eviction is least-recently-used under a byte
 * cap. Several processes, or machines on a shared filesystem, may use one directory at once.
 *
 * Metadata documents are revalidated with the server (a conditional request) unless the server
 * confirmed them within metadata_ttl_s (0: on every fetch), absent ones (404) alike; the
 * documents at the source's root are always revalidated;
 * chunks are served from the cache without a request and are namespaced by the content of their
 * array's metadata (which keys are which is told by the layer that knows the format), so a rewritten array never mixes old
 * chunks with new metadata. A listing of the source's folders is kept too (listed afresh when
 * online), so that an offline mount of a folder of images shows the same folders. */
#ifndef OME_DISK_CACHE_H
#define OME_DISK_CACHE_H

#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

struct ome_stats;

/* What a key holds, for the cache: a chunk (kept, served without asking), a metadata document
 * (revalidated), or an array's metadata (revalidated, and its content names the generation of
 * the chunks under its directory). */
typedef enum { OME_KEY_CHUNK = 0, OME_KEY_METADATA, OME_KEY_ARRAY_METADATA } ome_key_kind;
typedef ome_key_kind (*ome_key_classifier)(const char *key);

typedef struct ome_disk_cache_opts {
    const char *dir;          /* created with mode 0700 when missing */
    uint64_t cap_bytes;       /* total size of entries kept */
    bool offline;             /* never use the network: misses are errors */
    double metadata_ttl_s;    /* metadata below the root that the server confirmed this
                                 recently (written, or answered 304) is used without asking;
                                 0: always ask */
    size_t write_behind_bytes; /* chunk entries waiting to be written, at most (0: 8 MiB);
                                  fetching waits beyond it */
    struct ome_stats *stats;  /* may be NULL */
    ome_key_classifier classify; /* NULL: every key is a chunk */
} ome_disk_cache_opts;

/* Default directory: $XDG_CACHE_HOME/omefs, else $HOME/.cache/omefs, else the password
 * database's home/.cache/omefs; false (out "") when there is no home: never a shared place. */
bool ome_disk_cache_default_dir(char *out, size_t outlen);

/* Wraps `inner`, which the new store owns from then on (also on failure). */
int ome_disk_cache_open(ome_store *inner, const ome_disk_cache_opts *opts, ome_store **out,
                        ome_err *err);

/* Bytes the entries of the cache directory hold now (a scan of the directory). */
uint64_t ome_disk_cache_scan_bytes(const char *dir);

#endif
