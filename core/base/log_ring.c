/* log_ring: a ring of the last log lines. */
#include "base/log_ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ome_log_ring_init(ome_log_ring *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
}

void ome_log_ring_destroy(ome_log_ring *r) { pthread_mutex_destroy(&r->lock); }

void ome_log_ring_add(void *ring, enum ome_log_level level, const char *line)
{
    ome_log_ring *r = ring;
    pthread_mutex_lock(&r->lock);
    unsigned k = r->next;
    r->when[k] = time(NULL);
    r->level[k] = level;
    snprintf(r->line[k], sizeof r->line[k], "%s", line);
    r->next = (k + 1) % OME_LOG_RING_LINES;
    if (r->count < OME_LOG_RING_LINES)
        r->count++;
    pthread_mutex_unlock(&r->lock);
}

char *ome_log_ring_text(ome_log_ring *r, size_t *len)
{
    static const char *tag[] = {"error", "warning", "info", "debug"};
    pthread_mutex_lock(&r->lock);
    size_t cap = (size_t)r->count * (OME_LOG_RING_LINE_BYTES + 40) + 1, n = 0;
    char *out = malloc(cap);
    unsigned first = (r->next + OME_LOG_RING_LINES - r->count) % OME_LOG_RING_LINES;
    for (unsigned i = 0; out && i < r->count; i++) {
        unsigned k = (first + i) % OME_LOG_RING_LINES;
        struct tm tm;
        char when[32] = "";
        if (gmtime_r(&r->when[k], &tm))
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        n += (size_t)snprintf(out + n, cap - n, "%s %s: %s\n", when, tag[r->level[k]],
                              r->line[k]);
    }
    pthread_mutex_unlock(&r->lock);
    if (out) {
        out[n] = '\0';
        *len = n;
    }
    return out;
}
