/* store_file: objects are files under a local directory. Every path is resolved beneath the
 * directory (base/platform.h; openat2 RESOLVE_BENEATH on Linux): a symbolic link may lead
 * elsewhere inside it, never out, and a loop of links ends with ELOOP. */
#include "store/store_file.h"
#include "store/store_zip.h"
#include "store/store_backend.h"

#include "base/log.h"
#include "base/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    ome_store base;
    int root_fd; /* the directory, opened once: every path is resolved from it */
} file_store;

/* Opens key beneath the root (base/platform.h). */
static int open_beneath(const file_store *fs, const char *key, ome_beneath how)
{
    return ome_open_beneath(fs->root_fd, key, how);
}

/* The message for a path that could not be opened beneath the root. */
static int open_error(int e, const char *path, ome_err *err)
{
    if (e == ENOENT || e == ENOTDIR)
        return OME_ABSENT;
    if (e == EXDEV || e == ELOOP)
        return ome_err_set(err, OME_EDENIED, "%s: %s", path,
                           e == EXDEV ? "a symbolic link that leads out of the source"
                                      : "too many symbolic links (a loop?)");
    return ome_err_set(err, e == EACCES ? OME_EDENIED : OME_EIO, "%s: %s", path, strerror(e));
}

/* Keys come from metadata: refuse anything that could leave the root. */
static bool key_is_safe(const char *key)
{
    if (key[0] == '/')
        return false;
    for (const char *p = key; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if ((n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n + (slash ? 1 : 0);
        if (!slash)
            break;
    }
    return true;
}

static void file_get_one(file_store *fs, ome_store_req *r)
{
    char path[4096];
    ome_store_describe(&fs->base, r->key, path, sizeof path);
    r->body.len = 0;
    r->etag[0] = '\0';
    if (!key_is_safe(r->key)) {
        r->status = ome_err_set(&r->err, OME_EINVAL, "%s: key leaves the store root", path);
        return;
    }
    int fd = open_beneath(fs, r->key, OME_BENEATH_READ); /* a FIFO: refused below */
    if (fd < 0) {
        r->status = open_error(errno, path, &r->err);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        r->status = S_ISDIR(st.st_mode) ? OME_ABSENT
                                        : ome_err_set(&r->err, OME_EIO, "%s: not a file", path);
        return;
    }
    /* a validator as a web server's, with the inode: a file replaced (renamed over or written
     * in place) answers with another, which a zipped archive's reader refuses to mix */
    snprintf(r->etag, sizeof r->etag, "\"%llx-%llx-%llx.%09ld\"", (unsigned long long)st.st_ino,
             (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
             st.st_mtim.tv_nsec);
    uint64_t size = (uint64_t)st.st_size, off, len;
    if (r->range == OME_RANGE_ALL && size > ome_store_req_cap(r)) {
        close(fd);
        r->status = ome_err_set(&r->err, OME_ERANGE,
                                "%s: %llu bytes, more than the %llu it can be", path,
                                (unsigned long long)size,
                                (unsigned long long)ome_store_req_cap(r));
        return;
    }
    ome_store_req_part(r, size, &off, &len);
    if (len > SIZE_MAX || ome_buf_reserve(&r->body, (size_t)len ? (size_t)len : 1)) {
        close(fd);
        r->status = ome_err_set(&r->err, OME_ENOMEM, "%s: out of memory for %llu bytes", path,
                                (unsigned long long)len);
        return;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, r->body.data + got, (size_t)len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            r->status = ome_err_set(&r->err, OME_EIO, "%s: read failed: %s", path,
                                    n < 0 ? strerror(errno) : "file shrank");
            return;
        }
        got += (size_t)n;
    }
    close(fd);
    r->body.len = got;
    r->size = size;
    r->status = OME_OK;
}

static int file_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        file_get_one((file_store *)s, &reqs[i]);
    return OME_OK;
}

static void file_destroy(ome_store *s)
{
    close(((file_store *)s)->root_fd);
    free(s->root);
    free(s);
}

/* Folders above a listed one whose identity is kept, at most: deeper ones are not looked at. */
#define MAX_DEPTH 64
typedef struct {
    dev_t dev;
    ino_t ino;
} folder_id;

/* The identities of the root, and of each folder on path down to path itself; how many. */
static int folders_on_path(const file_store *fs, const char *path, folder_id *ids)
{
    int n = 0;
    size_t len = strlen(path);
    for (size_t i = 0; n < MAX_DEPTH; i++) {
        if (i == 0 || i == len || path[i] == '/') {
            char prefix[4096];
            snprintf(prefix, sizeof prefix, "%.*s", (int)i, path);
            int fd = open_beneath(fs, prefix, OME_BENEATH_DIR_REF);
            struct stat st;
            if (fd >= 0 && fstat(fd, &st) == 0)
                ids[n++] = (folder_id){st.st_dev, st.st_ino};
            if (fd >= 0)
                close(fd);
        }
        if (i >= len)
            break;
    }
    return n;
}

/* The subdirectories of path (symbolic links to directories too), hidden ones left out, and
 * links back to path or a folder above it (a loop: a walk would never end). */
static int file_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err)
{
    char dir[4096];
    ome_store_describe(s, path, dir, sizeof dir);
    if (!key_is_safe(path))
        return ome_err_set(err, OME_EINVAL, "%s: leaves the store root", dir);
    file_store *fs = (file_store *)s;
    int fd = open_beneath(fs, path, OME_BENEATH_LIST);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno, rc = open_error(e, dir, err);
        if (fd >= 0)
            close(fd);
        return rc == OME_ABSENT ? ome_err_set(err, OME_ABSENT, "%s: %s", dir, strerror(e)) : rc;
    }
    int rc = OME_OK;
    struct dirent *e;
    folder_id above[MAX_DEPTH];
    int nabove = folders_on_path(fs, path, above);
    while (rc == OME_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        /* a folder, or a link to one that stays beneath the root */
        char key[4096];
        if (snprintf(key, sizeof key, "%s%s%s", path, path[0] ? "/" : "", e->d_name) >=
            (int)sizeof key)
            continue;
        int sub = open_beneath(fs, key, OME_BENEATH_DIR_REF);
        if (sub < 0 && errno == ENOTDIR && ome_store_zip_name(e->d_name, strlen(e->d_name))) {
            /* a zipped OME-Zarr: listed as a folder is, its store reads inside it */
            struct stat zst;
            int zfd = open_beneath(fs, key, OME_BENEATH_REF);
            bool regular = zfd >= 0 && fstat(zfd, &zst) == 0 && S_ISREG(zst.st_mode);
            if (zfd >= 0)
                close(zfd);
            if (regular)
                rc = ome_store_names_add(names, n, e->d_name, strlen(e->d_name), err);
            continue;
        }
        if (sub < 0) {
            if (errno == EXDEV || errno == ELOOP)
                OME_LOGW("%s/%s: %s; left out", dir, e->d_name,
                         errno == EXDEV ? "a symbolic link that leads out of the source"
                                        : "too many symbolic links");
            continue;
        }
        struct stat st;
        bool loop = fstat(sub, &st) != 0;
        for (int i = 0; !loop && i < nabove; i++)
            loop = st.st_dev == above[i].dev && st.st_ino == above[i].ino;
        close(sub);
        if (loop) {
            OME_LOGW("%s/%s: a symbolic link to a folder it is in; left out", dir, e->d_name);
            continue;
        }
        rc = ome_store_names_add(names, n, e->d_name, strlen(e->d_name), err);
    }
    closedir(d);
    return ome_store_names_done(names, n, rc);
}

static const ome_store_ops file_ops = {file_get_many, file_destroy, file_list_dirs};

int ome_store_file_open(const char *path, ome_store **out, ome_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return ome_err_set(err, errno == ENOENT ? OME_ABSENT : OME_EIO, "%s: %s", path,
                           strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ome_err_set(err, OME_EINVAL, "%s: not a directory", path);
    /* Absolute, so that a later change of working directory (a daemon's chdir("/")) cannot
     * turn every chunk into "absent". */
    char *abs = ome_real_path(path);
    if (!abs)
        return ome_err_set(err, OME_EIO, "%s: %s", path, strerror(errno));
    file_store *fs = calloc(1, sizeof *fs);
    if (!fs || !(fs->base.root = abs)) {
        free(abs);
        free(fs);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if ((fs->root_fd = ome_open_root(abs)) < 0) {
        int rc = ome_err_set(err, OME_EIO, "%s: %s", abs, strerror(errno));
        free(abs);
        free(fs);
        return rc;
    }
    fs->base.ops = &file_ops;
    *out = &fs->base;
    return OME_OK;
}
