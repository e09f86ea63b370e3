/* folder_tree: folders opened on first use: a plate's wells, a list's images (OMERO,
 * collections), a directory's images, plates, collections and subfolders, to any depth. */
#include "tree/folder_tree.h"

#include "base/background.h"
#include "base/cancel.h"
#include "base/clock.h"
#include "base/key.h"
#include "base/log.h"
#include "image/group.h"
#include "image/ngff.h"
#include "store/store_zip.h"
#include "tree/label_tree.h"

#include <jansson.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Folders are found by name through a hash table of their indices (open addressing, at most
 * half full), so that a listing of 100000 images is named and looked into in linear time. */
static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int slot_of(const ome_folder_tree *ft, const char *name)
{
    for (size_t k = name_hash(name) & (ft->nslots - 1);; k = (k + 1) & (ft->nslots - 1)) {
        int i = ft->slots[k];
        if (i < 0 || strcmp(ft->folders[i].name, name) == 0)
            return (int)k;
    }
}

static bool name_taken(const ome_folder_tree *ft, const char *name)
{
    return !name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
           strcmp(name, ".omefs") == 0 || strchr(name, '/') || ft->slots[slot_of(ft, name)] >= 0;
}

static ome_folder_tree *tree_new(ome_store *store, int n)
{
    ome_folder_tree *ft = calloc(1, sizeof *ft);
    size_t nslots = 4;
    while (nslots < 2 * (size_t)(n > 0 ? n : 1))
        nslots *= 2;
    if (ft && (!(ft->folders = calloc(n > 0 ? (size_t)n : 1, sizeof *ft->folders)) ||
               !(ft->slots = malloc(nslots * sizeof *ft->slots)))) {
        free(ft->folders);
        free(ft);
        return NULL;
    }
    if (ft) {
        pthread_mutex_init(&ft->ahead_lock, NULL);
        pthread_cond_init(&ft->ahead_grown, NULL);
        atomic_init(&ft->first_look, -1);
        ft->store = store;
        ft->nslots = nslots;
        memset(ft->slots, 0xff, nslots * sizeof *ft->slots); /* every slot -1: empty */
    }
    return ft;
}

/* Fills folder i (its name made unique: the name, else `alt`, else the index) and counts it
 * in. */
static int folder_init(ome_folder_tree *ft, int i, const char *name, const char *alt,
                       const char *path, ome_err *err)
{
    ome_folder *f = &ft->folders[i];
    char unique[OME_NAME_MAX + 1];
    ome_name_fit(unique, sizeof unique, name, OME_NAME_MAX);
    if (name_taken(ft, unique))
        ome_name_fit(unique, sizeof unique, alt, OME_NAME_MAX);
    for (int k = 0; name_taken(ft, unique); k++)
        snprintf(unique, sizeof unique, k ? "%d_%d" : "%d", i, k);
    pthread_mutex_init(&f->lock, NULL);
    ft->nfolders = i + 1;
    if (!(f->name = strdup(unique)) || (path && !(f->path = strdup(path))))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    ft->slots[slot_of(ft, unique)] = i;
    return OME_OK;
}

int ome_folder_tree_open_plate(ome_store *store, const char *base, json_t *attrs,
                               const char *where, ome_folder_tree **out, ome_err *err)
{
    ome_plate plate;
    int rc = ome_plate_parse(attrs, where, &plate, err);
    if (rc)
        return rc;
    ome_folder_tree *ft = tree_new(store, plate.nwells);
    if (!ft) {
        ome_plate_free(&plate);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    ft->wells = true;
    ft->plate = plate;
    for (int i = 0; rc == OME_OK && i < plate.nwells; i++) {
        const ome_well_ref *ref = &plate.wells[i];
        const char *row = plate.rows[ref->row], *col = plate.columns[ref->column];
        char name[512], alt[512]; /* "A"+"11" and "A1"+"1" would both be "A11" */
        char path[2048];
        snprintf(name, sizeof name, "%s%s", row, col);
        snprintf(alt, sizeof alt, "%s_%s", row, col);
        rc = ome_key_join(path, sizeof path, base, ref->path, err);
        if (rc == OME_OK)
            rc = folder_init(ft, i, name, alt, path, err);
    }
    if (rc) {
        ome_folder_tree_free(ft);
        return rc;
    }
    *out = ft;
    return OME_OK;
}

int ome_folder_tree_open_list(ome_store *store, const ome_folder_entry *entries, int n,
                              ome_folder_tree **out, ome_err *err)
{
    ome_folder_tree *ft = tree_new(store, n);
    if (!ft)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    int rc = OME_OK;
    for (int first = 0; rc == OME_OK && first < n;) {
        int end = first;
        while (end < n && entries[end].group == entries[first].group)
            end++;
        int k = ft->nfolders;
        rc = folder_init(ft, k, entries[first].folder, entries[first].image_name, NULL, err);
        ome_folder *f = &ft->folders[k];
        f->paths = rc == OME_OK ? calloc((size_t)(end - first), sizeof *f->paths) : NULL;
        f->image_names = f->paths ? calloc((size_t)(end - first), sizeof *f->image_names) : NULL;
        if (rc == OME_OK && !f->image_names)
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        for (int j = first; rc == OME_OK && j < end; j++, f->npaths++)
            if (!(f->paths[f->npaths] = strdup(entries[j].path)) ||
                !(f->image_names[f->npaths] = strdup(entries[j].image_name)))
                rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        first = end;
    }
    if (rc) {
        ome_folder_tree_free(ft);
        return rc;
    }
    *out = ft;
    return OME_OK;
}

void ome_folder_name(char *out, size_t outlen, const char *prefix, const char *name)
{
    int k = snprintf(out, outlen, "%s", prefix);
    if (k < 0 || (size_t)k >= outlen)
        return;
    size_t at = (size_t)k, limit = at + 100 < outlen - 1 ? at + 100 : outlen - 1;
    for (const char *p = name; *p && at < limit; p++)
        out[at++] = isalnum((unsigned char)*p) || strchr("._-", *p) ? *p : '_';
    out[at] = '\0';
}

ome_folder *ome_folder_tree_find(ome_folder_tree *ft, const char *name)
{
    int i = ft->slots[slot_of(ft, name)];
    return i >= 0 ? &ft->folders[i] : NULL;
}

/* The fields of one load opened together, each on a thread of its own, for one request: its
 * cancellation reaches them through the relay. */
typedef struct {
    ome_cancel_relay relay;
    pthread_mutex_t lock;
    pthread_cond_t finished_one;
    int finished;
} fields_run;

/* A field opened on a thread of its own: a well's fields open at once, not one after another. */
typedef struct {
    ome_store *store;
    char path[2048], name[1100];
    const char *title;     /* the image's name when its metadata has none (borrowed) */
    json_t *attrs;         /* the image group's attributes when already loaded (borrowed), */
    const char *where;     /* and the document they come from */
    bool with_labels;      /* a well's field: its label images too */
    fields_run *run;       /* set while on a thread of its own */
    ome_image *img;
    ome_label_tree labels; /* files named NAME_labels_LABEL */
    ome_err why;
    int rc;
} field_job;

static void open_field(field_job *j)
{
    if (j->attrs) {
        j->rc = ome_image_open_attrs(j->store, j->path, j->name, j->attrs, j->where, &j->img,
                                     &j->why);
    } else {
        j->rc = ome_image_open(j->store, j->path, j->name, &j->img, &j->why);
    }
    if (j->rc == OME_OK && j->title && !j->img->title)
        j->img->title = strdup(j->title); /* a name to show: nothing lost without it */
    if (j->rc == OME_OK && j->with_labels) {
        char prefix[1200];
        snprintf(prefix, sizeof prefix, "%s_labels_", j->name);
        ome_label_tree_open(j->store, j->path, prefix, &j->labels);
    }
}

static void *open_field_thread(void *arg)
{
    field_job *j = arg;
    fields_run *run = j->run;
    ome_cancel_follow(&run->relay);
    open_field(j);
    pthread_mutex_lock(&run->lock);
    run->finished++;
    pthread_cond_signal(&run->finished_one);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

/* Waits until `count` threads of the run finished, passing the request's cancellation on. */
static void wait_fields(fields_run *run, int count)
{
    pthread_mutex_lock(&run->lock);
    while (run->finished < count) {
        struct timespec until = ome_realtime_after(0.05);
        pthread_cond_timedwait(&run->finished_one, &run->lock, &until);
        if (run->finished < count) {
            pthread_mutex_unlock(&run->lock);
            ome_cancel_relay_poll(&run->relay);
            pthread_mutex_lock(&run->lock);
        }
    }
    pthread_mutex_unlock(&run->lock);
}

#define FIELDS_AT_ONCE 8

/* Drops what jobs[0..n) opened. */
static void discard_fields(field_job *jobs, int n)
{
    for (int i = 0; i < n; i++) {
        ome_image_free(jobs[i].img);
        jobs[i].img = NULL;
        ome_label_tree_free(&jobs[i].labels);
    }
}

/* Opens jobs[0..n) on up to FIELDS_AT_ONCE threads (in this thread when one cannot start).
 * OME_EINTR, with nothing kept, when the calling thread's request is given up meanwhile. */
static int open_fields(field_job *jobs, int n)
{
    fields_run run = {.finished = 0};
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.finished_one, NULL);
    pthread_t threads[FIELDS_AT_ONCE];
    int expected = 0; /* threads started so far */
    for (int first = 0; first < n && !ome_cancel_relay_poll(&run.relay); first += FIELDS_AT_ONCE) {
        int m = n - first < FIELDS_AT_ONCE ? n - first : FIELDS_AT_ONCE, started = 0;
        bool on_thread[FIELDS_AT_ONCE];
        for (int k = 0; k < m; k++) {
            jobs[first + k].run = &run;
            on_thread[k] =
                pthread_create(&threads[k], NULL, open_field_thread, &jobs[first + k]) == 0;
            started += on_thread[k];
        }
        for (int k = 0; k < m; k++)
            if (!on_thread[k])
                open_field(&jobs[first + k]);
        expected += started;
        wait_fields(&run, expected);
        for (int k = 0; k < m; k++)
            if (on_thread[k])
                pthread_join(threads[k], NULL);
    }
    pthread_cond_destroy(&run.finished_one);
    pthread_mutex_destroy(&run.lock);
    if (ome_cancel_relay_poll(&run.relay)) {
        discard_fields(jobs, n);
        return OME_EINTR;
    }
    return OME_OK;
}

/* Puts the images opened into the folder, in their order; one that failed is left out with a
 * warning. An error when none could be opened. */
static int add_opened(ome_folder_tree *ft, ome_folder *f, field_job *jobs, int n, ome_err *err)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += 1 + jobs[i].labels.nimages;
    ome_image **images = realloc(f->images, (size_t)total * sizeof *images);
    if (!images) {
        for (int i = 0; i < n; i++) {
            ome_image_free(jobs[i].img);
            ome_label_tree_free(&jobs[i].labels);
        }
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    f->images = images;
    ome_err first = {0};
    for (int i = 0; i < n; i++) {
        field_job *j = &jobs[i];
        for (int k = 0; k < j->labels.nimages; k++) { /* the folder owns them from now on */
            j->labels.images[k]->cache = ft->cache;
            f->images[f->nimages++] = j->labels.images[k];
        }
        j->labels.nimages = 0;
        if (j->rc == OME_OK) {
            j->img->cache = ft->cache;
            f->images[f->nimages++] = j->img;
            if (ome_tree_add_image(&f->tree, j->img, &j->why) == OME_OK &&
                ome_tree_take(&f->tree, &j->labels.tree, &j->why) == OME_OK) {
                ome_label_tree_free(&j->labels);
                continue;
            }
        }
        ome_label_tree_free(&j->labels);
        OME_LOGW("%s%s: %s left out: %s", ft->wells ? "well " : "", f->name, j->name,
                 j->why.msg);
        if (!first.msg[0])
            first = j->why;
    }
    if (f->tree.nfiles == 0)
        return ome_err_set(err, OME_EINVAL, "%s%s: no %s can be opened (%s)",
                           ft->wells ? "well " : "", f->name, ft->wells ? "field" : "image",
                           first.msg);
    return OME_OK;
}

/* Opens the jobs' images and puts them into the folder. */
static int open_and_add(ome_folder_tree *ft, ome_folder *f, field_job *jobs, int n, ome_err *err)
{
    if (open_fields(jobs, n) != OME_OK)
        return ome_err_set(err, OME_EINTR, "%s: given up by the program that looked into it",
                           f->name);
    return add_opened(ft, f, jobs, n, err);
}

/* Opens the fields of the well whose group attributes are `attrs` (read from `where`); called
 * with f->lock held. */
static int open_well_fields(ome_folder_tree *ft, ome_folder *f, json_t *attrs, const char *where,
                            ome_err *err)
{
    ome_well well;
    int rc = ome_well_parse(attrs, where, &well, err);
    if (rc)
        return rc;
    field_job *jobs = calloc((size_t)well.nimages, sizeof *jobs);
    if (!jobs) {
        ome_well_free(&well);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    for (int i = 0; i < well.nimages; i++) {
        jobs[i].store = ft->store;
        jobs[i].with_labels = true;
        if (ome_key_join(jobs[i].path, sizeof jobs[i].path, f->path, well.images[i].path,
                         NULL))
            OME_LOGW("%s: the path of field %s is too long; left out", f->path,
                     well.images[i].path); /* "" opens nothing: the field is left out */
        snprintf(jobs[i].name, sizeof jobs[i].name, "%s_%s", f->name, well.images[i].path);
    }
    rc = open_and_add(ft, f, jobs, well.nimages, err);
    free(jobs);
    ome_well_free(&well);
    return rc;
}

/* Opens a well's fields; called with f->lock held. */
static int load_well(ome_folder_tree *ft, ome_folder *f, ome_err *err)
{
    json_t *attrs;
    char where[4096];
    int rc = ome_group_attrs_load(ft->store, f->path, &attrs, where, sizeof where, err);
    if (rc)
        return rc;
    rc = open_well_fields(ft, f, attrs, where, err);
    json_decref(attrs);
    return rc;
}

/* Opens a list folder's images (together); called with f->lock held. */
static int load_images(ome_folder_tree *ft, ome_folder *f, ome_err *err)
{
    field_job *jobs = calloc((size_t)f->npaths, sizeof *jobs);
    if (!jobs)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    for (int i = 0; i < f->npaths; i++) {
        jobs[i].store = ft->store;
        jobs[i].with_labels = ft->with_labels;
        snprintf(jobs[i].path, sizeof jobs[i].path, "%s", f->paths[i]);
        snprintf(jobs[i].name, sizeof jobs[i].name, "%s", f->image_names[i]);
        jobs[i].title = f->npaths == 1 ? f->title : NULL;
    }
    int rc = open_and_add(ft, f, jobs, f->npaths, err);
    free(jobs);
    return rc;
}

/* Whether a folder's name is that of an OME-Zarr image ("NAME.zarr", "NAME.ome.zarr", or
 * zipped: "NAME.ozx"); its length without the suffix in *stem. */
static bool is_zarr_name(const char *name, size_t *stem)
{
    size_t n = strlen(name);
    static const char *suffixes[] = {".ome.zarr", ".zarr", ".ozx"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0) {
            *stem = n - k;
            return true;
        }
    }
    return false;
}

int ome_folder_tree_open_dir(ome_store *store, const char *path, ome_folder_tree **out,
                             ome_err *err)
{
    char **names;
    int n;
    int rc = ome_store_list_dirs(store, path, &names, &n, err);
    if (rc)
        return rc;
    ome_folder_entry *entries = calloc(n > 0 ? (size_t)n : 1, sizeof *entries);
    rc = entries ? OME_OK : ome_err_set(err, OME_ENOMEM, "out of memory");
    int k = 0;
    for (int i = 0; rc == OME_OK && i < n; i++) {
        size_t stem = strlen(names[i]);
        char name[256], where[2100];
        is_zarr_name(names[i], &stem);
        if (stem >= sizeof name)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)stem, names[i]);
        if (ome_key_join(where, sizeof where, path, names[i], NULL)) {
            OME_LOGW("%s: the path of %s is too long; left out", path, names[i]);
            continue;
        }
        if (ome_folder_entry_copy(&entries[k], name, where, name, k))
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
        else
            k++;
    }
    if (rc == OME_OK)
        rc = ome_folder_tree_open_list(store, entries, k, out, err);
    if (rc == OME_OK)
        (*out)->with_labels = (*out)->any_kind = true;
    ome_folder_entries_free(entries, k);
    ome_store_names_free(names, n);
    return rc;
}

/* A folder of images' entry, whatever it is: an image (its files and labels), a plate (a
 * folder per well inside) or a collection (its one image's files, or a folder per image
 * inside); called with f->lock held. */
static int load_any(ome_folder_tree *ft, ome_folder *f, ome_err *err)
{
    json_t *attrs;
    char where[4096];
    const char *base = f->paths[0];
    ome_store *store = ft->store;
    if (ome_store_zip_name(base, strlen(base))) { /* zipped: its root is the archive's */
        int zrc = ome_store_zip_open_within(ft->store, base, &f->zip, err);
        if (zrc)
            return zrc;
        store = f->zip;
        base = "";
    }
    int rc = ome_group_attrs_load(store, base, &attrs, where, sizeof where, err);
    if (rc == OME_ABSENT) { /* no group: a directory of more of the same */
        ome_err none = *err, why = {0};
        rc = ome_folder_tree_open_dir(store, base, &f->sub, &why);
        if (rc)
            ome_err_set(err, rc, "%s, nor a directory that can be listed (%s)", none.msg,
                        why.msg);
        return rc;
    }
    if (rc)
        return rc;
    ome_series *series = NULL;
    int nseries = 0;
    field_job job = {.store = store, .with_labels = true, .attrs = attrs, .where = where};
    if (ome_key_join(job.path, sizeof job.path, base, "", err)) {
        json_decref(attrs);
        return OME_ERANGE;
    }
    snprintf(job.name, sizeof job.name, "%s", f->image_names[0]);
    ome_group_kind kind = ome_group_kind_of(attrs);
    if (kind == OME_GROUP_PLATE) {
        rc = ome_folder_tree_open_plate(store, base, attrs, where, &f->sub, err);
    } else if (kind == OME_GROUP_COLLECTION &&
               (rc = ome_series_list(store, base, &series, &nseries, err)) == OME_OK) {
        if (nseries > 1) {
            rc = ome_folder_tree_open_series(store, base, f->image_names[0], series, nseries,
                                             &f->sub, err);
        } else if ((rc = ome_key_join(job.path, sizeof job.path, base, series[0].path, err)) ==
                   OME_OK) {
            job.attrs = NULL;
            job.title = series[0].name;
            rc = open_and_add(ft, f, &job, 1, err);
        }
    } else if (rc == OME_OK) {
        rc = open_and_add(ft, f, &job, 1, err);
    }
    ome_series_free(series, nseries);
    json_decref(attrs);
    return rc;
}

int ome_folder_entry_copy(ome_folder_entry *e, const char *folder, const char *path,
                          const char *image_name, int group)
{
    char *f = strdup(folder), *p = strdup(path), *i = strdup(image_name);
    if (!f || !p || !i) {
        free(f), free(p), free(i);
        return OME_ENOMEM;
    }
    *e = (ome_folder_entry){f, p, i, group};
    return OME_OK;
}

void ome_folder_entries_free(ome_folder_entry *e, int n)
{
    for (int k = 0; e && k < n; k++) {
        free((char *)e[k].folder);
        free((char *)e[k].path);
        free((char *)e[k].image_name);
    }
    free(e);
}

int ome_folder_tree_open_series(ome_store *store, const char *base, const char *name,
                                const ome_series *series, int n, ome_folder_tree **out,
                                ome_err *err)
{
    ome_folder_entry *entries = calloc(n > 0 ? (size_t)n : 1, sizeof *entries);
    int rc = entries ? OME_OK : OME_ENOMEM, filled = 0;
    for (; rc == OME_OK && filled < n; filled++) {
        char prefix[32], folder[160], path[2100], image[160];
        snprintf(prefix, sizeof prefix, "%d%s", filled, series[filled].name ? "_" : "");
        ome_folder_name(folder, sizeof folder, prefix,
                        series[filled].name ? series[filled].name : "");
        if ((rc = ome_key_join(path, sizeof path, base, series[filled].path, err)))
            break;
        snprintf(image, sizeof image, "%.120s_%d", name, filled);
        if ((rc = ome_folder_entry_copy(&entries[filled], folder, path, image, filled)))
            break;
    }
    if (rc)
        rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    else
        rc = ome_folder_tree_open_list(store, entries, n, out, err);
    if (rc == OME_OK)
        (*out)->with_labels = true;
    for (int i = 0; rc == OME_OK && i < n; i++) /* a folder each: folder i is series i */
        if (series[i].name)
            (*out)->folders[i].title = strdup(series[i].name);
    ome_folder_entries_free(entries, filled);
    return rc;
}

/* Drops what a folder opened: its files and images. */
static void folder_clear(ome_folder *f)
{
    ome_folder_tree_free(f->sub);
    f->sub = NULL;
    ome_tree_free(&f->tree);
    for (int k = 0; k < f->nimages; k++)
        ome_image_free(f->images[k]);
    free(f->images);
    f->images = NULL;
    f->nimages = 0;
    ome_store_close(f->zip); /* after what reads from it */
    f->zip = NULL;
}

static int load_now(ome_folder_tree *ft, ome_folder *f, ome_err *err);

/* Loading ahead: the first window, in folders past the one looked into, and the largest. */
#define AHEAD_FIRST 16 /* one per loader: a walk (ls -lR) is as fast as loading all at once */
#define AHEAD_MOST 256
#define AHEAD_THREADS 16 /* folders loaded at once, ahead of a walk */

/* A loader ahead: takes the next folder of the window until the loaders are stopped (their
 * cancellation, base/background.h); a failure is logged, and tried again when looked at. */
static void ahead_loader(void *ctx, int worker)
{
    (void)worker;
    ome_folder_tree *ft = ctx;
    for (;;) {
        pthread_mutex_lock(&ft->ahead_lock);
        while (ft->ahead_next >= ft->ahead_limit && !ome_cancelled()) {
            struct timespec until = ome_realtime_after(1);
            pthread_cond_timedwait(&ft->ahead_grown, &ft->ahead_lock, &until);
        }
        int p = ft->ahead_next++;
        int i = ft->ahead_order ? ft->ahead_order[p] : p;
        pthread_mutex_unlock(&ft->ahead_lock);
        if (ome_cancelled())
            return;
        ome_folder *f = &ft->folders[i];
        if (atomic_load(&f->loaded) || atomic_load(&f->ahead_tried))
            continue; /* the window passes over what is loaded or was tried already */
        if (pthread_mutex_trylock(&f->lock) != 0)
            continue; /* and over what another thread is loading: no loader waits for it */
        pthread_mutex_unlock(&f->lock);
        atomic_store(&f->ahead_tried, true);
        ome_err err = {0};
        load_now(ft, f, &err);
    }
}

typedef struct {
    const char *name;
    int index;
} named_folder;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const named_folder *)a)->name, ((const named_folder *)b)->name);
}

/* At the second look (folder `second`, after `first`): the walk goes in name order when the two
 * are neighbours by name and not by their own order; then the positions are by name. Called
 * with ahead_lock held. */
static void choose_order(ome_folder_tree *ft, int first, int second)
{
    if (first < 0 || second == first + 1)
        return;
    named_folder *nf = malloc((size_t)ft->nfolders * sizeof *nf);
    int *order = malloc((size_t)ft->nfolders * sizeof *order);
    int *pos = malloc((size_t)ft->nfolders * sizeof *pos);
    if (nf && order && pos) {
        for (int k = 0; k < ft->nfolders; k++)
            nf[k] = (named_folder){ft->folders[k].name, k};
        qsort(nf, (size_t)ft->nfolders, sizeof *nf, by_name);
        for (int k = 0; k < ft->nfolders; k++) {
            order[k] = nf[k].index;
            pos[nf[k].index] = k;
        }
        if (pos[second] == pos[first] + 1) {
            ft->ahead_order = order;
            ft->ahead_pos = pos;
            order = pos = NULL;
        }
    }
    free(nf), free(order), free(pos);
}

/* A walk looked into folder i for the first time: from the second look on, the window ahead
 * starts after it (also when that is behind where the loaders were: a walk in name order,
 * A1 A10 A11 A12 A2 …, then has A3 … loaded too) and reaches as far as it did or `window`
 * past it, four times as far at each look; a walk that jumps beyond the window starts one
 * there. */
static void ahead_note_look(ome_folder_tree *ft, int i)
{
    if (atomic_fetch_add(&ft->looks, 1) < 1) {
        atomic_store(&ft->first_look, i);
        return;
    }
    if (ft->nfolders <= 2)
        return;
    pthread_mutex_lock(&ft->ahead_lock);
    if (!ft->ahead) {
        choose_order(ft, atomic_load(&ft->first_look), i);
        ft->ahead = ome_background_start(AHEAD_THREADS, AHEAD_THREADS, ahead_loader, ft);
    }
    if (ft->ahead_pos)
        i = ft->ahead_pos[i]; /* from here on, a position */
    int w = ft->ahead_window = ft->ahead_window ? ft->ahead_window * 4 : AHEAD_FIRST;
    if (w > AHEAD_MOST)
        w = ft->ahead_window = AHEAD_MOST;
    int start = i + 1, end = start + w < ft->nfolders ? start + w : ft->nfolders;
    if (start > ft->ahead_limit)
        ft->ahead_limit = end; /* a jump past the window: a new one there */
    else if (end > ft->ahead_limit)
        ft->ahead_limit = end;
    ft->ahead_next = start;
    pthread_cond_broadcast(&ft->ahead_grown);
    pthread_mutex_unlock(&ft->ahead_lock);
}

int ome_folder_tree_load(ome_folder_tree *ft, ome_folder *f, ome_err *err)
{
    if (!atomic_exchange(&f->looked, true))
        ahead_note_look(ft, (int)(f - ft->folders));
    return load_now(ft, f, err);
}

static int load_now(ome_folder_tree *ft, ome_folder *f, ome_err *err)
{
    if (ome_cancel_lock(&f->lock) != OME_OK)
        return ome_err_set(err, OME_EINTR, "%s: given up while another program loaded it",
                           f->name);
    int rc = OME_OK;
    if (!f->loaded) {
        ome_err why = {0};
        rc = ft->wells                       ? load_well(ft, f, &why)
             : ft->load_sub                   ? ft->load_sub(ft, f, &why)
             : ft->any_kind && f->npaths == 1 ? load_any(ft, f, &why)
                                               : load_images(ft, f, &why);
        if (rc == OME_OK && f->sub)
            f->sub->cache = ft->cache;
        if (rc && (rc == OME_EINTR || ome_cancelled())) {
            rc = OME_EINTR; /* given up, not broken: said once, quietly */
            OME_LOGI("%s: loading given up (%s)", f->name, why.msg);
            folder_clear(f);
        } else if (rc) { /* nothing kept: the next look into the folder tries again */
            OME_LOGE("%s", why.msg);
            folder_clear(f);
        }
        f->loaded = rc == OME_OK;
    }
    pthread_mutex_unlock(&f->lock);
    if (rc == OME_EINTR)
        ome_err_set(err, rc, "%s: given up by the program that looked into it", f->name);
    else if (rc)
        ome_err_set(err, rc, "%s could not be read (see the log)", f->name);
    return rc;
}

int ome_folder_tree_open_well(ome_store *store, const char *name, json_t *attrs,
                              const char *where, ome_folder_tree **out, ome_err *err)
{
    ome_folder_tree *ft = tree_new(store, 1);
    if (!ft)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    ft->wells = true;
    int rc = folder_init(ft, 0, name, "well", "", err);
    ome_folder *f = &ft->folders[0];
    if (rc == OME_OK) {
        pthread_mutex_lock(&f->lock);
        rc = open_well_fields(ft, f, attrs, where, err);
        f->loaded = rc == OME_OK;
        pthread_mutex_unlock(&f->lock);
    }
    if (rc == OME_OK && f->tree.nfiles == 0)
        rc = ome_err_set(err, OME_EINVAL, "%s: no field of this well could be opened (see the "
                         "log)", store->root);
    if (rc) {
        ome_folder_tree_free(ft);
        return rc;
    }
    *out = ft;
    return OME_OK;
}

uint64_t ome_folder_tree_loaded_bytes(ome_folder_tree *ft)
{
    uint64_t total = 0;
    for (int i = 0; i < ft->nfolders; i++) {
        ome_folder *f = &ft->folders[i];
        pthread_mutex_lock(&f->lock);
        for (int k = 0; f->loaded && k < f->tree.nfiles; k++)
            total += ome_vtiff_size(f->tree.files[k].vt);
        if (f->loaded && f->sub)
            total += ome_folder_tree_loaded_bytes(f->sub);
        pthread_mutex_unlock(&f->lock);
    }
    return total;
}

void ome_folder_tree_free(ome_folder_tree *ft)
{
    if (!ft)
        return;
    ome_background_stop(ft->ahead); /* its loaders use the folders */
    free(ft->ahead_order);
    free(ft->ahead_pos);
    pthread_mutex_destroy(&ft->ahead_lock);
    pthread_cond_destroy(&ft->ahead_grown);
    for (int i = 0; i < ft->nfolders; i++) {
        ome_folder *f = &ft->folders[i];
        folder_clear(f);
        free(f->name);
        free(f->path);
        for (int k = 0; k < f->npaths; k++) {
            free(f->paths[k]);
            free(f->image_names[k]);
        }
        free(f->paths);
        free(f->image_names);
        free(f->title);
        pthread_mutex_destroy(&f->lock);
    }
    free(ft->folders);
    free(ft->slots);
    ome_plate_free(&ft->plate);
    free(ft);
}
