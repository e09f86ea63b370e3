/* omefs: state of one mount shared by the command line (main.c) and the FUSE callbacks (ops.c). */
#ifndef OMEFS_FS_H
#define OMEFS_FS_H

#define FUSE_USE_VERSION 35
#include <fuse.h>
#include <fuse_lowlevel.h>

#include "base/log_ring.h"
#include "base/pool.h"
#include "base/stats.h"
#include "tree/content.h"
#include "tree/mount_stats.h"
#include "tree/source.h"
#include "tree/walk.h"
#include "vtiff/prefetch.h"
#include "zarr/chunk_cache.h"

#include <pthread.h>

typedef struct omefs_mount {
    char *source;
    ome_source src;          /* the source parsed */
    ome_store *store;
    ome_store *source_store; /* the source's own store (store may be the disk cache over it) */
    ome_content content;     /* what the source shows */
    ome_chunk_cache *cache;
    ome_pool *pool;
    ome_prefetch *prefetch;
    ome_stats stats;
    ome_log_ring log;        /* what .omefs/log shows */
    size_t write_behind; /* bytes of mem_cache lent to the disk cache's writer (0: none) */
    time_t mounted_at;
    pthread_mutex_t handles_lock;
    struct omefs_handle *handles; /* open files; a release may never come before unmount */
} omefs_mount;

/* The directory of mount information, the counters file and the recent log in it. */
#define OMEFS_INFO_DIR "/.omefs"
#define OMEFS_STATS_PATH "/.omefs/stats"
#define OMEFS_LOG_PATH "/.omefs/log" /* the last lines logged */

extern const struct fuse_operations omefs_ops;

/* Frees the handles of files still open at unmount. */
void omefs_handles_free_all(omefs_mount *m);

#endif
