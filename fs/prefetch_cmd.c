/* prefetch_cmd: `omefs prefetch PATH…`: reads files of a mount through (a folder: each image's
 * .ome.tif, which holds every level), so that the mount's disk cache holds their chunks for an
 * offline mount later; with a progress bar on a terminal, plain lines otherwise. Refuses up
 * front what cannot fit in the disk cache. Safe to stop (Ctrl-C) and to run again: what is
 * cached already is read back from the disk. */
#include "commands.h"

#include "base/text_escape.h"
#include "base/units.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char **paths;
    size_t n, cap;
    uint64_t bytes;
} file_list;


static void free_list(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

static int add_file(file_list *l, const char *path, uint64_t size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p)
            return -1;
        l->paths = p;
        l->cap = cap;
    }
    if (!(l->paths[l->n] = strdup(path)))
        return -1;
    l->n++;
    l->bytes += size;
    return 0;
}

/* Room for a path escaped (base/text_escape.h): names come from the mount's server. */
#define SHOWN_BYTES (4096 * 4)

/* What cannot be listed or looked at is said, and counted. */
static void report(const char *path, int *failed)
{
    char shown[SHOWN_BYTES];
    fprintf(stderr, "omefs prefetch: %s: %s\n", ome_text_shown(path, shown, sizeof shown),
            strerror(errno));
    (*failed)++;
}

/* Every image's .ome.tif under dir, on the same mount (the mount's own .omefs/ left out). */
static int walk(const char *dir, dev_t dev, file_list *l, int depth, int *failed)
{
    DIR *d = depth < 64 ? opendir(dir) : NULL;
    if (!d) {
        if (depth < 64)
            report(dir, failed);
        return 0;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (errno = 0, e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        size_t n = strlen(e->d_name);
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        if (lstat(path, &st) != 0)
            report(path, failed);
        else if (S_ISDIR(st.st_mode) && st.st_dev == dev)
            rc = walk(path, dev, l, depth + 1, failed);
        else if (S_ISREG(st.st_mode) && n > 8 && strcmp(e->d_name + n - 8, ".ome.tif") == 0)
            rc = add_file(l, path, (uint64_t)st.st_size);
    }
    if (rc == 0 && errno) /* the listing failed (a well none of whose fields opens: EIO) */
        report(dir, failed);
    closedir(d);
    return rc;
}

/* The disk cache's capacity and use, from the .omefs/stats of the mount holding path (0, 0
 * when there is none). */
static void disk_cache_of(const char *path, uint64_t *cap, uint64_t *used)
{
    char root[4096], stats[4200], text[8192];
    *cap = *used = 0;
    if (!omefs_mount_root(path, root, sizeof root))
        return;
    snprintf(stats, sizeof stats, "%s/.omefs/stats", root);
    FILE *f = fopen(stats, "r");
    if (!f)
        return;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *d = strstr(text, "\"disk_cache\"");
    const char *b = d ? strstr(d, "\"bytes\": ") : NULL, *c = d ? strstr(d, "\"capacity\": ") : NULL;
    if (b)
        *used = strtoull(b + 9, NULL, 10);
    if (c)
        *cap = strtoull(c + 12, NULL, 10);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One line of progress: a bar on a terminal (redrawn), else a line at every tenth. */
static void progress(uint64_t done, uint64_t total, double t0, bool tty, int *tenth,
                     const char *file)
{
    double el = now() - t0, rate = el > 0 ? (double)done / el : 0;
    double pct = total ? 100.0 * (double)done / (double)total : 100;
    char a[32], b[32], r[32];
    ome_human_bytes((double)done, a, sizeof a);
    ome_human_bytes((double)total, b, sizeof b);
    ome_human_bytes(rate, r, sizeof r);
    long left = rate > 0 ? (long)((double)(total - done) / rate) : 0;
    char shown[SHOWN_BYTES];
    ome_text_shown(file, shown, sizeof shown);
    if (tty) {
        char bar[21];
        int fill = (int)(pct / 5);
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = '\0';
        fprintf(stderr, "\r[%s] %3.0f %%  %s of %s  %s/s  %ld:%02ld left  %-30.30s", bar, pct, a, b,
                r, left / 60, left % 60, shown);
    } else if ((int)(pct / 10) > *tenth) {
        *tenth = (int)(pct / 10);
        fprintf(stderr, "prefetch: %3.0f %%, %s of %s, %s/s\n", pct, a, b, r);
    }
}

/* The last part of a path ("A1_0.ome.tif" of "A1/A1_0.ome.tif", or of itself). */
static const char *file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int omefs_prefetch_main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: omefs prefetch PATH...  (files or folders of an omefs mount)\n");
        return 2;
    }
    file_list l = {0};
    uint64_t cap, used;
    int failed = 0;
    char shown[SHOWN_BYTES];
    for (int i = 1; i < argc; i++) {
        struct stat st;
        ome_text_shown(argv[i], shown, sizeof shown);
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "omefs prefetch: %s: %s\n", shown, strerror(errno));
            free_list(&l);
            return 1;
        }
        char root[4096];
        if (!omefs_mount_root(argv[i], root, sizeof root)) { /* never a walk of a home folder */
            omefs_not_in_mount("omefs prefetch", argv[i], root);
            free_list(&l);
            return 1;
        }
        if (S_ISDIR(st.st_mode) ? walk(argv[i], st.st_dev, &l, 0, &failed) != 0
                                : add_file(&l, argv[i], (uint64_t)st.st_size) != 0) {
            fprintf(stderr, "omefs prefetch: out of memory listing %s\n", shown);
            free_list(&l);
            return 1;
        }
    }
    disk_cache_of(argv[1], &cap, &used);
    char need[32], room[32];
    ome_human_bytes((double)l.bytes, need, sizeof need);
    ome_human_bytes((double)cap, room, sizeof room);
    if (cap == 0)
        fprintf(stderr, "omefs prefetch: warning: %s is on no mount with a disk cache: nothing "
                        "will be kept for later\n", ome_text_shown(argv[1], shown, sizeof shown));
    else if (l.bytes > cap) {
        fprintf(stderr, "omefs prefetch: %zu file%s of %s (as read) cannot fit in the disk "
                        "cache's %s: mount with a larger cache_size, or prefetch less\n",
                l.n, l.n == 1 ? "" : "s", need, room);
        free_list(&l);
        return 1;
    }
    bool tty = isatty(2);
    int tenth = -1;
    uint64_t done = 0;
    double t0 = now(), last = 0;
    static char buf[1 << 20];
    for (size_t i = 0; i < l.n; i++) {
        int fd = open(l.paths[i], O_RDONLY);
        ssize_t got = fd < 0 ? -1 : 0;
        while (fd >= 0 && (got = read(fd, buf, sizeof buf)) > 0) {
            done += (uint64_t)got;
            if (now() - last > 0.2 || done == l.bytes) {
                progress(done, l.bytes, t0, tty, &tenth, file_name(l.paths[i]));
                last = now();
            }
        }
        if (got < 0) {
            int why = errno;
            fprintf(stderr, "%somefs prefetch: %s: %s\n", tty ? "\n" : "",
                    ome_text_shown(l.paths[i], shown, sizeof shown), strerror(why));
            failed++;
        }
        if (fd >= 0)
            close(fd);
        free(l.paths[i]);
    }
    free(l.paths);
    progress(done, l.bytes, t0, tty, &tenth, "");
    char a[32];
    ome_human_bytes((double)done, a, sizeof a);
    fprintf(stderr, "%s%s read in %.1f s%s\n", tty ? "\n" : "", a, now() - t0,
            failed ? "; some files or folders failed (above): run it again to retry them" : "");
    return failed ? 1 : 0;
}
