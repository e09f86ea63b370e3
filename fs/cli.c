/* cli: command-line checks and messages that say what to do. */
#include "cli.h"

#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const omefs_option_names[] = {
    "timeout=",  "retries=",    "connections=", "ca_file=",  "proxy=",      "insecure",
    "mem_cache=", "cache_dir=", "cache_size=",  "offline",   "prefetch=",   "endpoint=",
    "region=",   "profile=",    "no_sign",      "path_style", "omero_user=", "omero_tiles=",
    "log_level=", "metadata_ttl=", "credentials=", NULL};

/* Options FUSE and mount(8) take, passed on as they are. */
static const char *const fuse_names[] = {
    "allow_other", "allow_root", "auto_unmount", "default_permissions", "fsname", "subtype",
    "ro", "rw", "max_read", "blkdev", "blksize", "debug", "kernel_cache", "auto_cache", "umask",
    "uid", "gid", "entry_timeout", "negative_timeout", "attr_timeout", "ac_attr_timeout",
    "noforget", "remember", "modules", "intr", "intr_signal", "use_ino", "readdir_ino",
    "direct_io", "hard_remove", "nullpath_ok", "max_write", "max_readahead", "max_background",
    "congestion_threshold", "async_read", "sync_read", "clone_fd", "max_idle_threads",
    "dev", "nodev", "suid", "nosuid", "exec", "noexec", "atime", "noatime", "sync", "async",
    "dirsync", "_netdev", "user", "users", "nofail", "noauto", "auto", "defaults", NULL};

void omefs_cli_hint(const char *prog)
{
    const char *base = strrchr(prog, '/');
    base = base ? base + 1 : prog;
    fprintf(stderr, "usage: %s [-o option,...] SOURCE MOUNTPOINT\nsee %s --help for the options\n",
            base, base);
}

/* The length of an option's name ("timeout" of "timeout=5"). */
static size_t name_len(const char *opt)
{
    return strcspn(opt, "=");
}

static bool is_name(const char *const *list, const char *opt, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) - (strchr(*list, '=') ? 1 : 0) == n && strncmp(*list, opt, n) == 0)
            return true;
    return false;
}

/* Edit distance of a[0..n) and b (names are short). */
static size_t distance(const char *a, size_t n, const char *b)
{
    size_t m = strcspn(b, "="), row[64];
    if (n >= 63 || m >= 63)
        return 99;
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

/* The omefs option nearest to the name opt[0..n), or NULL when none is close. */
static const char *nearest(const char *opt, size_t n)
{
    const char *best = NULL;
    size_t bd = 3; /* at most 2 edits */
    for (const char *const *o = omefs_option_names; *o; o++) {
        size_t d = distance(opt, n, *o);
        if (d < bd) {
            bd = d;
            best = *o;
        }
    }
    return best;
}

/* The omefs option named opt[0..n) as listed ("timeout=", "offline"), or NULL. */
static const char *omefs_option(const char *opt, size_t n)
{
    for (const char *const *o = omefs_option_names; *o; o++)
        if (strcspn(*o, "=") == n && strncmp(*o, opt, n) == 0)
            return *o;
    return NULL;
}

bool omefs_cli_unknown_option(const char *opt)
{
    size_t n = name_len(opt);
    const char *known = omefs_option(opt, n);
    if (known && (strchr(known, '=') != NULL) != (opt[n] == '=')) { /* value given or missing */
        if (opt[n] == '=')
            fprintf(stderr, "omefs: -o %.*s takes no value: give it as -o %.*s\n", (int)n, opt,
                    (int)n, opt);
        else
            fprintf(stderr, "omefs: -o %s needs a value: -o %s…\n", opt, known);
        return true;
    }
    if (known || is_name(fuse_names, opt, n) || strncmp(opt, "x-", 2) == 0)
        return false;
    const char *near = nearest(opt, n);
    if (!near)
        return false; /* FUSE names what it does not know either */
    size_t k = strcspn(near, "=");
    fprintf(stderr, "omefs: unknown option -o %s; did you mean %.*s?\n", opt, (int)k, near);
    return true;
}

bool omefs_cli_missing_dash_o(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || strchr(arg, '/'))
        return false;
    size_t n = (size_t)(eq - arg);
    const char *near = is_name(omefs_option_names, arg, n) ? arg : nearest(arg, n);
    if (!near)
        return false;
    if (near == arg)
        fprintf(stderr, "omefs: \"%s\" is an option: give it as -o %s\n", arg, arg);
    else
        fprintf(stderr, "omefs: \"%s\" looks like an option: give it as -o %.*s%s\n", arg,
                (int)strcspn(near, "="), near, eq);
    return true;
}

bool omefs_cli_size(const char *name, const char *value, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    double mult = 0;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; break;
    case 'm': case 'M': mult = 1048576.0; break;
    case 'g': case 'G': mult = 1073741824.0; break;
    case 't': case 'T': mult = 1099511627776.0; break;
    default: break;
    }
    if (mult > 0) {
        end++;
        if (*end == 'i')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
    }
    bool zero = end != value && v == 0 && *end == '\0';
    if (errno || end == value || v < 0 || *end || (mult == 0 && !zero) ||
        v * (mult ? mult : 1) > 1e18) {
        fprintf(stderr,
                "omefs: %s=%s: a size needs a unit, K, M, G or T (e.g. %s=512M, %s=10G), or is "
                "0\n",
                name, value, name, name);
        return false;
    }
    *out = (size_t)(v * (mult ? mult : 1));
    return true;
}

bool omefs_cli_seconds(const char *name, const char *value, bool zero_ok, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    double mult = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm' && end[1] == '\0')
        mult = 60, end++;
    else if (*end == 'h' && end[1] == '\0')
        mult = 3600, end++;
    if (errno || end == value || *end || !(zero_ok ? v >= 0 : v > 0) || !isfinite(v) ||
        v * mult > 86400) {
        fprintf(stderr, "omefs: %s=%s: give seconds, %s (e.g. %s=10, %s=10s or %s=5m)\n", name,
                value, zero_ok ? "0 or more" : "more than 0", name, name, name);
        return false;
    }
    *out = v * mult;
    return true;
}

bool omefs_cli_mountpoint_ok(const char *path)
{
    struct stat st;
    if (strstr(path, "://")) { /* the two arguments swapped */
        fprintf(stderr, "omefs: the mount point %s is an address: the source comes first: "
                        "omefs SOURCE MOUNTPOINT\n", path);
        return false;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            fprintf(stderr, "omefs: the mount point %s does not exist; create it first: "
                            "mkdir -p %s\n", path, path);
        else if (errno == ENOTCONN)
            fprintf(stderr, "omefs: %s is a mount whose program has ended; clean it up "
                            "first: fusermount3 -u %s\n", path, path);
        else
            fprintf(stderr, "omefs: the mount point %s: %s\n", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "omefs: the mount point %s is not a folder\n", path);
        return false;
    }
    if (omefs_mount_table_has(path)) {
        fprintf(stderr, "omefs: %s is already an omefs mount; unmount it first: "
                        "fusermount3 -u %s\n", path, path);
        return false;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    bool empty = true;
    while (d && empty && (e = readdir(d)))
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    if (d)
        closedir(d);
    if (!empty)
        fprintf(stderr, "omefs: warning: %s is not empty: what it holds is hidden while "
                        "mounted\n", path);
    return true;
}

void omefs_cli_source_hint(const char *source)
{
    if (strncasecmp(source, "http", 4) == 0 && strstr(source, "://") && strchr(source, ' '))
        fprintf(stderr, "omefs: an address cannot hold spaces: write each as %%20 (as a "
                        "browser shows it)\n");
    if (strstr(source, "://") || source[0] == '/' || source[0] == '.' || source[0] == '~')
        return;
    struct stat st;
    if (stat(source, &st) == 0)
        return; /* a local path that exists */
    size_t host = strspn(source, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
    bool port = source[host] == ':' && source[host + 1] >= '0' && source[host + 1] <= '9';
    bool dotted = memchr(source, '.', host) && source[host] == '/';
    if (host > 0 && (port || dotted))
        fprintf(stderr, "omefs: %s has no scheme: for a server, write http://%s (or https://)\n",
                source, source);
}

bool omefs_cli_fuse_device_ok(void)
{
    if (geteuid() == 0 || access("/dev/fuse", R_OK | W_OK) == 0)
        return true;
    struct stat st;
    if (stat("/dev/fuse", &st) != 0) {
        fprintf(stderr, "omefs: there is no /dev/fuse: load the fuse module (modprobe fuse) or, "
                        "in a container, pass the device in (--device /dev/fuse)\n");
        return false;
    }
    fprintf(stderr,
            "omefs: you cannot open /dev/fuse (mode %03o, group %u): ask an administrator to "
            "make it usable by users, as the fuse3 package's udev rule does (chmod 0666 "
            "/dev/fuse), or to add you to its group\n",
            (unsigned)(st.st_mode & 0777), (unsigned)st.st_gid);
    return false;
}
