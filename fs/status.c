/* status: `omefs status MOUNTPOINT [--watch]`, a mount's .omefs/stats and .omefs/log for people. */
#include "commands.h"

#include "tree/mount_stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int omefs_status_main(int argc, char **argv)
{
    bool watch = argc == 3 && strcmp(argv[2], "--watch") == 0;
    if (argc < 2 || argc > 3 || (argc == 3 && !watch)) {
        fprintf(stderr, "usage: omefs status MOUNTPOINT [--watch]\n");
        return 2;
    }
    const char *mnt = argv[1];
    char *prev = NULL;
    char out[16384];
    for (;;) {
        char *stats = slurp(mnt, ".omefs/stats", 1 << 16), *log = slurp(mnt, ".omefs/log", 1 << 20);
        if (!stats) {
            fprintf(stderr, "omefs: %s is not an omefs mount (no .omefs/stats there)\n", mnt);
            free(log);
            free(prev);
            return 1;
        }
        ome_mount_status_text(mnt, stats, log, prev, 2.0, out, sizeof out);
        if (watch)
            printf("\033[H\033[2J"); /* a fresh screen each time, as top does */
        fputs(out, stdout);
        fflush(stdout);
        free(log);
        free(prev);
        prev = stats;
        if (!watch)
            break;
        sleep(2);
    }
    free(prev);
    return 0;
}
