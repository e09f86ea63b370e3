/* store_file: objects are files under a local directory. */
#include "store/store_file.h"
#include "store/store_backend.h"

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
} file_store;

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
    if (!key_is_safe(r->key)) {
        r->status = ome_err_set(&r->err, OME_EINVAL, "%s: key leaves the store root", path);
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            r->status = OME_ABSENT;
        else
            r->status = ome_err_set(&r->err, errno == EACCES ? OME_EDENIED : OME_EIO, "%s: %s",
                                    path, strerror(errno));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        r->status = S_ISDIR(st.st_mode) ? OME_ABSENT
                                        : ome_err_set(&r->err, OME_EIO, "%s: not a file", path);
        return;
    }
    uint64_t size = (uint64_t)st.st_size, off = 0, len = size;
    if (r->range == OME_RANGE_SPAN) {
        off = r->off < size ? r->off : size;
        len = r->len < size - off ? r->len : size - off;
    } else if (r->range == OME_RANGE_SUFFIX) {
        len = r->len < size ? r->len : size;
        off = size - len;
    }
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
    free(s->root);
    free(s);
}

/* The subdirectories of path (symbolic links to directories too), hidden ones left out. */
static int file_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err)
{
    char dir[4096];
    ome_store_describe(s, path, dir, sizeof dir);
    if (!key_is_safe(path))
        return ome_err_set(err, OME_EINVAL, "%s: leaves the store root", dir);
    DIR *d = opendir(dir);
    if (!d)
        return ome_err_set(err, errno == ENOENT ? OME_ABSENT : OME_EIO, "%s: %s", dir,
                           strerror(errno));
    int rc = OME_OK;
    struct dirent *e;
    while (rc == OME_OK && (e = readdir(d))) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) != 0 ||
            !S_ISDIR(st.st_mode))
            continue;
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
    char *abs = realpath(path, NULL);
    if (!abs)
        return ome_err_set(err, OME_EIO, "%s: %s", path, strerror(errno));
    file_store *fs = calloc(1, sizeof *fs);
    if (!fs || !(fs->base.root = abs)) {
        free(abs);
        free(fs);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    fs->base.ops = &file_ops;
    *out = &fs->base;
    return OME_OK;
}
