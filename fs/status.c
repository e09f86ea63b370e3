/* status: `omefs status MOUNTPOINT [--watch [--interval SECONDS]]`, a mount's .omefs/stats and
 * .omefs/log for people. Watching holds nothing from one redraw to the next but the previous
 * stats (for the rates): it runs for days in the same memory and file descriptors. */
#include "commands.h"

#include "base/text_escape.h"
#include "tree/mount_stats.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_INTERVAL_S 2.0 /* between redraws of --watch */
#define MIN_INTERVAL_S 0.001

/* The whole of a small file (at most max bytes), or NULL. */
static char *slurp(const char *dir, const char *name, size_t max)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* Writes text line by line, each escaped: the log lines, the source and names in it come from
 * servers and listings, and must not act on the terminal. */
static void put_escaped(const char *text)
{
    char line[8192];
    for (const char *l = text; *l;) {
        size_t n = strcspn(l, "\n");
        ome_text_escape(l, n, line, sizeof line);
        printf("%s\n", line);
        l += n + (l[n] == '\n');
    }
}

/* Says why path cannot be read (errno), naming the fix for a mount whose program died (the
 * mount point: the highest folder of the path that is cut off too); returns 1. */
static int cannot_read(const char *path)
{
    char shown[4096 * 4];
    if (errno != ENOTCONN) {
        fprintf(stderr, "omefs: %s: %s\n", ome_text_shown(path, shown, sizeof shown),
                strerror(errno));
        return 1;
    }
    char at[4096];
    snprintf(at, sizeof at, "%s", path);
    for (char *slash; (slash = strrchr(at, '/')) && slash != at;) {
        struct stat st;
        *slash = '\0';
        if (stat(at, &st) == 0 || errno != ENOTCONN) {
            *slash = '/';
            break;
        }
    }
    char shown_at[4096 * 4];
    fprintf(stderr, "omefs: %s is in a mount whose program has ended; clean it up with "
                    "fusermount3 -u %s\n", ome_text_shown(path, shown, sizeof shown),
            ome_text_shown(at, shown_at, sizeof shown_at));
    return 1;
}

int omefs_status_main(int argc, char **argv)
{
    const char *mnt = NULL;
    bool watch = false, bad = false;
    double interval = DEFAULT_INTERVAL_S;
    for (int i = 1; i < argc; i++) { /* options before or after the mount point */
        if (strcmp(argv[i], "--watch") == 0) {
            watch = true;
        } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            char *end;
            interval = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(interval >= MIN_INTERVAL_S && interval <= 86400)) {
                fprintf(stderr, "omefs status: --interval %s: seconds between redraws, from "
                                "%g to 86400\n", argv[i], MIN_INTERVAL_S);
                return 2;
            }
        } else if (!mnt) {
            mnt = argv[i];
        } else {
            bad = true;
        }
    }
    if (!mnt || bad) {
        fprintf(stderr, "usage: omefs status MOUNTPOINT [--watch [--interval SECONDS]]\n");
        return 2;
    }
    struct stat st;
    if (stat(mnt, &st) != 0)
        return cannot_read(mnt);
    char root[4096];
    if (!omefs_mount_root(mnt, root, sizeof root)) {
        omefs_not_in_mount("omefs status", mnt, root);
        return 1;
    }
    bool clear = watch && isatty(1); /* a fresh screen each time, as top does */
    char *prev = NULL;
    char out[16384];
    for (;;) {
        char *stats = slurp(root, ".omefs/stats", 1 << 16);
        if (!stats) { /* errno from reading it: the mount may have gone while watched */
            if (errno == ENOENT)
                fprintf(stderr, "omefs: %s is no longer an omefs mount (unmounted)\n",
                        ome_text_shown(root, out, sizeof out));
            else
                cannot_read(root);
            free(prev);
            return 1;
        }
        char *log = slurp(root, ".omefs/log", 1 << 20);
        ome_mount_status_text(root, stats, log, prev, interval, out, sizeof out);
        if (clear)
            printf("\033[H\033[2J");
        put_escaped(out);
        fflush(stdout);
        free(log);
        free(prev);
        prev = stats;
        if (!watch)
            break;
        struct timespec ts = {(time_t)interval,
                              (long)((interval - (double)(time_t)interval) * 1e9)};
        nanosleep(&ts, NULL);
    }
    free(prev);
    return 0;
}
