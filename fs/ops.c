/* ops: the FUSE callbacks. Thin: paths go to the tree (or, for plates, lists, collections and
 * folders of images, to folders read on first use, at any depth), reads to ome_vtiff_read (and
 * the read-ahead). The mount is read-only and its content immutable, so the kernel may cache
 * pages and attributes for long.
 * `.omefs/stats` is the exception: generated at open, read uncached. */
#include "omefs.h"

#include "base/cancel.h"
#include "base/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static omefs_mount *mount_of(void) { return fuse_get_context()->private_data; }

/* What an open file handle (fi->fh) points to. */
typedef struct omefs_handle {
    const ome_tree_file *file; /* NULL for the stats file */
    ome_readahead ra;
    char *text; /* stats snapshot */
    size_t text_len;
    struct omefs_handle *prev, *next; /* the mount's list of open handles */
} omefs_handle;

static void handle_track(omefs_mount *m, omefs_handle *h)
{
    pthread_mutex_lock(&m->handles_lock);
    h->next = m->handles;
    if (m->handles)
        m->handles->prev = h;
    m->handles = h;
    pthread_mutex_unlock(&m->handles_lock);
}

static void handle_free(omefs_mount *m, omefs_handle *h)
{
    pthread_mutex_lock(&m->handles_lock);
    if (h->prev)
        h->prev->next = h->next;
    else if (m->handles == h)
        m->handles = h->next;
    if (h->next)
        h->next->prev = h->prev;
    pthread_mutex_unlock(&m->handles_lock);
    free(h->text);
    free(h);
}

void omefs_handles_free_all(omefs_mount *m)
{
    while (m->handles)
        handle_free(m, m->handles);
}

/* Whether the program waiting for the current request has given up on it (a signal, SIGKILL
 * too: the kernel then sends FUSE an interrupt for the request). */
static bool request_interrupted(void *ctx)
{
    (void)ctx;
    return fuse_interrupted() != 0;
}

/* From here until ome_cancel_set(NULL, NULL), the waits of this thread (transfers, backoffs,
 * folders loading, locks) end when the program gives the request up. */
static void serve_interruptibly(void)
{
    ome_cancel_set(request_interrupted, NULL);
}

/* An error of the content as the errno FUSE answers. */
static int errno_of(int rc)
{
    return rc == OME_OK ? 0 : rc == OME_ABSENT ? -ENOENT : rc == OME_EINTR ? -EINTR : -EIO;
}

/* Walks a path of the content: 0, -ENOENT, -EINTR (given up), or -EIO when a folder on the way
 * cannot be read. */
static int walk(const char *path, ome_place *out)
{
    ome_err err = {0};
    serve_interruptibly();
    int rc = ome_walk(&mount_of()->content, path, out, &err);
    ome_cancel_set(NULL, NULL);
    return errno_of(rc);
}

/* "/.omefs" and what is in it. */
static bool is_info_path(const char *path)
{
    size_t n = strlen(OMEFS_INFO_DIR);
    return strncmp(path, OMEFS_INFO_DIR, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The files in it. */
static bool is_info_file(const char *path)
{
    return strcmp(path, OMEFS_STATS_PATH) == 0 || strcmp(path, OMEFS_LOG_PATH) == 0;
}

/* The file a path names: 0, -ENOENT (also for a folder), or -EIO. */
static int lookup(const char *path, const ome_tree_file **out)
{
    ome_place at;
    int rc = walk(path, &at);
    *out = at.file;
    return rc ? rc : at.file ? 0 : -ENOENT;
}

static void *ops_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    cfg->kernel_cache = 1;        /* content never changes while mounted */
    cfg->entry_timeout = 86400;
    cfg->attr_timeout = 86400;
    cfg->negative_timeout = 60;
    cfg->use_ino = 0;
    if (conn->capable & FUSE_CAP_ASYNC_READ)
        conn->want |= FUSE_CAP_ASYNC_READ;
    /* Lookups and listings of one folder at once: without it the kernel makes a second
     * program wait for the first's listing in a lock that no signal, SIGKILL included, ends
     * (libfuse passes it to the kernel from 3.17 on; before, folders load at opendir, out of
     * that lock). The tree is safe to walk from many threads. */
    if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
        conn->want |= FUSE_CAP_PARALLEL_DIROPS;
    /* Kernel read-ahead serves the ImageJ files, read in order; the OME-TIFF is opened with
     * direct I/O (see ops_open). Chunks themselves are read ahead by omefs (prefetch.c). The
     * cap is what the ImageJ layout's gaps between planes absorb (it is the kernel's default). */
    conn->max_readahead = OME_VTIFF_READAHEAD;
    return fuse_get_context()->private_data;
}

static int ops_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void)fi;
    omefs_mount *m = mount_of();
    memset(st, 0, sizeof *st);
    st->st_uid = getuid();
    st->st_gid = getgid();
    st->st_mtime = st->st_ctime = st->st_atime = m->mounted_at;
    ome_place at = {0};
    int rc = is_info_path(path) ? 0 : walk(path, &at);
    if (rc)
        return rc;
    if (at.root || strcmp(path, OMEFS_INFO_DIR) == 0 || at.folder || at.labels_dir) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
        return 0;
    }
    if (is_info_file(path)) {
        st->st_mode = S_IFREG | 0444; /* size 0, like /proc: read it to the end */
        st->st_nlink = 1;
        st->st_mtime = st->st_ctime = st->st_atime = time(NULL);
        return 0;
    }
    const ome_tree_file *f = at.file;
    if (!f)
        return -ENOENT;
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = (off_t)ome_vtiff_size(f->vt);
    /* Buffered readers (stdio, Python) read whole st_blksize blocks: a page-sized block keeps
     * them from reading past a tile into the next one (tiles start on pages, vtiff_ome.c). */
    st->st_blksize = 4096;
    st->st_blocks = (blkcnt_t)((ome_vtiff_size(f->vt) + 511) / 512);
    return 0;
}

typedef struct {
    void *buf;
    fuse_fill_dir_t fill;
} filler_ctx;

static void fill_one(void *ud, const char *name)
{
    filler_ctx *ctx = ud;
    ctx->fill(ctx->buf, name, NULL, 0, 0);
}

static int ops_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off;
    (void)fi;
    (void)flags;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    if (strcmp(path, OMEFS_INFO_DIR) == 0) {
        fill(buf, OMEFS_STATS_PATH + sizeof OMEFS_INFO_DIR, NULL, 0, 0);
        fill(buf, OMEFS_LOG_PATH + sizeof OMEFS_INFO_DIR, NULL, 0, 0);
        return 0;
    }
    ome_place at;
    int rc = walk(path, &at);
    if (rc)
        return rc;
    if (at.root)
        fill(buf, OMEFS_INFO_DIR + 1, NULL, 0, 0);
    filler_ctx ctx = {buf, fill};
    ome_err err = {0};
    serve_interruptibly();
    rc = ome_walk_list(&mount_of()->content, &at, fill_one, &ctx, &err);
    ome_cancel_set(NULL, NULL);
    return rc == OME_EINVAL ? -ENOTDIR : errno_of(rc);
}

static void fill_none(void *ud, const char *name) { (void)ud, (void)name; }

/* A folder is loaded when opened, not when listed: the kernel lists a folder holding a lock
 * that a second program listing it would wait for, whatever signal it gets, while opening
 * takes none (so every program waiting for a folder to load can be interrupted). */
static int ops_opendir(const char *path, struct fuse_file_info *fi)
{
    (void)fi;
    ome_place at;
    int rc = is_info_path(path) ? 0 : walk(path, &at);
    if (rc || is_info_path(path) || !at.folder)
        return rc;
    ome_err err = {0};
    serve_interruptibly();
    rc = ome_walk_list(&mount_of()->content, &at, fill_none, NULL, &err);
    ome_cancel_set(NULL, NULL);
    return errno_of(rc);
}

/* The files of .omefs: a snapshot taken at open (the counters as JSON, or the recent log),
 * read uncached. */
static int open_info(const char *path, struct fuse_file_info *fi)
{
    omefs_mount *m = mount_of();
    omefs_handle *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    if (strcmp(path, OMEFS_LOG_PATH) == 0) {
        h->text = ome_log_ring_text(&m->log, &h->text_len);
    } else {
        ome_cache_stats mem = {0};
        if (m->cache)
            ome_cache_get_stats(m->cache, &mem);
        const char *src = m->src.shown;
        long long at = (long long)m->mounted_at;
        int n = ome_mount_stats_json(&m->stats, &mem, src, at, NULL, 0);
        if (n >= 0 && (h->text = malloc((size_t)n + 1))) {
            h->text_len =
                (size_t)ome_mount_stats_json(&m->stats, &mem, src, at, h->text, (size_t)n + 1);
            if (h->text_len > (size_t)n)
                h->text_len = (size_t)n;
        }
    }
    if (!h->text) {
        free(h);
        return -ENOMEM;
    }
    fi->direct_io = 1; /* a fresh snapshot at every open, never the page cache */
    fi->fh = (uint64_t)(uintptr_t)h;
    handle_track(m, h);
    return 0;
}


static int ops_open(const char *path, struct fuse_file_info *fi)
{
    const ome_tree_file *f = NULL;
    int rc = is_info_file(path) ? 0 : lookup(path, &f);
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
        return rc == -ENOENT ? -ENOENT : -EROFS;
    if (is_info_file(path))
        return open_info(path, fi);
    if (rc)
        return rc;
    omefs_handle *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->file = f;
    ome_vtiff_open(f->vt); /* its layout stays while it is open */
    if (ome_vtiff_kind_of(f->vt) == OME_VT_OME) {
        /* Tiled, read here and there (viewers, tile readers): no kernel read-ahead, which
         * would fetch neighbouring tiles' chunks in vain. The memory cache serves re-reads. */
        fi->direct_io = 1;
    } else {
        fi->keep_cache = 1; /* ImageJ hyperstacks: read in order, page-cached, mappable */
    }
    handle_track(mount_of(), h);
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

static int ops_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    omefs_handle *h = (omefs_handle *)(uintptr_t)fi->fh;
    if (h && h->file)
        ome_vtiff_close(h->file->vt);
    if (h)
        handle_free(mount_of(), h);
    return 0;
}

static int ops_read(const char *path, char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    omefs_handle *h = (omefs_handle *)(uintptr_t)fi->fh;
    if (!h)
        return -EBADF;
    if (!h->file) { /* stats snapshot */
        if ((size_t)off >= h->text_len)
            return 0;
        size_t n = h->text_len - (size_t)off < size ? h->text_len - (size_t)off : size;
        memcpy(buf, h->text + off, n);
        return (int)n;
    }
    omefs_mount *m = mount_of();
    OME_LOGD("read %s [%lld, +%zu)", path, (long long)off, size);
    ome_stats_add(&m->stats.reads, 1);
    bool stream = ome_prefetch_note_read(m->prefetch, &h->ra, h->file->vt, (uint64_t)off, size);
    ome_err err = {0};
    serve_interruptibly(); /* a signal to the reader ends its waits */
    int64_t n = ome_vtiff_read_as(h->file->vt, (uint64_t)off, size, buf,
                                  stream ? OME_ACCESS_STREAM : OME_ACCESS_RANDOM, &err);
    bool interrupted = n < 0 && ome_cancelled();
    ome_cancel_set(NULL, NULL);
    if (interrupted) {
        OME_LOGI("read %s [%lld, +%zu): interrupted by the reading program", path,
                 (long long)off, size);
        return -EINTR;
    }
    if (n < 0) {
        ome_stats_add(&m->stats.read_errors, 1);
        OME_LOGE("read %s [%lld, +%zu): %s", path, (long long)off, size, err.msg);
        return -EIO;
    }
    ome_stats_add(&m->stats.bytes_served, (uint64_t)n);
    return (int)n;
}

/* Extended attribute user.omefs.source of a file: the address of the image it shows (the
 * image's group: an OME-Zarr URL, S3 object prefix, path, or OMERO image), for provenance. */
#define SOURCE_XATTR "user.omefs.source"

/* The file a path names for an xattr call: NULL with *rc 0 for the root, folders and .omefs. */
static const ome_tree_file *xattr_file(const char *path, int *rc)
{
    ome_place at = {0};
    *rc = is_info_path(path) ? 0 : walk(path, &at);
    return at.file;
}

static int ops_getxattr(const char *path, const char *name, char *value, size_t size)
{
    int rc;
    const ome_tree_file *f = xattr_file(path, &rc);
    if (rc)
        return rc;
    if (!f || strcmp(name, SOURCE_XATTR) != 0)
        return -ENODATA;
    const char *where = ome_vtiff_where(f->vt);
    size_t len = strlen(where);
    for (const char *doc = "/.zattrs";; doc = "/zarr.json") { /* the group, not its document */
        size_t k = strlen(doc);
        if (len > k && strcmp(where + len - k, doc) == 0) {
            len -= k;
            break;
        }
        if (strcmp(doc, "/zarr.json") == 0)
            break;
    }
    if (size == 0)
        return (int)len;
    if (size < len)
        return -ERANGE;
    memcpy(value, where, len);
    return (int)len;
}

static int ops_listxattr(const char *path, char *list, size_t size)
{
    int rc;
    if (!xattr_file(path, &rc))
        return rc; /* 0: folders and the root have none */
    if (size == 0)
        return (int)sizeof SOURCE_XATTR;
    if (size < sizeof SOURCE_XATTR)
        return -ERANGE;
    memcpy(list, SOURCE_XATTR, sizeof SOURCE_XATTR);
    return (int)sizeof SOURCE_XATTR;
}

static int ops_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    omefs_mount *m = mount_of();
    memset(st, 0, sizeof *st);
    uint64_t total = 0;
    total += ome_content_bytes(&m->content);
    st->f_bsize = st->f_frsize = 4096;
    st->f_blocks = (fsblkcnt_t)((total + 4095) / 4096);
    st->f_files = (fsfilcnt_t)ome_content_root_files(&m->content)->nfiles + 1;
    st->f_namemax = 255;
    st->f_flag = ST_RDONLY;
    return 0;
}

static int ops_erofs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    (void)path, (void)mode, (void)fi;
    return -EROFS;
}
static int ops_erofs_write(const char *path, const char *buf, size_t size, off_t off,
                           struct fuse_file_info *fi)
{
    (void)path, (void)buf, (void)size, (void)off, (void)fi;
    return -EROFS;
}
static int ops_erofs_path(const char *path) { (void)path; return -EROFS; }
static int ops_erofs_mkdir(const char *path, mode_t mode) { (void)path, (void)mode; return -EROFS; }
static int ops_erofs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    (void)path, (void)size, (void)fi;
    return -EROFS;
}
static int ops_erofs_rename(const char *from, const char *to, unsigned int flags)
{
    (void)from, (void)to, (void)flags;
    return -EROFS;
}

const struct fuse_operations omefs_ops = {
    .init = ops_init,
    .getattr = ops_getattr,
    .opendir = ops_opendir,
    .readdir = ops_readdir,
    .open = ops_open,
    .release = ops_release,
    .read = ops_read,
    .statfs = ops_statfs,
    .getxattr = ops_getxattr,
    .listxattr = ops_listxattr,
    .create = ops_erofs_create,
    .write = ops_erofs_write,
    .unlink = ops_erofs_path,
    .rmdir = ops_erofs_path,
    .mkdir = ops_erofs_mkdir,
    .truncate = ops_erofs_truncate,
    .rename = ops_erofs_rename,
};
