/* ceiling_fs: the FUSE ceiling for `make bench`. A trivial libfuse high-level filesystem with one
 * read-only file, "file", of SIZE_MB MiB held in memory: a read is one memcpy. Mounted with the
 * settings omefs uses (multi-threaded, kernel cache, asynchronous reads, the same read-ahead
 * cap), so that reading it measures what FUSE and the page cache cost by themselves.
 * Usage: ceiling_fs SIZE_MB MOUNTPOINT [FUSE options]  (e.g. -f to stay in the foreground) */
#define FUSE_USE_VERSION 35
#include <fuse.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t file_size;
static unsigned char *file_data;

static void *ceiling_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    cfg->kernel_cache = 1;
    cfg->entry_timeout = cfg->attr_timeout = 86400;
    if (conn->capable & FUSE_CAP_ASYNC_READ)
        conn->want |= FUSE_CAP_ASYNC_READ;
    conn->max_readahead = 128u * 1024u; /* as omefs: OME_VTIFF_READAHEAD */
    return NULL;
}

static int ceiling_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    (void)fi;
    memset(st, 0, sizeof *st);
    if (strcmp(path, "/") == 0) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
        return 0;
    }
    if (strcmp(path, "/file") != 0)
        return -ENOENT;
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = (off_t)file_size;
    return 0;
}

static int ceiling_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                           struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off, (void)fi, (void)flags;
    if (strcmp(path, "/") != 0)
        return -ENOENT;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    fill(buf, "file", NULL, 0, 0);
    return 0;
}

static int ceiling_read(const char *path, char *buf, size_t n, off_t off,
                        struct fuse_file_info *fi)
{
    (void)path, (void)fi;
    if (off < 0 || (size_t)off >= file_size)
        return 0;
    if (n > file_size - (size_t)off)
        n = file_size - (size_t)off;
    memcpy(buf, file_data + off, n);
    return (int)n;
}

static const struct fuse_operations ceiling_ops = {
    .init = ceiling_init, .getattr = ceiling_getattr, .readdir = ceiling_readdir,
    .read = ceiling_read,
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s SIZE_MB MOUNTPOINT [FUSE options]\n", argv[0]);
        return 2;
    }
    file_size = (size_t)strtoull(argv[1], NULL, 10) << 20;
    file_data = malloc(file_size ? file_size : 1);
    if (!file_data)
        return 1;
    for (size_t i = 0; i < file_size; i++) /* not zeros: no page is special */
        file_data[i] = (unsigned char)(i * 2654435761u >> 13);
    argv[1] = argv[0];
    return fuse_main(argc - 1, argv + 1, &ceiling_ops, NULL);
}
