/* prefetch: sequential-read detection and a queue of read-ahead jobs run by worker threads. */
#include "vtiff/prefetch.h"

#include "base/cancel.h"
#include "base/log.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#define MIN_WINDOW ((uint64_t)4 << 20)
/* An OME-TIFF run shorter than this is no stream, whatever it crossed (`file` reads 7 MiB
 * from 0); an ImageJ file's run is one once it has gone into a second plane, or after
 * MIN_WINDOW / 2 of a plane read from its start (read ahead to that plane's end only). */
#define STREAM_MIN_RUN ((uint64_t)8 << 20)
#define JOB_BYTES ((uint64_t)4 << 20) /* a window is split so workers share it */
#define MAX_QUEUED 32
#define RUN_SLACK ((uint64_t)256 << 10) /* concurrent FUSE requests may arrive slightly reordered */

typedef struct {
    const ome_vtiff *vt;
    uint64_t off, len;
} prefetch_job;

struct ome_prefetch {
    pthread_mutex_t lock;
    pthread_cond_t work;
    prefetch_job queue[MAX_QUEUED];
    int head, count;
    bool stop;
    _Atomic bool stopping; /* stop, for the workers' waits (base/cancel.h) */
    uint64_t max_window;
    ome_stats *stats;
    int nthreads;
    pthread_t *threads;
};

/* A worker's transfers and waits end when the read-ahead is stopped (at unmount). */
static bool prefetch_stopping(void *ctx)
{
    return atomic_load(&((ome_prefetch *)ctx)->stopping);
}

static void *prefetch_worker(void *arg)
{
    ome_prefetch *p = arg;
    ome_cancel_set(prefetch_stopping, p);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->count == 0)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop)
            break;
        prefetch_job job = p->queue[p->head];
        p->head = (p->head + 1) % MAX_QUEUED;
        p->count--;
        pthread_mutex_unlock(&p->lock);
        size_t n = 0;
        ome_err err = {0};
        if (ome_vtiff_load(job.vt, job.off, job.len, &n, &err) != OME_OK)
            OME_LOGD("read-ahead of [%llu, +%llu) failed: %s", (unsigned long long)job.off,
                     (unsigned long long)job.len, err.msg);
        if (p->stats) {
            ome_stats_add(&p->stats->prefetch_jobs, 1);
            ome_stats_add(&p->stats->prefetch_chunks, n);
        }
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

ome_prefetch *ome_prefetch_new(int nthreads, uint64_t max_window, ome_stats *stats)
{
    ome_prefetch *p = calloc(1, sizeof *p);
    if (!p || !(p->threads = calloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof *p->threads))) {
        free(p);
        return NULL;
    }
    p->max_window = max_window;
    p->stats = stats;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    for (int i = 0; i < nthreads && max_window > 0; i++)
        if (pthread_create(&p->threads[p->nthreads], NULL, prefetch_worker, p) == 0)
            p->nthreads++;
    return p;
}

void ome_prefetch_free(ome_prefetch *p)
{
    if (!p)
        return;
    atomic_store(&p->stopping, true);
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    p->count = 0;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    free(p->threads);
    free(p);
}

/* Where the job from off (in a range ending at end) ends: about JOB_BYTES on, at the end of a
 * band of chunk rows, so that two jobs never share a chunk (neither then waits for the other's
 * loads); the range's last band is taken whole. */
static uint64_t job_end(const ome_vtiff *vt, uint64_t off, uint64_t end)
{
    uint64_t to = off + JOB_BYTES, cut = off;
    for (uint64_t at = off, band; at < to; at = band) {
        band = ome_vtiff_band_end(vt, at);
        if (band == UINT64_MAX || band <= at || band > to) /* no pixels there, or too long */
            break;
        cut = band;
        if (cut >= end)
            return cut;
    }
    return cut > off ? cut : to < end ? to : end;
}

/* Queues [off, end) in pieces of about JOB_BYTES; returns how far it got (the queue may be
 * full). */
static uint64_t enqueue_locked(ome_prefetch *p, const ome_vtiff *vt, uint64_t off, uint64_t end)
{
    while (off < end && p->count < MAX_QUEUED) {
        uint64_t len = job_end(vt, off, end) - off;
        p->queue[(p->head + p->count) % MAX_QUEUED] = (prefetch_job){vt, off, len};
        p->count++;
        off += len;
    }
    pthread_cond_broadcast(&p->work);
    return off;
}

bool ome_prefetch_note_read(ome_prefetch *p, ome_readahead *ra, const ome_vtiff *vt,
                            uint64_t off, uint64_t len)
{
    if (!p || p->nthreads == 0 || len == 0)
        return false;
    uint64_t end = off + len;
    pthread_mutex_lock(&p->lock);
    /* in the run: near its end, or past a gap between planes (ImageJ seeks over it) */
    bool in_run = ra->run_end > 0 && off + RUN_SLACK >= ra->run_start &&
                  (off <= ra->run_end + RUN_SLACK || ome_vtiff_only_gap(vt, ra->run_end, off));
    if (!in_run) { /* a jump: start over, nothing is read ahead for random access */
        ra->run_start = off;
        ra->run_end = end;
        ra->ahead_end = 0;
        ra->window = 0;
        ra->first_block = ome_vtiff_block_of(vt, off);
        ra->whole = off == 0;
        ra->hole_start = ra->hole_end = 0;
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    /* Bytes skipped: not a copy of the file, unless the request for them was only overtaken
     * (the kernel's read-ahead requests run concurrently) and arrives next. */
    if (off > ra->run_end) {
        if (ra->hole_end == 0) {
            ra->hole_start = ra->run_end;
            ra->hole_end = off;
        } else {
            ra->whole = false;
        }
    } else if (ra->hole_end && off <= ra->hole_start && end >= ra->hole_end) {
        ra->hole_start = ra->hole_end = 0;
    }
    if (end > ra->run_end)
        ra->run_end = end;
    if (ra->first_block == UINT64_MAX)
        ra->first_block = ome_vtiff_block_of(vt, off);
    /* A stream: long enough, and past enough block boundaries that it is no region read. An
     * ImageJ plane read from its start is one too, read ahead only to the plane's end until
     * the run goes into a second plane: one plane read (imread, memmap, ImageJ) is fetched
     * ahead, and never its neighbours. A run that has read every byte from the file's first
     * (cat, cp: a plane reader seeks past the header and the padding) is a copy of the whole
     * file, read ahead past the plane's end at once. */
    uint64_t last = ome_vtiff_block_of(vt, ra->run_end - 1), limit = ome_vtiff_size(vt);
    bool ome = ome_vtiff_kind_of(vt) == OME_VT_OME;
    uint64_t need = ome ? 3 : 1, min_run = ome ? STREAM_MIN_RUN : MIN_WINDOW / 2;
    bool known = ra->first_block != UINT64_MAX && last != UINT64_MAX;
    bool streaming = ra->run_end - ra->run_start >= min_run && known &&
                     last >= ra->first_block + need;
    uint64_t bs, be;
    if (!ome && !streaming && known && last == ra->first_block &&
        ra->run_end - ra->run_start >= min_run &&
        ome_vtiff_block_span(vt, ra->run_end - 1, &bs, &be) && ra->run_start <= bs + RUN_SLACK) {
        streaming = true;
        if (!ra->whole || ra->hole_end)
            limit = be;
    }
    if (streaming && !p->stop) {
        if (ra->window == 0)
            ra->window = MIN_WINDOW < p->max_window ? MIN_WINDOW : p->max_window;
        uint64_t pos = ra->run_end;
        /* topped up a job at a time, so the window stays full (refilled by halves, the jobs
         * came in bursts and the transfers ran dry between them); by halves of a window
         * smaller than a job */
        uint64_t step = ra->window / 2 < JOB_BYTES ? ra->window / 2 : JOB_BYTES;
        if (ra->ahead_end + step <= pos + ra->window && pos < limit) {
            uint64_t from = ra->ahead_end > pos ? ra->ahead_end : pos;
            uint64_t to = pos + ra->window < limit ? pos + ra->window : limit;
            if (from < to)
                ra->ahead_end = enqueue_locked(p, vt, from, to);
            if (ra->window < p->max_window)
                ra->window = ra->window * 2 < p->max_window ? ra->window * 2 : p->max_window;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return streaming;
}
