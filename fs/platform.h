/* platform: what the FUSE adapter needs from the operating system beyond libfuse, C11 and
 * POSIX — the mount table, the allocator's tuning, wiping secrets. A build for another system
 * replaces only platform_linux.c (doc/porting.md). */
#ifndef OMEFS_PLATFORM_H
#define OMEFS_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

/* The type an omefs mount has in the mount table (fsname and subtype omefs, main.c). */
#define OMEFS_MOUNT_TYPE "fuse.omefs"

/* Whether path (any spelling: it is resolved) is the mount point of the topmost mount there, that
 * mount is of type OMEFS_MOUNT_TYPE, and its device is the one stat(path) gives. */
bool omefs_mount_table_has(const char *path);

/* Keeps chunk-sized buffers in the heap for reuse instead of mapping (and faulting in) fresh
 * pages for each: faulting in fresh memory costs about as much as decoding into it, so the heap
 * is not trimmed often, and the threads share few arenas (one per two cores). */
void omefs_tune_malloc(void);

/* Overwrites n bytes at p with zeros, in a way the compiler does not leave out. */
void omefs_wipe(void *p, size_t n);

#endif
