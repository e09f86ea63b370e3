/* main: the omefs command line. Parses options (sshfs style: FUSE options and omefs options
 * through -o), opens the source and reads its metadata before mounting — so a bad source fails
 * with one clear line and leaves no mount — then serves the mount. */
#include "omefs.h"

#include "base/log.h"
#include "base/text_escape.h"
#include "base/units.h"
#include "base/url.h"
#include "base/version.h"
#include "store/disk_cache.h"
#include "store/store_http.h"
#include "zarr/codec.h"
#include "base/json_doc.h"
#include "cli.h"
#include "exit_deadline.h"
#include "platform.h"
#include "commands.h"
#include "credentials.h"
#include "secrets.h"
#include "zarr/zarr.h"

#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <termios.h>
#include <time.h>

typedef struct omefs_opts {
    char *source;
    const char *mountpoint; /* as given (argv), checked before FUSE looks at it */
    char *timeout;
    double timeout_s; /* timeout, parsed */
    int retries;
    int connections;
    char *ca_file;
    char *proxy;
    int insecure;
    char *mem_cache;
    char *cache_dir;
    char *cache_size;
    int offline;
    char *metadata_ttl;
    double metadata_ttl_s; /* metadata_ttl, parsed */
    char *prefetch;
    char *endpoint, *region, *profile;
    int no_sign, path_style;
    char *omero_user, *omero_tiles;
    char *log_level;
    char *credentials;
    int show_help, show_version;
} omefs_opts;

#define OPT(t, p) {t, offsetof(omefs_opts, p), 1}
static const struct fuse_opt opt_spec[] = {
    OPT("timeout=%s", timeout),    OPT("retries=%d", retries), OPT("connections=%d", connections),
    OPT("ca_file=%s", ca_file),    OPT("insecure", insecure),  OPT("mem_cache=%s", mem_cache),
    OPT("proxy=%s", proxy),
    OPT("cache_dir=%s", cache_dir), OPT("cache_size=%s", cache_size), OPT("offline", offline),
    OPT("metadata_ttl=%s", metadata_ttl), OPT("prefetch=%s", prefetch),
    OPT("endpoint=%s", endpoint),   OPT("region=%s", region),
    OPT("profile=%s", profile),     OPT("no_sign", no_sign),      OPT("path_style", path_style),
    OPT("omero_user=%s", omero_user), OPT("omero_tiles=%s", omero_tiles),
    OPT("log_level=%s", log_level), OPT("credentials=%s", credentials),
    OPT("--help", show_help),  OPT("-h", show_help),
    OPT("--version", show_version), OPT("-V", show_version),   FUSE_OPT_END,
};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
    (void)out;
    omefs_opts *o = data;
    if (key == FUSE_OPT_KEY_OPT && omefs_cli_unknown_option(arg))
        return -1; /* a misspelt omefs option: named, with the nearest */
    if (key == FUSE_OPT_KEY_NONOPT && omefs_cli_missing_dash_o(arg))
        return -1; /* "timeout=5" without -o */
    if (key == FUSE_OPT_KEY_NONOPT && !o->source) {
        o->source = strdup(arg);
        return 0; /* consumed: the next non-option is the mount point */
    }
    if (key == FUSE_OPT_KEY_NONOPT && !o->mountpoint)
        o->mountpoint = arg; /* kept for FUSE too */
    return 1;
}

static void usage(const char *prog)
{
    printf("usage: %s [options] SOURCE MOUNTPOINT\n\n"
           "Mounts an OME-Zarr image, plate or bioformats2raw collection (http(s):// or s3://\n"
           "URL, file:// URL or local path), a folder of NAME.zarr images (local or an S3\n"
           "prefix), or an OMERO image, dataset, plate, project or screen, as virtual TIFF files:\n"
           "NAME.ome.tif (pyramidal OME-TIFF) and NAME_L<k>.tif (ImageJ hyperstacks); plates,\n"
           "collections, folders and OMERO containers as folders.\n"
           "Unmount with: fusermount3 -u MOUNTPOINT\n\n"
           "Commands on a mount (or any folder or file in one):\n"
           "    omefs status MOUNTPOINT [--watch [--interval S]]\n"
           "                                        what it fetched, cached and served; errors\n"
           "    omefs prefetch PATH...              read files through into the disk cache,\n"
           "                                        for offline use later\n\n"
           "omefs options (-o name=value,...):\n"
           "    -o timeout=SECONDS     per attempt: connecting, and the longest time a transfer\n"
           "                           may make no progress (default 10)\n"
           "    -o retries=N           extra attempts for transient failures (default 2)\n"
           "    -o connections=N       parallel requests per read; read-ahead runs up to 12 such\n"
           "                           batches at once (default 16)\n"
           "    -o ca_file=PATH        also trust the CA certificates in PATH (PEM)\n"
           "    -o proxy=URL           an HTTP proxy or site cache for every request (default\n"
           "                           $https_proxy / $http_proxy, honouring $no_proxy)\n"
           "    -o insecure            do not verify TLS certificates (logged; avoid)\n"
           "    -o mem_cache=SIZE      memory for chunks: decoded, in flight, and (a quarter)\n"
           "                           waiting for the disk cache; e.g. 512M, 2G (default 512M)\n"
           "    -o cache_dir=DIR       disk cache of fetched chunks, kept across mounts\n"
           "                           (default $XDG_CACHE_HOME/omefs; \"none\" for no disk cache)\n"
           "    -o cache_size=SIZE     cap of the disk cache (default 10G)\n"
           "    -o offline             serve from the disk cache only; misses are EIO\n"
           "    -o metadata_ttl=TIME   metadata (and its absence) the server confirmed this\n"
           "                           recently is used from the disk cache without asking,\n"
           "                           but for the source's own top-level document (default\n"
           "                           5m; 0: ask at every mount and first use)\n"
           "    -o prefetch=SIZE       largest read-ahead for files read in order (default 64M,\n"
           "                           at most mem_cache/4; 0 disables)\n"
           "    -o log_level=LEVEL     error, warn, info or debug (default warn)\n"
           "    -o credentials=FILE    passwords and tokens from FILE (yours, mode 0600), kept\n"
           "                           off the command line: user=, password=, query= (of the\n"
           "                           source), omero_password=, proxy_password= (man omefs)\n"
           "  s3://bucket/prefix sources:\n"
           "    -o endpoint=URL        an S3-compatible endpoint (path-style); default\n"
           "                           $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS\n"
           "    -o region=REGION       default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1\n"
           "    -o profile=NAME        credentials from ~/.aws/credentials [NAME]; default:\n"
           "                           $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, else [default]\n"
           "    -o no_sign             anonymous requests (public buckets)\n"
           "    -o path_style          AWS path-style addresses (bucket in the path)\n"
           "  OMERO images, datasets, plates, projects, screens (the address of their page in\n"
           "  OMERO.web, e.g. .../webclient/img_detail/ID/ or .../webclient/?show=dataset-ID):\n"
           "    -o omero_user=NAME     log in as NAME, password from credentials=FILE, else\n"
           "                           $OMERO_PASSWORD, else asked on the terminal; default:\n"
           "                           the server's public user\n"
           "    -o omero_tiles=URL     the pixel-buffer service (default: OMERO.web's host)\n"
           "A read from a server that stopped answering fails with EIO after about\n"
           "(retries+1) x timeout plus backoff (about 31 s with the defaults); a chunk that\n"
           "failed then fails at once for 5 s. A signal to the reading program (Ctrl-C) ends\n"
           "its wait within a second.\n\n"
           "general options:\n"
           "    -h, --help             this help, then FUSE's own options\n"
           "    -V, --version          print the version\n"
           "    -f                     stay in the foreground (logs to stderr, else syslog)\n"
           "    -d                     FUSE debug output (implies -f)\n"
           "    -s                     single-threaded\n"
           "    -o allow_other         let other users read the mount\n\n",
           prog);
}

/* Seconds the daemon may take to stop once unmounted, whatever a server does. */
#define STOP_DEADLINE_S 3.0

static void free_mount(omefs_mount *m)
{
    ome_prefetch_free(m->prefetch); /* its workers use the tree's files */
    omefs_handles_free_all(m);
    pthread_mutex_destroy(&m->handles_lock);
    ome_content_free(&m->content);
    ome_cache_free(m->cache);
    ome_pool_free(m->pool);
    ome_store_close(m->store);
    omefs_secrets_free(m->source);
    ome_log_set_sink(NULL, NULL); /* every thread that could log has stopped */
    ome_log_ring_destroy(&m->log);
}

/* The decode pool, the memory cache and the read-ahead workers of a mount. */
static int start_workers(omefs_mount *m, size_t mem_cache, uint64_t prefetch)
{
    /* mem_cache is the memory for chunks: decoded ones in the cache, an eighth of it for the
     * encoded bytes of fetches in flight (read-ahead keeps several batches going), and with a
     * disk cache a quarter for fetched chunks waiting to be written to it (open_store) */
    size_t decoded = mem_cache - mem_cache / 8 - m->write_behind;
    if (!(m->pool = ome_pool_new(-1)) || !(m->cache = ome_cache_new(decoded, m->pool)) ||
        !(m->prefetch = ome_prefetch_new(12, prefetch, &m->stats)))
        return OME_ENOMEM;
    ome_content_set_cache(&m->content, m->cache);
    return OME_OK;
}

/* The OMERO password: the one given (credentials=FILE, else $OMERO_PASSWORD), else asked on the
 * terminal (not echoed), as sshfs does. NULL when none exists. */
static char *omero_password(const char *given, const char *user, const char *source)
{
    if (given)
        return strdup(given);
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return NULL;
    struct termios old, quiet;
    bool echo_off = tcgetattr(fileno(tty), &old) == 0;
    if (echo_off) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    char shown[1024], line[1024];
    ome_url_redact(source, shown, sizeof shown);
    fprintf(tty, "OMERO password for %s at %s: ", user, shown);
    fflush(tty);
    char *pw = fgets(line, sizeof line, tty) ? strdup(line) : NULL;
    if (echo_off)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fprintf(tty, "\n");
    fclose(tty);
    memset(line, 0, sizeof line);
    if (pw)
        pw[strcspn(pw, "\r\n")] = '\0';
    return pw;
}

/* Opens the store of the source, behind the disk cache when it is remote. */
static int open_store(omefs_mount *m, const ome_store_opts *so, const omefs_opts *o,
                      uint64_t cache_size, size_t mem_cache, ome_err *err)
{
    int rc = ome_source_open_store(&m->src, so, &m->store, err);
    m->source_store = m->store;
    bool use_disk = !o->cache_dir || strcmp(o->cache_dir, "none") != 0;
    if (rc != OME_OK || !m->src.remote || !use_disk) {
        if (rc == OME_OK && o->offline)
            rc = ome_err_set(err, OME_EINVAL, "offline needs a disk cache (a remote source and "
                                              "a cache_dir other than none)");
        return rc;
    }
    char dir[4096];
    if (o->cache_dir) {
        snprintf(dir, sizeof dir, "%s", o->cache_dir);
    } else if (!ome_disk_cache_default_dir(dir, sizeof dir)) {
        if (o->offline)
            return ome_err_set(err, OME_EINVAL, "offline needs a disk cache: no home directory "
                                                "to keep it in (pass cache_dir=)");
        OME_LOGW("no home directory (HOME, XDG_CACHE_HOME, the password database) to keep the "
                 "disk cache in: running without one (pass cache_dir= for one)");
        return OME_OK;
    }
    /* Writes go behind reads: a read waits for the disk only once this much is pending. */
    m->write_behind = mem_cache / 4;
    ome_disk_cache_opts dc = {.dir = dir, .cap_bytes = cache_size, .offline = o->offline != 0,
                              .metadata_ttl_s = o->metadata_ttl_s,
                              .write_behind_bytes = m->write_behind, .stats = &m->stats,
                              .classify = ome_zarr_key_kind};
    ome_store *inner = m->store;
    m->store = NULL;
    return ome_disk_cache_open(inner, &dc, &m->store, err);
}

/* The sizes, timeout and level the options give; false (with a message naming the option and
 * what it takes) when one is invalid. */
static bool check_options(omefs_opts *o, int *level, size_t *mem_cache, size_t *cache_size,
                          size_t *prefetch)
{
    double *timeout = &o->timeout_s;
    *level = ome_log_parse_level(o->log_level ? o->log_level : "warn");
    *mem_cache = 512u << 20;
    *cache_size = (size_t)10 << 30;
    *prefetch = 64u << 20;
    *timeout = 10;
    o->metadata_ttl_s = 300;
    if (*level < 0) {
        fprintf(stderr, "omefs: log_level=%s: use error, warn, info or debug\n", o->log_level);
        return false;
    }
    if ((o->mem_cache && !omefs_cli_size("mem_cache", o->mem_cache, mem_cache)) ||
        (o->cache_size && !omefs_cli_size("cache_size", o->cache_size, cache_size)) ||
        (o->prefetch && !omefs_cli_size("prefetch", o->prefetch, prefetch)) ||
        (o->timeout && !omefs_cli_seconds("timeout", o->timeout, false, timeout)) ||
        (o->metadata_ttl &&
         !omefs_cli_seconds("metadata_ttl", o->metadata_ttl, true, &o->metadata_ttl_s)))
        return false;
    if (o->retries < 0 || o->retries > 100) {
        fprintf(stderr, "omefs: retries=%d: give 0 to 100\n", o->retries);
        return false;
    }
    if (o->connections < 1 || o->connections > 1024) {
        fprintf(stderr, "omefs: connections=%d: give 1 to 1024\n", o->connections);
        return false;
    }
    if (o->ca_file && access(o->ca_file, R_OK) != 0) {
        fprintf(stderr, "omefs: ca_file=%s: %s (give a readable file of PEM certificates)\n",
                o->ca_file, strerror(errno));
        return false;
    }
    if (*prefetch > *mem_cache / 4) {
        char got[32];
        ome_human_bytes((double)(*mem_cache / 4), got, sizeof got);
        if (o->prefetch) /* asked for: say what it became */
            fprintf(stderr, "omefs: warning: prefetch=%s is more than a quarter of mem_cache: "
                            "%s it is (raise mem_cache for more)\n", o->prefetch, got);
        *prefetch = *mem_cache / 4;
    }
    const char *s3_only = o->no_sign ? "no_sign" : o->path_style ? "path_style"
                          : o->endpoint ? "endpoint" : o->region ? "region"
                          : o->profile ? "profile" : NULL;
    if (s3_only && o->source && strncasecmp(o->source, "s3://", 5) != 0) {
        char shown[1024];
        ome_url_redact(o->source, shown, sizeof shown);
        fprintf(stderr, "omefs: warning: -o %s is for s3:// sources; %s is not one, so it has "
                        "no effect\n", s3_only, shown);
    }
    return true;
}

/* The stores' settings from the options (the password is the caller's). */
static void store_opts_from(const omefs_opts *o, ome_stats *stats, const char *password,
                            ome_store_opts *so)
{
    ome_store_opts_default(so);
    so->timeout_s = o->timeout_s;
    so->retries = o->retries;
    so->connections = o->connections;
    so->ca_file = o->ca_file;
    so->proxy = o->proxy;
    so->insecure = o->insecure != 0;
    so->stats = stats;
    so->s3_endpoint = o->endpoint;
    so->s3_region = o->region;
    so->s3_profile = o->profile;
    so->s3_no_sign = o->no_sign != 0;
    so->s3_path_style = o->path_style != 0;
    so->omero_user = o->omero_user;
    so->omero_password = password;
    so->omero_tiles = o->omero_tiles;
}

/* A line on stderr when opening the source takes longer than NOTICE_AFTER_S (a silent or slow
 * server), so that a first mount does not say nothing until its attempts are over. */
#define NOTICE_AFTER_S 5
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    bool done;
    char shown[1024];
    double gives_up_s;
} open_notice;

static void *notice_if_slow(void *arg)
{
    open_notice *n = arg;
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += NOTICE_AFTER_S;
    pthread_mutex_lock(&n->lock);
    int rc = 0;
    while (!n->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&n->opened, &n->lock, &at);
    if (!n->done)
        fprintf(stderr, "omefs: no answer from %s yet; still trying (a request gives up after at "
                        "most about %.0f s: -o timeout= and retries=)\n", n->shown, n->gives_up_s);
    pthread_mutex_unlock(&n->lock);
    return NULL;
}

/* About how long a request takes at most to fail against a silent server: every attempt's
 * timeout and the backoff between attempts (without its jitter). */
static double gives_up_after(const ome_store_opts *so)
{
    double t = so->timeout_s, wait = 0, d = so->backoff_base_s;
    for (int i = 0; i < so->retries; i++, d *= 2)
        wait += d < so->backoff_max_s ? d : so->backoff_max_s;
    return (so->retries + 1) * t + wait;
}

/* Opens the source's store and reads what it shows, before anything is mounted. */
static int open_source(omefs_mount *m, const omefs_opts *o, const char *omero_pw,
                       size_t mem_cache, size_t cache_size, ome_err *err)
{
    int rc = ome_source_parse(m->source, &m->src, err);
    if (rc)
        return rc;
    char *password = o->omero_user ? omero_password(omero_pw, o->omero_user, m->src.shown) : NULL;
    ome_store_opts so;
    store_opts_from(o, &m->stats, password, &so);
    /* from here on the time is the server's (a password prompt is over); a local source or an
     * offline mount asks no server */
    open_notice notice = {.gives_up_s = gives_up_after(&so)};
    bool remote = strstr(m->source, "://") && strncasecmp(m->source, "file://", 7) != 0;
    pthread_mutex_init(&notice.lock, NULL);
    pthread_cond_init(&notice.opened, NULL);
    snprintf(notice.shown, sizeof notice.shown, "%s", m->src.shown);
    pthread_t notice_thread;
    bool noticing = remote && !o->offline &&
                    pthread_create(&notice_thread, NULL, notice_if_slow, &notice) == 0;
    rc = open_store(m, &so, o, cache_size, mem_cache, err);
    omefs_secrets_free(password); /* the store keeps its own copy */
    if (rc == OME_OK)
        rc = ome_content_open(m->store, &m->src, &m->content, err);
    if (noticing) {
        pthread_mutex_lock(&notice.lock);
        notice.done = true;
        pthread_cond_signal(&notice.opened);
        pthread_mutex_unlock(&notice.lock);
        pthread_join(notice_thread, NULL);
    }
    pthread_mutex_destroy(&notice.lock);
    pthread_cond_destroy(&notice.opened);
    return rc;
}

/* Mounts, daemonizes (unless -f), starts the workers and serves until unmounted; 0 on a clean
 * end. */
static int serve(struct fuse *f, omefs_mount *m, const struct fuse_cmdline_opts *cl,
                 size_t mem_cache, size_t prefetch)
{
    int rc = 1;
    if (fuse_mount(f, cl->mountpoint) != 0)
        return rc;
    if (fuse_daemonize(cl->foreground) == 0 &&
        fuse_set_signal_handlers(fuse_get_session(f)) == 0) {
        if (!cl->foreground)
            ome_log_use_syslog(1);
        OME_LOGI("mounted %s on %s", m->src.shown, cl->mountpoint);
        /* threads only now: daemonizing forks, and threads do not survive a fork */
        if (start_workers(m, mem_cache, prefetch) != OME_OK) {
            OME_LOGE("cannot start: out of memory");
        } else if (cl->singlethread) {
            rc = fuse_loop(f);
        } else {
            /* libfuse's default (UINT_MAX, "unset") only earns a warning: use its own 10 */
            struct fuse_loop_config lc = {
                .clone_fd = cl->clone_fd,
                .max_idle_threads = cl->max_idle_threads > 1000 ? 10 : cl->max_idle_threads};
            rc = fuse_loop_mt(f, &lc);
        }
        fuse_remove_signal_handlers(fuse_get_session(f));
        /* libfuse ends its loop with the signal's number: SIGTERM (systemd stopping the unit),
         * SIGINT (Ctrl-C in the foreground) and SIGHUP are a normal stop */
        if (rc == SIGTERM || rc == SIGINT || rc == SIGHUP)
            rc = 0;
    }
    fuse_unmount(f);
    return rc;
}

static void free_opts(omefs_opts *o)
{
    char *strings[] = {o->timeout, o->ca_file,  o->proxy, o->mem_cache, o->cache_dir,  o->cache_size,
                       o->prefetch, o->endpoint,  o->region,     o->profile,
                       o->omero_user, o->omero_tiles, o->log_level, o->credentials};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        omefs_secrets_free(strings[i]); /* the proxy's password */
}

/* Parses the command line; returns -1 to go on, else the exit status (help, version, error). */
static int parse_command_line(struct fuse_args *args, omefs_opts *o,
                              struct fuse_cmdline_opts *cl, const char *prog)
{
    if (fuse_opt_parse(args, o, opt_spec, opt_proc) == -1) {
        omefs_cli_hint(prog);
        return 2;
    }
    if (o->show_version) {
        char codecs[512];
        ome_codec_library_versions(codecs, sizeof codecs);
        printf("omefs %s (libfuse %s, libcurl %s, jansson %s, %s)\n", OME_VERSION,
               fuse_pkgversion(), ome_http_library_version(), ome_json_library_version(), codecs);
        return 0;
    }
    if (o->show_help) {
        usage(prog);
        fuse_lib_help(args);
        return 0;
    }
    if (o->source && o->mountpoint &&
        (!omefs_cli_mountpoint_ok(o->mountpoint) || !omefs_cli_fuse_device_ok()))
        return 1;
    if (fuse_parse_cmdline(args, cl) != 0) {
        omefs_cli_hint(prog);
        return 2;
    }
    if (!o->source || !cl->mountpoint) {
        fprintf(stderr, "omefs: need a SOURCE (an OME-Zarr URL or path, an OMERO address) and "
                        "a MOUNTPOINT (a folder)\n");
        omefs_cli_hint(prog);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "status") == 0)
        return omefs_status_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "prefetch") == 0)
        return omefs_prefetch_main(argc - 1, argv + 1);
    omefs_tune_malloc();
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    omefs_opts o = {.timeout_s = 10, .retries = 2, .connections = 16};
    struct fuse_cmdline_opts cl;
    memset(&cl, 0, sizeof cl);
    int level, status = parse_command_line(&args, &o, &cl, argv[0]);
    /* the options are copies now: no password or query stays where every user sees it */
    omefs_secrets_hide_argv(argc, argv);
    omefs_credentials creds = {0};
    size_t mem_cache, cache_size, prefetch;
    if (status < 0 && !check_options(&o, &level, &mem_cache, &cache_size, &prefetch)) {
        omefs_cli_hint(argv[0]);
        status = 2;
    }
    if (status < 0 && o.credentials &&
        (!omefs_credentials_read(o.credentials, &creds) ||
         !omefs_credentials_apply(&creds, o.credentials, &o.source, &o.proxy))) {
        omefs_cli_hint(argv[0]);
        status = 2;
    }
    if (!creds.omero_password) /* the file's, else the environment's; kept from child programs */
        creds.omero_password = omefs_secrets_take_env("OMERO_PASSWORD");
    if (status >= 0) {
        omefs_credentials_free(&creds);
        omefs_secrets_free(o.source);
        free_opts(&o);
        free(cl.mountpoint);
        fuse_opt_free_args(&args);
        return status;
    }
    ome_log_set_level((enum ome_log_level)level);
    omefs_mount m = {.source = o.source, .mounted_at = time(NULL)};
    pthread_mutex_init(&m.handles_lock, NULL);
    ome_log_ring_init(&m.log);
    ome_log_set_sink(ome_log_ring_add, &m.log); /* .omefs/log: the lines logged from now on */
    /* Read-only; FUSE checks the remaining options here (unknown ones end with status 2). */
    fuse_opt_add_arg(&args, "-ofsname=omefs,subtype=omefs,ro");
    struct fuse *f = fuse_new(&args, &omefs_ops, sizeof omefs_ops, &m);
    ome_err err = {0};
    omefs_deadline *deadline = NULL;
    int rc = f ? open_source(&m, &o, creds.omero_password, mem_cache, cache_size, &err)
               : OME_EINVAL;
    omefs_credentials_free(&creds);
    /* read by the S3 store as it opened; fusermount3 (a child) need not see them */
    omefs_secrets_free(omefs_secrets_take_env("AWS_SECRET_ACCESS_KEY"));
    omefs_secrets_free(omefs_secrets_take_env("AWS_SESSION_TOKEN"));
    if (!f) {
        omefs_cli_hint(argv[0]);
        status = 2;
    } else if (rc != OME_OK) {
        char shown[sizeof m.src.shown * 4];
        ome_text_shown(m.src.shown[0] ? m.src.shown : "source", shown, sizeof shown);
        if (rc == OME_ABSENT)
            fprintf(stderr, "omefs: %s: not found\n", shown);
        else
            fprintf(stderr, "omefs: cannot mount %s: %s\n", shown, err.msg);
        omefs_cli_source_hint(o.source);
        status = 1;
    } else {
        status = serve(f, &m, &cl, mem_cache, prefetch) ? 1 : 0;
        /* unmounted: loaders and read-ahead are cancelled as the mount is freed; this bounds
         * what might still wait on a silent server */
        deadline = omefs_deadline_start(STOP_DEADLINE_S, status);
    }
    if (f)
        fuse_destroy(f);
    free_mount(&m);
    omefs_deadline_met(deadline);
    free_opts(&o);
    free(cl.mountpoint);
    fuse_opt_free_args(&args);
    return status;
}
