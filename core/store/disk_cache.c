/* disk_cache: persistent cache of encoded objects in front of another store (see disk_cache.h).
 *
 * Layout: DIR/v2/XX/YYYYYYYYYYYYYY, the 16 hex digits of a 64-bit hash of the entry's identity
 * (source, array generation, key, range). An entry file is a 36-byte header, the identity, the
 * validators and the body:
 *   "OMEFSC1\n" | u32 flags | u32 crc32c(body) | u64 body_len | u16 ident_len | u16 etag_len |
 *   u16 last_modified_len | u16 0 | u32 crc32c(header[0..32) + strings) | strings | body
 * all little-endian. Flags: bit 0, absent (a 404 kept); bits 1-31, for metadata, when the
 * server last confirmed it, in seconds since CONFIRMED_EPOCH (0: unknown, as older entries
 * have it). The file's mtime is its recency for eviction. Temporary files start with '.' and
 * are renamed into place. */
#include "store/disk_cache.h"
#include "store/store_backend.h"

#include "base/crc32c.h"
#include "base/log.h"
#include "base/platform.h"
#include "base/stats.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

/* The entries' folder, named after the format of their identity: v2 names every source by
 * ome_store_identity (v1 named HTTP and S3 sources by their redacted URL, which two sources could
 * share); entries of another format are never read. */
#define FORMAT_DIR "v2"
#define ENTRY_MAGIC "OMEFSC1\n"
#define HEADER_LEN 36
#define FLAG_ABSENT 1u
#define CONFIRMED_EPOCH 1704067200 /* 2024-01-01T00:00:00Z; 31 bits of seconds reach 2092 */
#define STALE_TMP_SECONDS 3600

/* The generation of one array: its directory (the key prefix of its chunks) and the hash of its
 * metadata document. Held in a table that grows: any number of arrays is recorded. */
typedef struct {
    char *prefix; /* NULL: free slot */
    char gen[17];
} array_gen;

typedef struct {
    char ident[4400];
    char path[32]; /* "ab/cdef…", relative to the cache's directory (ds->dir_fd) */
    char dir[8];   /* "ab" */
    bool metadata; /* written with the time the server confirmed it (see entry_write) */
} entry_ref;

/* A chunk entry waiting for the writer thread. */
typedef struct write_job {
    entry_ref e;
    ome_store_req r; /* owns a copy of the body and the validators */
    bool absent;
    struct write_job *next;
} write_job;

#define WRITE_BEHIND_DEFAULT ((size_t)8 << 20) /* fetching waits when more is pending */

typedef struct {
    ome_store base;
    ome_store *inner;
    char *dir; /* DIR/v2, for messages */
    int dir_fd; /* DIR/v2, opened once and checked: every entry operation is relative to it */
    uint64_t cap;
    bool offline;
    double metadata_ttl_s; /* metadata confirmed this recently is used without asking */
    ome_stats *stats;
    _Atomic uint64_t total;   /* bytes of entries, as last scanned plus what we wrote since */
    _Atomic uint64_t counter; /* for unique temporary names */
    pthread_mutex_t evict_lock;
    pthread_mutex_t gen_lock;
    array_gen *gens;  /* open addressing, at most half full */
    size_t ngens, capgens;
    char host[64];
    /* the writer: chunk entries are written off the read path */
    pthread_mutex_t wlock;
    pthread_cond_t wwork, wroom;
    write_job *whead, *wtail;
    const write_job *writing; /* the job the writer is on (lock released), or NULL */
    size_t wqueued;
    size_t write_behind; /* bytes of entries that may wait for the writer */
    bool wstop, wstarted;
    pid_t wpid; /* the process that started it: daemonizing forks, threads do not follow */
    pthread_t writer;
    ome_key_classifier classify; /* which keys are metadata */
} disk_store;

#define COUNT(ds, field)                                                                       \
    do {                                                                                       \
        if ((ds)->stats)                                                                       \
            ome_stats_add(&(ds)->stats->field, 1);                                             \
    } while (0)

static uint64_t hash64(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    h ^= h >> 33; /* finalizer: spread the low bits into the name */
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t crc_of(uint32_t crc, const void *data, size_t len)
{
    return ome_crc32c_update(crc, data, len);
}

static const char *basename_of(const char *key)
{
    const char *s = strrchr(key, '/');
    return s ? s + 1 : key;
}

static bool key_is_metadata(const disk_store *ds, const char *key)
{
    return ds->classify && ds->classify(key) != OME_KEY_CHUNK;
}

static bool key_is_array_metadata(const disk_store *ds, const char *key)
{
    return ds->classify && ds->classify(key) == OME_KEY_ARRAY_METADATA;
}

/* The slot of `prefix` ([prefix, prefix+n)) in the generation table, or the free slot where it
 * would go; called with gen_lock held and capgens > 0. */
static array_gen *gen_slot(disk_store *ds, const char *prefix, size_t n)
{
    size_t k = (size_t)hash64(prefix, n) & (ds->capgens - 1);
    for (;; k = (k + 1) & (ds->capgens - 1)) {
        array_gen *g = &ds->gens[k];
        if (!g->prefix || (strlen(g->prefix) == n && memcmp(g->prefix, prefix, n) == 0))
            return g;
    }
}

/* Makes room for one more generation; false when out of memory. */
static bool gen_grow(disk_store *ds)
{
    if (2 * (ds->ngens + 1) <= ds->capgens)
        return true;
    size_t cap = ds->capgens ? 2 * ds->capgens : 64;
    array_gen *old = ds->gens, *fresh = calloc(cap, sizeof *fresh);
    if (!fresh)
        return false;
    size_t oldcap = ds->capgens;
    ds->gens = fresh;
    ds->capgens = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].prefix)
            *gen_slot(ds, old[i].prefix, strlen(old[i].prefix)) = old[i];
    free(old);
    return true;
}

/* Remembers the generation (hash of the metadata document) of the array at key's directory.
 * Returns false when it cannot (out of memory): the caller then keeps no chunk of it. */
static bool gen_record(disk_store *ds, const char *key, const ome_buf *body)
{
    size_t n = (size_t)(basename_of(key) - key);
    char gen[17];
    snprintf(gen, sizeof gen, "%016llx",
             (unsigned long long)hash64((const char *)body->data, body->len));
    pthread_mutex_lock(&ds->gen_lock);
    bool ok = gen_grow(ds);
    array_gen *g = ok ? gen_slot(ds, key, n) : NULL;
    if (g && !g->prefix) {
        ok = (g->prefix = strndup(key, n)) != NULL;
        ds->ngens += ok;
    }
    if (ok)
        memcpy(g->gen, gen, sizeof gen);
    pthread_mutex_unlock(&ds->gen_lock);
    return ok;
}

/* Generation of the array a chunk key belongs to: that of the longest recorded directory
 * prefix of the key ("" when none). */
static void gen_lookup(disk_store *ds, const char *key, char gen[17])
{
    gen[0] = '\0';
    pthread_mutex_lock(&ds->gen_lock);
    for (size_t n = strlen(key); ds->capgens; n--) {
        if (n == 0 || key[n - 1] == '/') {
            array_gen *g = gen_slot(ds, key, n);
            if (g->prefix) {
                memcpy(gen, g->gen, 17);
                break;
            }
        }
        if (n == 0)
            break;
    }
    pthread_mutex_unlock(&ds->gen_lock);
}

/* Names the entry of a request. False when its identity does not fit an entry (a very long
 * key): the request then goes to the source uncached, never under a cut-short name. */
static bool entry_locate(disk_store *ds, const ome_store_req *r, bool metadata, entry_ref *e)
{
    char gen[17] = "";
    e->metadata = metadata;
    if (!metadata)
        gen_lookup(ds, r->key, gen);
    int n = snprintf(e->ident, sizeof e->ident, "%s\n%s\n%s\n%d:%llu:%llu",
                     ome_store_identity(ds->inner), gen, r->key, (int)r->range,
                     (unsigned long long)r->off, (unsigned long long)r->len);
    if (n < 0 || (size_t)n >= sizeof e->ident)
        return false;
    size_t len = (size_t)n;
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash64(e->ident, len));
    snprintf(e->dir, sizeof e->dir, "%.2s", hex);
    snprintf(e->path, sizeof e->path, "%.2s/%s", hex, hex + 2);
    return true;
}

/* Reads up to n bytes (fewer only at the end of the file); returns the count, or -1. */
static ssize_t read_upto(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

#define HEAD_READ 8192 /* the header and strings are read with the start of the body */

/* Reads an entry. Returns OME_OK (body/validators in r; *absent for a cached 404; *confirmed,
 * for metadata, when the server last confirmed it), 1 when there is no usable entry (a corrupt
 * one is removed). Two reads: the head, then the rest of the body straight into the request's
 * buffer. */
static int entry_read(disk_store *ds, const entry_ref *e, ome_store_req *r, bool *absent,
                      time_t *confirmed)
{
    /* O_NONBLOCK: a FIFO put in the cache's place must not hold the read (it is then refused
     * as not a regular file) */
    int fd = openat(ds->dir_fd, e->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return 1;
    struct stat st;
    uint8_t head[HEAD_READ];
    const char *why = NULL;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        OME_LOGW("disk cache: %s/%s is not a regular file; left alone", ds->dir, e->path);
        return 1;
    }
    ssize_t got = read_upto(fd, head, sizeof head);
    if (got < HEADER_LEN) {
        why = "truncated header";
        goto bad;
    }
    const uint8_t *h = head;
    uint32_t flags = get32(h + 8), body_crc = get32(h + 12);
    uint64_t body_len = get64(h + 16);
    size_t ilen = get16(h + 24), elen = get16(h + 26), llen = get16(h + 28);
    size_t strings_end = HEADER_LEN + ilen + elen + llen;
    const char *strings = (const char *)head + HEADER_LEN;
    if (memcmp(h, ENTRY_MAGIC, 8) != 0) {
        why = "bad magic";
        goto bad;
    }
    if (strings_end > (size_t)got || elen >= sizeof r->etag ||
        llen >= sizeof r->last_modified || (uint64_t)st.st_size != strings_end + body_len) {
        why = "size does not match its header";
        goto bad;
    }
    if (crc_of(crc_of(0, h, 32), strings, ilen + elen + llen) != get32(h + 32)) {
        why = "header checksum mismatch";
        goto bad;
    }
    if (ilen != strlen(e->ident) || memcmp(strings, e->ident, ilen) != 0) {
        close(fd); /* another object with the same hash: a miss, not corruption */
        return 1;
    }
    r->body.len = 0;
    if (body_len > OME_MAX_OBJECT_BYTES || ome_buf_reserve(&r->body, body_len ? body_len : 1)) {
        why = "body too large";
        goto bad;
    }
    size_t in_head = (size_t)got - strings_end; /* the file may have grown since fstat */
    if (in_head > body_len)
        in_head = (size_t)body_len;
    memcpy(r->body.data, head + strings_end, in_head);
    size_t rest = (size_t)(body_len - in_head);
    if (read_upto(fd, r->body.data + in_head, rest) != (ssize_t)rest ||
        crc_of(0, r->body.data, body_len) != body_crc) {
        why = "body checksum mismatch";
        goto bad;
    }
    r->body.len = body_len;
    memcpy(r->etag, strings + ilen, elen);
    r->etag[elen] = '\0';
    memcpy(r->last_modified, strings + ilen + elen, llen);
    r->last_modified[llen] = '\0';
    *absent = (flags & FLAG_ABSENT) != 0;
    *confirmed = flags >> 1 ? (time_t)CONFIRMED_EPOCH + (time_t)(flags >> 1) : 0;
    /* Recency for LRU eviction (best effort on shared directories); not rewritten for entries
     * used within the last minute, to spare a metadata write per read. */
    if (time(NULL) - st.st_mtime > 60)
        futimens(fd, NULL);
    close(fd);
    return OME_OK;
bad:
    close(fd);
    r->body.len = 0;
    OME_LOGW("disk cache: dropping %s/%s (%s)", ds->dir, e->path, why);
    unlinkat(ds->dir_fd, e->path, 0);
    COUNT(ds, disk_corrupt);
    return 1;
}

static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t k = writev(fd, iov, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        while (n > 0 && (size_t)k >= iov->iov_len) {
            k -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    return 0;
}

static void maybe_evict(disk_store *ds);

/* Writes an entry atomically: a private temporary file, then rename over the final name. A
 * metadata entry is written when the server has just answered for it: stamped as confirmed
 * now. */
static void entry_write(disk_store *ds, const entry_ref *e, const ome_store_req *r, bool absent)
{
    time_t now = time(NULL);
    uint32_t confirmed = e->metadata && now > CONFIRMED_EPOCH
                             ? (uint32_t)((uint64_t)(now - CONFIRMED_EPOCH) & 0x7fffffffu) : 0;
    size_t ilen = strlen(e->ident), elen = strlen(r->etag), llen = strlen(r->last_modified);
    const uint8_t *body = absent ? NULL : r->body.data;
    size_t body_len = absent ? 0 : r->body.len;
    uint8_t h[HEADER_LEN];
    memcpy(h, ENTRY_MAGIC, 8);
    put32(h + 8, (absent ? FLAG_ABSENT : 0) | confirmed << 1);
    put32(h + 12, crc_of(0, body, body_len));
    put64(h + 16, body_len);
    put16(h + 24, (uint16_t)ilen);
    put16(h + 26, (uint16_t)elen);
    put16(h + 28, (uint16_t)llen);
    put16(h + 30, 0);
    uint32_t hc = crc_of(crc_of(crc_of(crc_of(0, h, 32), e->ident, ilen), r->etag, elen),
                         r->last_modified, llen);
    put32(h + 32, hc);

    char tmp[4300];
    unsigned long long k = atomic_fetch_add(&ds->counter, 1);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%ld-%ld-%llu", e->dir, ds->host, (long)getpid(),
             ome_thread_id(), k);
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
    int fd = openat(ds->dir_fd, tmp, flags, 0600);
    if (fd < 0 && errno == ENOENT && /* the directory is new (or another process made it) */
        (mkdirat(ds->dir_fd, e->dir, 0700) == 0 || errno == EEXIST))
        fd = openat(ds->dir_fd, tmp, flags, 0600);
    if (fd < 0) {
        OME_LOGW("disk cache: cannot write %s/%s: %s", ds->dir, tmp, strerror(errno));
        return;
    }
    struct iovec iov[5] = {{h, HEADER_LEN},
                           {(void *)e->ident, ilen},
                           {(void *)r->etag, elen},
                           {(void *)r->last_modified, llen},
                           {(void *)body, body_len}};
    int rc = write_all(fd, iov, body_len ? 5 : 4);
    if (close(fd) || rc || renameat(ds->dir_fd, tmp, ds->dir_fd, e->path)) {
        OME_LOGW("disk cache: cannot write %s/%s: %s", ds->dir, e->path, strerror(errno));
        unlinkat(ds->dir_fd, tmp, 0);
        return;
    }
    COUNT(ds, disk_writes);
    atomic_fetch_add(&ds->total, HEADER_LEN + ilen + elen + llen + body_len);
    if (ds->stats)
        atomic_store(&ds->stats->disk_bytes, atomic_load(&ds->total));
    if (atomic_load(&ds->total) > ds->cap)
        maybe_evict(ds);
}

static void *writer_main(void *arg)
{
    disk_store *ds = arg;
    pthread_mutex_lock(&ds->wlock);
    for (;;) {
        while (!ds->whead && !ds->wstop)
            pthread_cond_wait(&ds->wwork, &ds->wlock);
        write_job *j = ds->whead;
        if (!j)
            break; /* stopping, and everything queued is written */
        ds->whead = j->next;
        if (!ds->whead)
            ds->wtail = NULL;
        ds->writing = j;
        pthread_mutex_unlock(&ds->wlock);
        entry_write(ds, &j->e, &j->r, j->absent);
        pthread_mutex_lock(&ds->wlock);
        ds->writing = NULL;
        ds->wqueued -= j->r.body.len;
        pthread_cond_broadcast(&ds->wroom);
        ome_buf_free(&j->r.body);
        free(j);
    }
    pthread_mutex_unlock(&ds->wlock);
    return NULL;
}

/* Drops the entry of e: its queued writes (waiting for one under way), then its file. For a
 * copy that proved bad (a request marked fresh): nothing of it may be served again. */
static void entry_forget(disk_store *ds, const entry_ref *e)
{
    pthread_mutex_lock(&ds->wlock);
    for (write_job **at = &ds->whead, *prev = NULL; *at;) {
        write_job *j = *at;
        if (strcmp(j->e.path, e->path) != 0) {
            prev = j;
            at = &j->next;
            continue;
        }
        *at = j->next;
        if (ds->wtail == j)
            ds->wtail = prev;
        ds->wqueued -= j->r.body.len;
        ome_buf_free(&j->r.body);
        free(j);
    }
    while (ds->writing && strcmp(ds->writing->e.path, e->path) == 0)
        pthread_cond_wait(&ds->wroom, &ds->wlock);
    pthread_cond_broadcast(&ds->wroom);
    pthread_mutex_unlock(&ds->wlock);
    unlinkat(ds->dir_fd, e->path, 0);
}

/* Waits while more than write_behind bytes wait for the writer. */
static void wait_for_room(disk_store *ds)
{
    pthread_mutex_lock(&ds->wlock);
    while (ds->wqueued > ds->write_behind)
        pthread_cond_wait(&ds->wroom, &ds->wlock);
    pthread_mutex_unlock(&ds->wlock);
}

/* Writes metadata at once (mount time, before the daemon forks); queues chunks for the writer
 * thread, waiting while too much is pending unless told not to (a batch whose other transfers
 * are still running: it waits once they are done). */
static void entry_store(disk_store *ds, const entry_ref *e, const ome_store_req *r, bool absent,
                        bool may_wait)
{
    if (!e->ident[0]) /* a request whose identity has no entry name: never kept */
        return;
    write_job *j = key_is_metadata(ds, r->key) ? NULL : calloc(1, sizeof *j);
    if (j && !absent && ome_buf_append(&j->r.body, r->body.data, r->body.len)) {
        free(j);
        j = NULL;
    }
    if (!j) {
        entry_write(ds, e, r, absent);
        return;
    }
    j->e = *e;
    j->absent = absent;
    memcpy(j->r.etag, r->etag, sizeof r->etag);
    memcpy(j->r.last_modified, r->last_modified, sizeof r->last_modified);
    pthread_mutex_lock(&ds->wlock);
    if (!ds->wstarted || ds->wpid != getpid()) {
        ds->wstarted = pthread_create(&ds->writer, NULL, writer_main, ds) == 0;
        ds->wpid = getpid();
    }
    if (!ds->wstarted) {
        pthread_mutex_unlock(&ds->wlock);
        entry_write(ds, &j->e, &j->r, absent);
        ome_buf_free(&j->r.body);
        free(j);
        return;
    }
    while (may_wait && ds->wqueued > ds->write_behind)
        pthread_cond_wait(&ds->wroom, &ds->wlock);
    ds->wqueued += j->r.body.len;
    if (ds->wtail)
        ds->wtail->next = j;
    else
        ds->whead = j;
    ds->wtail = j;
    pthread_cond_signal(&ds->wwork);
    pthread_mutex_unlock(&ds->wlock);
}

typedef struct {
    char path[300]; /* relative to the cache's directory */
    time_t mtime;
    uint64_t size;
} scan_item;

typedef struct {
    scan_item *items;
    size_t n, cap;
    uint64_t total;
} scan_list;

static int by_age(const void *a, const void *b)
{
    const scan_item *x = a, *y = b;
    return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* Lists every entry under the cache's directory (dir_fd); removes temporary files left by
 * killed writers. */
static void scan(int dir_fd, scan_list *out, bool keep_items)
{
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *top = fd >= 0 ? fdopendir(fd) : NULL;
    if (!top) {
        if (fd >= 0)
            close(fd);
        return;
    }
    time_t now = time(NULL);
    struct dirent *d;
    while ((d = readdir(top))) {
        if (d->d_name[0] == '.' || strlen(d->d_name) != 2)
            continue;
        int sfd = openat(dirfd(top), d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *sd = sfd >= 0 ? fdopendir(sfd) : NULL;
        if (!sd) {
            if (sfd >= 0)
                close(sfd);
            continue;
        }
        struct dirent *f;
        while ((f = readdir(sd))) {
            if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
                continue;
            struct stat st;
            if (fstatat(dirfd(sd), f->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
                continue;
            if (f->d_name[0] == '.') {
                if (now - st.st_mtime > STALE_TMP_SECONDS)
                    unlinkat(dirfd(sd), f->d_name, 0);
                continue;
            }
            out->total += (uint64_t)st.st_size;
            if (!keep_items)
                continue;
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 1024;
                scan_item *p = realloc(out->items, cap * sizeof *p);
                if (!p)
                    continue;
                out->items = p;
                out->cap = cap;
            }
            scan_item *it = &out->items[out->n++];
            snprintf(it->path, sizeof it->path, "%s/%.280s", d->d_name, f->d_name);
            it->mtime = st.st_mtime;
            it->size = (uint64_t)st.st_size;
        }
        closedir(sd);
    }
    closedir(top);
}

/* Removes least recently used entries until the cache is at 90 % of its cap. One thread of a
 * process evicts at a time; other processes may evict concurrently (unlink is idempotent). */
static void maybe_evict(disk_store *ds)
{
    if (pthread_mutex_trylock(&ds->evict_lock) != 0)
        return;
    scan_list l = {0};
    scan(ds->dir_fd, &l, true);
    uint64_t target = ds->cap - ds->cap / 10, total = l.total;
    if (total > ds->cap) {
        qsort(l.items, l.n, sizeof *l.items, by_age);
        for (size_t i = 0; i < l.n && total > target; i++) {
            if (unlinkat(ds->dir_fd, l.items[i].path, 0) == 0 || errno == ENOENT) {
                total -= l.items[i].size;
                COUNT(ds, disk_evictions);
            }
        }
    }
    atomic_store(&ds->total, total);
    if (ds->stats)
        atomic_store(&ds->stats->disk_bytes, total);
    free(l.items);
    pthread_mutex_unlock(&ds->evict_lock);
}

uint64_t ome_disk_cache_scan_bytes(const char *dir)
{
    char v1[4100];
    snprintf(v1, sizeof v1, "%s/" FORMAT_DIR, dir);
    scan_list l = {0};
    int fd = open(v1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        scan(fd, &l, false);
        close(fd);
    }
    return l.total;
}

/* Request r is final: the generation of an array's metadata recorded, then its caller told. */
static void request_done(disk_store *ds, ome_store_req *r)
{
    if (r->status == OME_OK && key_is_array_metadata(ds, r->key))
        gen_record(ds, r->key, &r->body);
    ome_store_req_done(r);
}

/* The requests a batch forwards to the source, and whose answers are settled. */
typedef struct {
    disk_store *ds;
    ome_store_req *reqs, *fwd;
    const entry_ref *refs;
    const size_t *which; /* fwd[k] asks for reqs[which[k]] */
    bool *settled;
} forward_batch;

/* Puts the source's answer f into the caller's request r: the copy held, confirmed (and
 * stamped so), or the new body, kept (waiting for the writer if may_wait). */
static void forward_settle(disk_store *ds, ome_store_req *r, ome_store_req *f, const entry_ref *e,
                           bool may_wait)
{
    if (f->status == OME_NOT_MODIFIED) {
        r->status = OME_OK; /* r already holds the cached body and validators */
        if (e->ident[0] && ds->metadata_ttl_s > 0) /* confirmed now: trusted for the TTL */
            entry_write(ds, e, r, false);
        return;
    }
    ome_buf_free(&r->body);
    r->body = f->body;
    f->body = (ome_buf){0};
    r->status = f->status;
    r->err = f->err;
    r->size = f->size;
    memcpy(r->etag, f->etag, sizeof r->etag);
    memcpy(r->last_modified, f->last_modified, sizeof r->last_modified);
    if (r->status == OME_OK || r->status == OME_ABSENT)
        entry_store(ds, e, r, r->status == OME_ABSENT, may_wait);
}

/* A forwarded request is final (called by the source as it comes): settled and passed on at
 * once, so the caller can use it while the rest of the batch is on its way. */
static void forward_done(ome_store_req *f, void *ctx)
{
    forward_batch *b = ctx;
    size_t k = (size_t)(f - b->fwd), i = b->which[k];
    forward_settle(b->ds, &b->reqs[i], f, &b->refs[i], false); /* the batch's transfers go on */
    b->settled[k] = true;
    request_done(b->ds, &b->reqs[i]);
}

static int disk_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    disk_store *ds = (disk_store *)s;
    entry_ref *refs = calloc(n ? n : 1, sizeof *refs);
    ome_store_req *fwd = calloc(n ? n : 1, sizeof *fwd);
    size_t *which = calloc(n ? n : 1, sizeof *which);
    bool *settled = calloc(n ? n : 1, sizeof *settled);
    if (!refs || !fwd || !which || !settled) {
        free(refs), free(fwd), free(which), free(settled);
        return ome_store_get_many(ds->inner, reqs, n);
    }
    forward_batch batch = {ds, reqs, fwd, refs, which, settled};
    size_t nfwd = 0;
    for (size_t i = 0; i < n; i++) {
        ome_store_req *r = &reqs[i];
        bool meta = key_is_metadata(ds, r->key), absent = false;
        bool named = entry_locate(ds, r, meta, &refs[i]);
        if (!named)
            refs[i].ident[0] = '\0'; /* not kept: see entry_store */
        r->etag[0] = r->last_modified[0] = '\0';
        ome_err_clear(&r->err);
        if (r->fresh && named) { /* the copy held proved bad: from the source, not kept */
            entry_forget(ds, &refs[i]);
            refs[i].ident[0] = '\0';
            named = false;
        }
        time_t confirmed = 0, now = time(NULL);
        bool have = named && entry_read(ds, &refs[i], r, &absent, &confirmed) == OME_OK;
        /* metadata confirmed within the TTL (and not in the future: a clock set back); the
         * source's own documents (at its root) are always asked, so a mount still finds at once
         * a server that is gone, untrusted or refusing */
        bool trusted = meta && ds->metadata_ttl_s > 0 && strchr(r->key, '/') &&
                       confirmed <= now && (double)(now - confirmed) < ds->metadata_ttl_s;
        if (have && (!meta || ds->offline || trusted)) {
            COUNT(ds, disk_hits);
            r->status = absent ? OME_ABSENT : OME_OK;
            if (absent)
                r->body.len = 0;
            request_done(ds, r);
            continue;
        }
        if (!have)
            COUNT(ds, disk_misses);
        if (ds->offline) {
            char where[4096];
            ome_store_describe(ds->inner, r->key, where, sizeof where);
            r->status = ome_err_set(&r->err, OME_EIO, "%s: not in the disk cache (offline)",
                                    where);
            request_done(ds, r);
            continue;
        }
        /* Metadata: revalidate what the cache holds with a conditional request. */
        ome_store_req *f = &fwd[nfwd];
        *f = (ome_store_req){.key = r->key, .range = r->range, .off = r->off, .len = r->len,
                             .fresh = r->fresh, .max_bytes = r->max_bytes,
                             .on_done = forward_done, .on_done_ctx = &batch};
        if (have && !absent && r->etag[0])
            f->if_none_match = r->etag;
        else if (have && !absent && r->last_modified[0])
            f->if_modified_since = r->last_modified;
        which[nfwd++] = i;
    }
    if (nfwd)
        ome_store_get_many(ds->inner, fwd, nfwd);
    bool early = false;
    for (size_t k = 0; k < nfwd; k++) { /* what the source did not pass on as it came */
        early |= settled[k];
        if (!settled[k]) {
            forward_settle(ds, &reqs[which[k]], &fwd[k], &refs[which[k]], true);
            request_done(ds, &reqs[which[k]]);
        }
    }
    if (early) /* kept while the batch's transfers ran, without waiting: the wait is now */
        wait_for_room(ds);
    ome_store_reqs_free(fwd, nfwd);
    free(refs), free(fwd), free(which), free(settled);
    return OME_OK;
}

static void disk_destroy(ome_store *s)
{
    disk_store *ds = (disk_store *)s;
    pthread_mutex_lock(&ds->wlock);
    ds->wstop = true;
    pthread_cond_broadcast(&ds->wwork);
    bool join = ds->wstarted && ds->wpid == getpid();
    pthread_mutex_unlock(&ds->wlock);
    if (join)
        pthread_join(ds->writer, NULL); /* after it has written everything queued */
    pthread_mutex_destroy(&ds->wlock);
    pthread_cond_destroy(&ds->wwork);
    pthread_cond_destroy(&ds->wroom);
    ome_store_close(ds->inner);
    pthread_mutex_destroy(&ds->evict_lock);
    pthread_mutex_destroy(&ds->gen_lock);
    for (size_t i = 0; i < ds->capgens; i++)
        free(ds->gens[i].prefix);
    free(ds->gens);
    free(ds->dir);
    if (ds->dir_fd >= 0)
        close(ds->dir_fd);
    free(ds);
}

/* The key a listing of the root's folders is kept under: no object can have it (keys never
 * start with a control character). */
#define LISTING_KEY "\x01folders:" /* then the folder's path */

/* Listings come from the source when online and are kept, the names each ended by a NUL (which
 * no name holds: any other byte, a newline too, round-trips), so that an offline mount lists the
 * same folders. */
static int disk_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err)
{
    disk_store *ds = (disk_store *)s;
    size_t klen = strlen(LISTING_KEY) + strlen(path) + 1;
    char *key = malloc(klen);
    entry_ref *e = malloc(sizeof *e);
    if (!key || !e) {
        free(key), free(e);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    snprintf(key, klen, "%s%s", LISTING_KEY, path);
    ome_store_req r = {.key = key, .range = OME_RANGE_ALL};
    bool named = entry_locate(ds, &r, true, e);
    if (!ds->offline) {
        int rc = ome_store_list_dirs(ds->inner, path, names, n, err);
        for (int i = 0; rc == OME_OK && i < *n && !r.err.code; i++)
            if (ome_buf_append(&r.body, (*names)[i], strlen((*names)[i]) + 1))
                r.err.code = OME_ENOMEM; /* not kept: the listing itself stands */
        if (rc == OME_OK && !r.err.code && named)
            entry_write(ds, e, &r, false);
        ome_buf_free(&r.body);
        free(key), free(e);
        return rc;
    }
    bool absent = false;
    time_t confirmed;
    int got = named ? entry_read(ds, e, &r, &absent, &confirmed) : OME_ABSENT;
    free(key), free(e);
    if (got != OME_OK)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: never listed online (offline)",
                           ds->inner->root);
    int rc = OME_OK;
    for (size_t at = 0; rc == OME_OK && at < r.body.len;) {
        const char *line = (const char *)r.body.data + at;
        const char *nl = memchr(line, '\0', r.body.len - at);
        size_t len = nl ? (size_t)(nl - line) : r.body.len - at;
        if (len)
            rc = ome_store_names_add(names, n, line, len, err);
        at += len + 1;
    }
    ome_buf_free(&r.body);
    return ome_store_names_done(names, n, rc);
}

static const ome_store_ops disk_ops = {disk_get_many, disk_destroy, disk_list_dirs};

bool ome_disk_cache_default_dir(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') {
        snprintf(out, outlen, "%s/omefs", xdg);
        return true;
    }
    if (!home || home[0] != '/') { /* the password database's home, never a shared place */
        struct passwd pw, *found = NULL;
        char buf[4096];
        if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) || !found ||
            !found->pw_dir || found->pw_dir[0] != '/' || strcmp(found->pw_dir, "/") == 0) {
            out[0] = '\0';
            return false;
        }
        snprintf(out, outlen, "%s/.cache/omefs", found->pw_dir);
        return true;
    }
    snprintf(out, outlen, "%s/.cache/omefs", home);
    return true;
}

/* Checks a directory opened as fd: ours, a directory, and private (made so when it is not). */
static int check_private(int fd, const char *name, ome_err *err)
{
    struct stat st;
    if (fstat(fd, &st) || !S_ISDIR(st.st_mode))
        return ome_err_set(err, OME_EIO, "cache_dir %s: not a directory", name);
    if (st.st_uid != geteuid())
        return ome_err_set(err, OME_EDENIED, "cache_dir %s: owned by uid %u, not by us (%u)",
                           name, (unsigned)st.st_uid, (unsigned)geteuid());
    if ((st.st_mode & 077) && fchmod(fd, 0700))
        return ome_err_set(err, OME_EIO, "cache_dir %s: cannot make it private: %s", name,
                           strerror(errno));
    return OME_OK;
}

/* Refuses a cache directory whose parent another user could swap: the parent must belong to
 * us or to root, and be writable by no one else unless sticky (like /tmp). */
static int check_parent(const char *dir, ome_err *err)
{
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else
        slash[slash == parent] = '\0'; /* "/x" keeps "/" */
    struct stat st;
    if (stat(parent, &st))
        return ome_err_set(err, OME_EIO, "cache_dir %s: %s: %s", dir, parent, strerror(errno));
    if ((st.st_uid != geteuid() && st.st_uid != 0) ||
        ((st.st_mode & 022) && !ome_mode_sticky(st.st_mode)))
        return ome_err_set(err, OME_EDENIED,
                           "cache_dir %s: its folder %s can be written by another user, who could "
                           "swap the cache; choose a cache_dir in a folder of your own",
                           dir, parent);
    return OME_OK;
}

/* Creates (mode 0700, mkdir -p) and opens the cache directory and its FORMAT_DIR, checked on
 * the open descriptors; every entry operation then goes through the returned descriptor, so a
 * directory swapped in later under the same name is never used. Returns it, or -1. */
static int open_cache_dir(const char *dir, ome_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) && errno != EEXIST) {
            ome_err_set(err, OME_EIO, "cache_dir %s: cannot create %s: %s", dir, path,
                        strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if ((mkdir(path, 0700) && errno != EEXIST)) {
        ome_err_set(err, OME_EIO, "cache_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (check_parent(dir, err))
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), vfd = -1;
    if (fd < 0) {
        ome_err_set(err, OME_EIO, "cache_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (check_private(fd, dir, err) == OME_OK) {
        if (mkdirat(fd, FORMAT_DIR, 0700) && errno != EEXIST)
            ome_err_set(err, OME_EIO, "cache_dir %s: %s", dir, strerror(errno));
        else if ((vfd = openat(fd, FORMAT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
                 0)
            ome_err_set(err, OME_EIO, "cache_dir %s/%s: %s", dir, FORMAT_DIR, strerror(errno));
        else if (check_private(vfd, dir, err)) {
            close(vfd);
            vfd = -1;
        }
    }
    close(fd);
    return vfd;
}

int ome_disk_cache_open(ome_store *inner, const ome_disk_cache_opts *o, ome_store **out,
                        ome_err *err)
{
    disk_store *ds = calloc(1, sizeof *ds);
    if (!ds) {
        ome_store_close(inner);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    ds->dir_fd = -1;
    ds->inner = inner;
    ds->base.ops = &disk_ops;
    ds->base.root = inner->root;
    ds->cap = o->cap_bytes;
    ds->write_behind = o->write_behind_bytes ? o->write_behind_bytes : WRITE_BEHIND_DEFAULT;
    ds->offline = o->offline;
    ds->metadata_ttl_s = o->metadata_ttl_s;
    ds->stats = o->stats;
    ds->classify = o->classify;
    pthread_mutex_init(&ds->evict_lock, NULL);
    pthread_mutex_init(&ds->gen_lock, NULL);
    pthread_mutex_init(&ds->wlock, NULL);
    pthread_cond_init(&ds->wwork, NULL);
    pthread_cond_init(&ds->wroom, NULL);
    if (gethostname(ds->host, sizeof ds->host))
        snprintf(ds->host, sizeof ds->host, "host");
    ds->host[sizeof ds->host - 1] = '\0';
    for (char *p = ds->host; *p; p++)
        if (*p == '/')
            *p = '_';
    size_t n = strlen(o->dir) + 4;
    int rc = OME_OK;
    if (!(ds->dir = malloc(n)))
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    else
        snprintf(ds->dir, n, "%s/" FORMAT_DIR, o->dir);
    if (rc == OME_OK && (ds->dir_fd = open_cache_dir(o->dir, err)) < 0)
        rc = err->code ? err->code : OME_EIO;
    if (rc != OME_OK) {
        disk_destroy(&ds->base);
        return rc;
    }
    scan_list l = {0};
    scan(ds->dir_fd, &l, false);
    atomic_store(&ds->total, l.total);
    if (ds->stats) {
        atomic_store(&ds->stats->disk_bytes, l.total);
        atomic_store(&ds->stats->disk_cap, ds->cap);
    }
    if (l.total > ds->cap)
        maybe_evict(ds);
    *out = &ds->base;
    return OME_OK;
}
