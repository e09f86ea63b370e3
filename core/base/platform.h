/* platform: what core/ needs from the operating system beyond C11 and POSIX.1-2008. Every other
 * file of core/ compiles with -std=c11 -D_POSIX_C_SOURCE=200809L; a build for another system
 * replaces only platform_linux.c (doc/porting.md). */
#ifndef OME_PLATFORM_H
#define OME_PLATFORM_H

#include <stdbool.h>
#include <sys/types.h>

/* What a descriptor opened beneath a root is for. */
typedef enum {
    OME_BENEATH_READ,    /* reading a file (O_RDONLY | O_NONBLOCK: a FIFO is not waited on) */
    OME_BENEATH_LIST,    /* reading a directory (fdopendir) */
    OME_BENEATH_DIR_REF, /* a directory, only to fstat it */
    OME_BENEATH_REF,     /* anything, only to fstat it */
} ome_beneath;

/* Opens the directory abs (an absolute path) as a root for ome_open_beneath; -1 and errno. */
int ome_open_root(const char *abs);

/* Opens key (relative, "" for the root itself) beneath root_fd, close-on-exec. A symbolic link
 * may lead elsewhere beneath the root, never out of it: that fails with EXDEV (or, where the
 * system cannot tell, no link is followed at all: ELOOP); a loop of links fails with ELOOP. */
int ome_open_beneath(int root_fd, const char *key, ome_beneath how);

/* The absolute path path names, every link resolved (malloc'd), or NULL and errno. */
char *ome_real_path(const char *path);

/* A number for the calling thread, unique among the process's live threads. */
long ome_thread_id(void);

/* Whether a directory's mode has the sticky bit (only owners may remove entries, as in /tmp). */
bool ome_mode_sticky(mode_t mode);

/* How many processors are online (at least 1). */
int ome_cpu_count(void);

#endif
