/* log_ring: the last lines logged, kept in memory for the mount's `.omefs/log` file, so a user
 * who cannot read syslog (a desktop session) sees why a read failed. Thread-safe. */
#ifndef OME_LOG_RING_H
#define OME_LOG_RING_H

#include "base/log.h"

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#define OME_LOG_RING_LINES 200
#define OME_LOG_RING_LINE_BYTES 600

typedef struct ome_log_ring {
    pthread_mutex_t lock;
    unsigned next, count; /* the slot written next; lines held */
    time_t when[OME_LOG_RING_LINES];
    enum ome_log_level level[OME_LOG_RING_LINES];
    char line[OME_LOG_RING_LINES][OME_LOG_RING_LINE_BYTES]; /* cut to fit */
} ome_log_ring;

void ome_log_ring_init(ome_log_ring *r);
void ome_log_ring_destroy(ome_log_ring *r);
/* Keeps a line (the oldest goes when full); fits ome_log_set_sink's signature. */
void ome_log_ring_add(void *ring, enum ome_log_level level, const char *line);
/* The lines held, oldest first, one per line: "2026-11-27T08:53:29Z warning: …". A new string
 * (free it) and its length in *len; NULL when out of memory. */
char *ome_log_ring_text(ome_log_ring *r, size_t *len);

#endif
