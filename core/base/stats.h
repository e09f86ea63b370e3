/* stats: counters of what a mount cost — requests, bytes fetched, cache hits and misses, bytes
 * served — shared by the stores, the caches and the FUSE layer of one mount (no globals). */
#ifndef OME_STATS_H
#define OME_STATS_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct ome_stats {
    _Atomic uint64_t requests;       /* network requests sent, retries included */
    _Atomic uint64_t bytes_fetched;  /* body bytes received from the network */
    _Atomic uint64_t retries;        /* requests that were attempts after a failure */
    _Atomic uint64_t not_modified;   /* conditional requests answered 304 */
    _Atomic uint64_t fetch_errors;   /* objects that failed after every attempt */
    _Atomic uint64_t disk_hits, disk_misses, disk_writes, disk_evictions, disk_corrupt;
    _Atomic uint64_t prefetch_jobs, prefetch_chunks;
    _Atomic uint64_t reads, bytes_served, read_errors; /* FUSE reads */
    _Atomic uint64_t disk_bytes, disk_cap; /* gauges: the disk cache's size and its cap */
    /* OMERO: sessions made (logins, or the public user's through OMERO.web), and of those the
     * renewals after the server let one expire */
    _Atomic uint64_t omero_sessions, omero_renewals;
} ome_stats;

static inline void ome_stats_add(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

#endif
