/* prefetch: read-ahead for files read in order. When the reads of an open file walk forward
 * (ImageJ loading a stack, cp), background workers load the chunks behind the next bytes into the
 * memory cache, in a window that grows while the walk goes on. Only a real stream starts it: a
 * run of reads in file order that has gone past pixel block boundaries (3 tiles of the
 * OME-TIFF, and at least 8 MiB; 1 plane of an ImageJ file). The pieces of one
 * tile, strip or plane being read, a region of a few adjacent tiles, and a header probe (`file`
 * reading the first and last MiB) never do, so no bytes are fetched in vain. Read-ahead within
 * an ImageJ file's plane stops at its end until the walk goes on into the next plane, unless
 * the walk has read every byte from the file's first (a copy of the file). */
#ifndef OME_PREFETCH_H
#define OME_PREFETCH_H

#include "base/stats.h"
#include "vtiff/vtiff.h"

#include <pthread.h>

typedef struct ome_prefetch ome_prefetch;

/* Read-ahead state of one open file; zero-initialise. */
typedef struct ome_readahead {
    uint64_t run_start, run_end; /* the current forward run of reads */
    uint64_t first_block;        /* the first pixel block the run read (UINT64_MAX: none yet) */
    uint64_t ahead_end;          /* loaded or queued up to here */
    uint64_t window;
    bool whole;                  /* the run has read every byte from the file's first... */
    uint64_t hole_start, hole_end; /* ...but these, skipped by the last request (or 0, 0) */
} ome_readahead;

/* max_window: largest read-ahead in bytes (0 disables prefetch). stats may be NULL. */
ome_prefetch *ome_prefetch_new(int nthreads, uint64_t max_window, ome_stats *stats);
/* Stops the workers (the job in progress finishes) and drops queued jobs. */
void ome_prefetch_free(ome_prefetch *p);

/* Tells the prefetcher that [off, off+len) of vt was read through the handle owning ra. May
 * queue read-ahead. vt must outlive the prefetcher. Returns true when the handle is walking the
 * file in order (a stream: read-ahead is on for it). */
bool ome_prefetch_note_read(ome_prefetch *p, ome_readahead *ra, const ome_vtiff *vt,
                            uint64_t off, uint64_t len);

#endif
