/* ops: the FUSE callbacks. Thin: paths go to the tree, reads to ome_vtiff_read. The mount is
 * read-only and its content immutable, so the kernel may cache pages and attributes for long. */
#include "omefs.h"

#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static omefs_mount *mount_of(void) { return fuse_get_context()->private_data; }

static const ome_tree_file *lookup(const char *path)
{
    if (path[0] != '/' || strchr(path + 1, '/'))
        return NULL;
    return ome_tree_find(&mount_of()->tree, path + 1);
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
    conn->max_readahead = conn->max_readahead > (1u << 20) ? conn->max_readahead : (1u << 20);
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
    if (strcmp(path, "/") == 0) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
        return 0;
    }
    const ome_tree_file *f = lookup(path);
    if (!f)
        return -ENOENT;
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_size = (off_t)f->vt->size;
    st->st_blksize = 1 << 20;
    st->st_blocks = (blkcnt_t)((f->vt->size + 511) / 512);
    return 0;
}

static int ops_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off;
    (void)fi;
    (void)flags;
    if (strcmp(path, "/") != 0)
        return -ENOENT;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    omefs_mount *m = mount_of();
    for (int i = 0; i < m->tree.nfiles; i++)
        fill(buf, m->tree.files[i].name, NULL, 0, 0);
    return 0;
}

static int ops_open(const char *path, struct fuse_file_info *fi)
{
    const ome_tree_file *f = lookup(path);
    if (!f)
        return -ENOENT;
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
        return -EROFS;
    fi->keep_cache = 1;
    fi->fh = (uint64_t)(uintptr_t)f;
    return 0;
}

static int ops_read(const char *path, char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    const ome_tree_file *f = (const ome_tree_file *)(uintptr_t)fi->fh;
    if (!f)
        f = lookup(path);
    if (!f)
        return -ENOENT;
    ome_err err = {0};
    int64_t n = ome_vtiff_read(f->vt, (uint64_t)off, size, buf, &err);
    if (n < 0) {
        OME_LOGE("read %s [%lld, +%zu): %s", path, (long long)off, size, err.msg);
        return -EIO;
    }
    return (int)n;
}

static int ops_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    omefs_mount *m = mount_of();
    memset(st, 0, sizeof *st);
    uint64_t total = 0;
    for (int i = 0; i < m->tree.nfiles; i++)
        total += m->tree.files[i].vt->size;
    st->f_bsize = st->f_frsize = 4096;
    st->f_blocks = (fsblkcnt_t)((total + 4095) / 4096);
    st->f_files = (fsfilcnt_t)m->tree.nfiles + 1;
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
    .readdir = ops_readdir,
    .open = ops_open,
    .read = ops_read,
    .statfs = ops_statfs,
    .create = ops_erofs_create,
    .write = ops_erofs_write,
    .unlink = ops_erofs_path,
    .rmdir = ops_erofs_path,
    .mkdir = ops_erofs_mkdir,
    .truncate = ops_erofs_truncate,
    .rename = ops_erofs_rename,
};
