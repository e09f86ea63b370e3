/* platform_linux: base/platform.h on Linux — openat2 RESOLVE_BENEATH, O_PATH, gettid. The one
 * file of core/ built with _GNU_SOURCE. */
#include "base/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int flags_of(ome_beneath how)
{
    switch (how) {
    case OME_BENEATH_READ:
        return O_RDONLY | O_NONBLOCK;
    case OME_BENEATH_LIST:
        return O_RDONLY | O_DIRECTORY;
    case OME_BENEATH_DIR_REF:
        return O_PATH | O_DIRECTORY;
    case OME_BENEATH_REF:
        return O_PATH;
    }
    return O_PATH;
}

int ome_open_root(const char *abs)
{
    return open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Where the kernel has no openat2 (before Linux 5.6), no symbolic link is followed at all. */
int ome_open_beneath(int root_fd, const char *key, ome_beneath how)
{
    int flags = flags_of(how);
    struct open_how oh = {.flags = (uint64_t)(flags | O_CLOEXEC),
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, root_fd, key[0] ? key : ".", &oh, sizeof oh);
    if (fd >= 0 || errno != ENOSYS)
        return fd;
    /* not understood (an old kernel, or valgrind): walk by hand, following no link */
    if (!key[0])
        return openat(root_fd, ".", flags | O_CLOEXEC);
    int dir = dup(root_fd);
    for (const char *p = key; dir >= 0 && *p;) {
        size_t n = strcspn(p, "/");
        char part[256];
        if (n == 0 || n >= sizeof part) {
            close(dir);
            errno = n ? ENAMETOOLONG : ENOENT;
            return -1;
        }
        memcpy(part, p, n);
        part[n] = '\0';
        int last = p[n] == '\0';
        int next =
            openat(dir, part, (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
        close(dir);
        if (last)
            return next;
        dir = next;
        p += n + 1;
    }
    return dir;
}

char *ome_real_path(const char *path)
{
    return realpath(path, NULL);
}

long ome_thread_id(void)
{
    return (long)gettid();
}

bool ome_mode_sticky(mode_t mode)
{
    return (mode & S_ISVTX) != 0;
}

int ome_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1 << 16 ? 1 << 16 : (int)n;
}
