/* platform_linux: platform.h on Linux — /proc/self/mountinfo, glibc's mallopt and
 * explicit_bzero. */
#include "platform.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A field of mountinfo as it is: the kernel writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

bool omefs_mount_table_has(const char *path)
{
    char real[4096];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) != 0)
        return false;
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return false;
    /* "36 35 0:42 / /mnt/x rw,nosuid - fuse.omefs omefs ro,…": the last line for a mount point
     * is the mount on top */
    char line[8192];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        char mp[4096], type[256];
        unsigned major, minor;
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %u:%u %*s %4095s", &major, &minor, mp) != 3 ||
            sscanf(dash + 3, "%255s", type) != 1)
            continue;
        unescape(mp);
        if (strcmp(mp, real) == 0)
            found = strcmp(type, OMEFS_MOUNT_TYPE) == 0 && st.st_dev == makedev(major, minor);
    }
    fclose(f);
    return found;
}

void omefs_tune_malloc(void)
{
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    mallopt(M_ARENA_MAX, ncpu >= 2 ? (int)(ncpu / 2) : 1);
}

void omefs_wipe(void *p, size_t n)
{
    explicit_bzero(p, n);
}
