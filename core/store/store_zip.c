/* store_zip: entries of a ZIP archive (ZIP64 too) served as keys, by range reads of the archive.
 *
 * No ZIP library fits: libzip and minizip read through a seekable local file (or a callback
 * that must answer each small read at once), while here every read is a request over the
 * network, batched with the others of a FUSE read; the format parts needed (end records, the
 * central directory, local headers, stored and deflated entries) are small and are read with
 * the bounds of each field checked against what was fetched.
 *
 * Opening reads the archive's tail (the end of central directory record, its comment and the
 * ZIP64 locator) and the central directory: with the RFC-9 comment's "jsonFirst", only its first
 * part, where the zarr.json entries are; the rest when a key beyond them is first asked for.
 * An entry's data offset comes from its local header, read with the entry the first time. The
 * archive's identity for caches holds its ETag and a checksum of its end records and first
 * directory part, so pieces of a replaced archive are never mixed with the old one's; an answer
 * with another ETag than the archive had at mount is refused. */
#include "store/store_zip.h"

#include "base/cancel.h"
#include "base/crc32c.h"
#include "base/key.h"
#include "base/log.h"
#include "store/store_backend.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define EOCD_SIG 0x06054b50u
#define EOCD_LEN 22
#define Z64_LOCATOR_SIG 0x07064b50u
#define Z64_LOCATOR_LEN 20
#define Z64_EOCD_SIG 0x06064b50u
#define Z64_EOCD_LEN 56
#define CDH_SIG 0x02014b50u
#define CDH_LEN 46
#define LFH_SIG 0x04034b50u
#define LFH_LEN 30
/* The tail read at open: the end record with the longest comment, and the ZIP64 locator. */
#define TAIL_BYTES (EOCD_LEN + 65535 + Z64_LOCATOR_LEN + Z64_EOCD_LEN)
#define TAIL_FIRST_BYTES 4096
/* The first part of a "jsonFirst" directory read at open, and each further part. */
#define CD_PART_BYTES ((uint64_t)64 << 10)
/* The largest central directory held (about 2.5 million entries of 100 bytes). */
#define CD_MAX_BYTES ((uint64_t)256 << 20)
/* A local header's extra field beyond the directory's, read with an entry in one request. */
#define LFH_SLACK 64

typedef struct {
    uint32_t name_off;  /* in names */
    uint16_t name_len;
    uint16_t method;    /* 0 stored, 8 deflated */
    uint32_t crc;
    uint64_t csize, usize, header_off;
    uint64_t data_off;  /* 0 until the local header was read */
} zip_entry;

typedef struct {
    ome_store base;
    ome_store *inner;
    bool owns_inner;
    char *key;             /* of the archive in inner */
    char etag[128];        /* the archive's, at open ("" when the store sends none) */
    pthread_mutex_t lock;  /* the directory: entries, names, index, parsed */
    uint64_t cd_off, cd_size, cd_parsed; /* bytes of the directory parsed so far */
    uint64_t nentries_total;
    bool json_first;
    bool meta_done;        /* every zarr.json entry has been parsed (json_first) */
    zip_entry *entries;
    size_t nentries, capentries;
    char *names;
    size_t names_len, names_cap;
    int32_t *slots;        /* hash table of entry indices by name (-1: empty) */
    size_t nslots;
    char *cd_rest;         /* a directory entry cut at the end of a part, to be completed */
    size_t cd_rest_len;
    ome_err damaged;       /* code non-zero: the directory's damage, found once, said since */
} zip_store;

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

bool ome_store_zip_name(const char *name, size_t len)
{
    return len > 4 && strncasecmp(name + len - 4, ".ozx", 4) == 0;
}

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static const char *entry_name(const zip_store *zs, const zip_entry *e)
{
    return zs->names + e->name_off;
}

/* The slot of `name` in the index: where it is, or the empty one where it would go. */
static size_t slot_of(const zip_store *zs, const char *name, size_t n)
{
    for (size_t k = name_hash(name, n) & (zs->nslots - 1);; k = (k + 1) & (zs->nslots - 1)) {
        int32_t i = zs->slots[k];
        if (i < 0 || (zs->entries[i].name_len == n && !memcmp(entry_name(zs, &zs->entries[i]),
                                                             name, n)))
            return k;
    }
}

static int grow_index(zip_store *zs, ome_err *err)
{
    size_t nslots = zs->nslots ? zs->nslots * 2 : 1024;
    int32_t *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    memset(slots, 0xff, nslots * sizeof *slots);
    free(zs->slots);
    zs->slots = slots;
    zs->nslots = nslots;
    for (size_t i = 0; i < zs->nentries; i++) {
        const zip_entry *e = &zs->entries[i];
        zs->slots[slot_of(zs, entry_name(zs, e), e->name_len)] = (int32_t)i;
    }
    return OME_OK;
}

/* Adds an entry named [name, name + n); a name seen before keeps its first entry. */
static int add_entry(zip_store *zs, const zip_entry *e, const char *name, size_t n, ome_err *err)
{
    if (2 * (zs->nentries + 1) > zs->nslots && grow_index(zs, err))
        return OME_ENOMEM;
    if (zs->slots[slot_of(zs, name, n)] >= 0)
        return OME_OK;
    if (zs->nentries == zs->capentries) {
        size_t cap = zs->capentries ? zs->capentries * 2 : 256;
        zip_entry *grown = realloc(zs->entries, cap * sizeof *grown);
        if (!grown)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        zs->entries = grown;
        zs->capentries = cap;
    }
    if (zs->names_len + n + 1 > zs->names_cap) {
        size_t cap = zs->names_cap ? zs->names_cap * 2 : 16384;
        while (cap < zs->names_len + n + 1)
            cap *= 2;
        char *grown = realloc(zs->names, cap);
        if (!grown)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        zs->names = grown;
        zs->names_cap = cap;
    }
    zip_entry *dst = &zs->entries[zs->nentries];
    *dst = *e;
    dst->name_off = (uint32_t)zs->names_len;
    dst->name_len = (uint16_t)n;
    memcpy(zs->names + zs->names_len, name, n);
    zs->names[zs->names_len + n] = '\0';
    zs->names_len += n + 1;
    zs->slots[slot_of(zs, name, n)] = (int32_t)zs->nentries++;
    return OME_OK;
}

/* Whether a name ends in "zarr.json" as a path segment. */
static bool is_zarr_json(const char *name, size_t n)
{
    return (n == 9 && !memcmp(name, "zarr.json", 9)) ||
           (n > 9 && !memcmp(name + n - 10, "/zarr.json", 10));
}

/* Sizes and offset from an entry's ZIP64 extra field, for those whose 32-bit field says so. */
static int zip64_extra(const unsigned char *x, size_t xlen, zip_entry *e, bool usize64,
                       bool csize64, bool off64)
{
    for (size_t at = 0; at + 4 <= xlen;) {
        uint16_t id = le16(x + at), len = le16(x + at + 2);
        if (at + 4 + len > xlen)
            return OME_EINVAL;
        if (id == 0x0001) {
            const unsigned char *v = x + at + 4;
            size_t need = 8u * ((size_t)usize64 + (size_t)csize64 + (size_t)off64);
            if (len < need)
                return OME_EINVAL;
            if (usize64)
                e->usize = le64(v), v += 8;
            if (csize64)
                e->csize = le64(v), v += 8;
            if (off64)
                e->header_off = le64(v);
            return OME_OK;
        }
        at += 4 + (size_t)len;
    }
    return usize64 || csize64 || off64 ? OME_EINVAL : OME_OK;
}

/* Parses the directory entries in [p, p + n); a cut entry at the end is kept for the next
 * part. Sets meta_done at the first entry that is not a zarr.json. */
static int parse_cd(zip_store *zs, const unsigned char *p, size_t n, ome_err *err)
{
    size_t at = 0;
    while (at < n) {
        if (n - at < CDH_LEN)
            break;
        const unsigned char *h = p + at;
        if (le32(h) != CDH_SIG)
            return ome_err_set(err, OME_EINVAL, "%s: the central directory is damaged at byte "
                               "%llu of it", zs->base.root,
                               (unsigned long long)(zs->cd_parsed + at));
        size_t nl = le16(h + 28), xl = le16(h + 30), cl = le16(h + 32);
        if (n - at < CDH_LEN + nl + xl + cl)
            break;
        zip_entry e = {.method = le16(h + 10), .crc = le32(h + 16), .csize = le32(h + 20),
                       .usize = le32(h + 24), .header_off = le32(h + 42)};
        if (zip64_extra(h + CDH_LEN + nl, xl, &e, e.usize == 0xffffffffu,
                        e.csize == 0xffffffffu, e.header_off == 0xffffffffu))
            return ome_err_set(err, OME_EINVAL, "%s: a damaged ZIP64 field in the central "
                               "directory", zs->base.root);
        const char *name = (const char *)h + CDH_LEN;
        bool encrypted = le16(h + 8) & 1;
        bool dir = nl > 0 && name[nl - 1] == '/';
        if (!is_zarr_json(name, nl))
            zs->meta_done = true;
        /* names from the archive: only those that stay inside it, without NUL bytes */
        if (!dir && nl > 0 && !memchr(name, '\0', nl) && ome_key_is_inside(name, nl) &&
            name[0] != '/') {
            if (encrypted)
                OME_LOGW("%s: %.*s is encrypted; left out", zs->base.root, (int)nl, name);
            else if (add_entry(zs, &e, name, nl, err))
                return OME_ENOMEM;
        }
        at += CDH_LEN + nl + xl + cl;
    }
    zs->cd_parsed += at;
    free(zs->cd_rest);
    zs->cd_rest = NULL;
    zs->cd_rest_len = n - at;
    if (zs->cd_rest_len && !(zs->cd_rest = malloc(zs->cd_rest_len)))
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    if (zs->cd_rest_len)
        memcpy(zs->cd_rest, p + at, zs->cd_rest_len);
    return OME_OK;
}

/* A span of the archive from the store below; an answer with another ETag than the archive's
 * at open is refused. */
static void archive_span(zip_store *zs, ome_store_req *r, uint64_t off, uint64_t len)
{
    memset(r, 0, sizeof *r);
    r->key = zs->key;
    r->range = OME_RANGE_SPAN;
    r->off = off;
    r->len = len;
    r->max_bytes = len;
}

static void check_same_archive(zip_store *zs, ome_store_req *r)
{
    if (r->status == OME_OK && zs->etag[0] && r->etag[0] && strcmp(zs->etag, r->etag) != 0)
        r->status = ome_err_set(&r->err, OME_EIO, "%s: the archive was replaced while mounted "
                                "(ETag %s, was %s); unmount and mount it again", zs->base.root,
                                r->etag, zs->etag);
}

static int read_span(zip_store *zs, uint64_t off, uint64_t len, ome_buf *out, ome_err *err)
{
    ome_store_req r;
    archive_span(zs, &r, off, len);
    ome_store_get_many(zs->inner, &r, 1);
    check_same_archive(zs, &r);
    if (r.status == OME_OK && r.body.len != len)
        r.status = ome_err_set(&r.err, OME_EINVAL, "%s: %zu bytes at %llu where %llu were "
                               "expected: the archive is cut short", zs->base.root, r.body.len,
                               (unsigned long long)off, (unsigned long long)len);
    if (r.status != OME_OK) {
        *err = r.err;
        ome_buf_free(&r.body);
        return r.status == OME_ABSENT ? OME_EINVAL : r.status;
    }
    *out = r.body;
    return OME_OK;
}

/* Reads and parses the directory up to `until` bytes of it (all of it: cd_size). Called with the
 * lock held. */
static int load_cd(zip_store *zs, uint64_t until, ome_err *err)
{
    if (zs->damaged.code) { /* not read again for every key looked for beyond the damage */
        *err = zs->damaged;
        return zs->damaged.code;
    }
    while (zs->cd_parsed + zs->cd_rest_len < until) {
        uint64_t from = zs->cd_parsed + zs->cd_rest_len;
        uint64_t len = until - from;
        ome_buf part = {0};
        int rc = read_span(zs, zs->cd_off + from, len, &part, err);
        if (rc)
            return rc;
        if (zs->cd_rest_len) { /* the entry cut at the end of the part before, completed */
            ome_buf joined = {0};
            if (ome_buf_append(&joined, zs->cd_rest, zs->cd_rest_len) ||
                ome_buf_append(&joined, part.data, part.len)) {
                ome_buf_free(&joined);
                ome_buf_free(&part);
                return ome_err_set(err, OME_ENOMEM, "out of memory");
            }
            ome_buf_free(&part);
            part = joined;
        }
        rc = parse_cd(zs, part.data, part.len, err);
        ome_buf_free(&part);
        if (rc == OME_EINVAL)
            zs->damaged = *err;
        if (rc)
            return rc;
    }
    if (until == zs->cd_size && zs->cd_rest_len)
        return ome_err_set(err, OME_EINVAL, "%s: the central directory ends inside an entry",
                           zs->base.root);
    return OME_OK;
}

/* A copy of the entry called `key` and its index, loading more of the directory when it may be
 * beyond the part read (which moves the entries: none is used outside the lock); false when the
 * archive has none (*rc set on a failure to read). */
static bool find_entry(zip_store *zs, const char *key, zip_entry *e, size_t *idx, int *rc,
                       ome_err *err)
{
    size_t n = strlen(key);
    if ((*rc = ome_cancel_lock(&zs->lock))) {
        ome_err_set(err, *rc, "%s/%s: interrupted", zs->base.root, key);
        return false;
    }
    bool found = false;
    for (;;) {
        size_t k = zs->nslots ? slot_of(zs, key, n) : 0;
        if (zs->nslots && zs->slots[k] >= 0) {
            *idx = (size_t)zs->slots[k];
            *e = zs->entries[*idx];
            found = true;
            break;
        }
        bool complete = zs->cd_parsed + zs->cd_rest_len >= zs->cd_size;
        /* a zarr.json not among the first entries is absent once they are all read */
        if (complete || (zs->json_first && zs->meta_done && is_zarr_json(key, n)))
            break;
        if ((*rc = load_cd(zs, zs->cd_size, err)))
            break;
    }
    pthread_mutex_unlock(&zs->lock);
    return found;
}

/* Keeps an entry's data offset, once its local header was read. */
static void set_data_off(zip_store *zs, size_t idx, uint64_t at)
{
    if (ome_cancel_lock(&zs->lock) == OME_OK) { /* else it is read again next time */
        zs->entries[idx].data_off = at;
        pthread_mutex_unlock(&zs->lock);
    }
}

/* Decodes a deflated entry's data into exactly e->usize bytes. */
static int inflate_entry(const zip_store *zs, const zip_entry *e, const ome_buf *in,
                         ome_buf *out, const char *key, ome_err *err)
{
    if (ome_buf_reserve(out, e->usize ? e->usize : 1))
        return ome_err_set(err, OME_ENOMEM, "%s/%s: out of memory for %llu bytes",
                           zs->base.root, key, (unsigned long long)e->usize);
    z_stream z = {0};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    z.next_in = in->data;
    uint64_t in_left = in->len, out_left = e->usize;
    unsigned char *dst = out->data;
    int zr = Z_OK;
    while (zr == Z_OK) {
        z.avail_in = (uInt)(in_left < (1u << 30) ? in_left : (1u << 30));
        z.next_out = dst;
        z.avail_out = (uInt)(out_left < (1u << 30) ? out_left : (1u << 30));
        uInt ai = z.avail_in, ao = z.avail_out;
        zr = inflate(&z, Z_NO_FLUSH);
        in_left -= ai - z.avail_in;
        out_left -= ao - z.avail_out;
        dst += ao - z.avail_out;
        if (zr == Z_BUF_ERROR && out_left == 0)
            break; /* more output than the directory said */
        if (zr == Z_OK && ai == z.avail_in && ao == z.avail_out)
            zr = Z_DATA_ERROR;
    }
    inflateEnd(&z);
    if (zr != Z_STREAM_END || out_left != 0)
        return ome_err_set(err, OME_EINVAL, "%s/%s: the deflated entry does not decode to the "
                           "%llu bytes the directory gives", zs->base.root, key,
                           (unsigned long long)e->usize);
    out->len = e->usize;
    if ((uint32_t)crc32_z(0L, out->data, (z_size_t)out->len) != e->crc)
        return ome_err_set(err, OME_EINVAL, "%s/%s: the entry's CRC-32 does not match the "
                           "directory's", zs->base.root, key);
    return OME_OK;
}

typedef struct {
    ome_store_req *req;
    zip_entry e;       /* a copy: the directory's entries move while more of it is loaded */
    size_t idx;        /* its index there */
    uint64_t data_off; /* resolved, or 0 */
    bool whole;        /* the entry's data is fetched whole (deflated, or no range asked) */
    bool pending;      /* to be fetched */
    size_t sub;        /* its request to the store below */
} zip_job;

/* Where an entry's data starts, from its local header at the start of `head` (which was read
 * at the entry's header offset); 0 when the header is not valid or the data would not lie
 * inside the archive's data area, before the directory. */
static uint64_t data_offset(const zip_store *zs, const zip_entry *e, const ome_buf *head)
{
    if (head->len < LFH_LEN || le32(head->data) != LFH_SIG)
        return 0;
    uint64_t hlen = LFH_LEN + (uint64_t)le16(head->data + 26) + le16(head->data + 28);
    if (e->header_off >= zs->cd_off || hlen > zs->cd_off - e->header_off ||
        e->csize > zs->cd_off - e->header_off - hlen)
        return 0;
    return e->header_off + hlen;
}

/* A part of a stored entry asked before its data offset is known (a shard's index): its local
 * header first, so that only the part is read, not the entry. */
static void resolve_headers(zip_store *zs, zip_job *jobs, size_t n)
{
    ome_store_req *heads = calloc(n ? n : 1, sizeof *heads);
    size_t *of = calloc(n ? n : 1, sizeof *of), nh = 0;
    if (!heads || !of) {
        free(heads), free(of);
        return; /* then they are read whole, which needs no header first */
    }
    for (size_t i = 0; i < n; i++)
        if (jobs[i].pending && !jobs[i].whole && !jobs[i].data_off) {
            archive_span(zs, &heads[nh], jobs[i].e.header_off,
                         LFH_LEN + jobs[i].e.name_len + LFH_SLACK);
            of[nh++] = i;
        }
    ome_store_get_many(zs->inner, heads, nh);
    for (size_t k = 0; k < nh; k++) {
        zip_job *j = &jobs[of[k]];
        check_same_archive(zs, &heads[k]);
        uint64_t at = heads[k].status == OME_OK ? data_offset(zs, &j->e, &heads[k].body) : 0;
        if (at) {
            set_data_off(zs, j->idx, at);
            j->data_off = at;
        } else {
            j->whole = true; /* read with its header, which then says what is wrong */
        }
    }
    ome_store_reqs_free(heads, nh);
    free(heads);
    free(of);
}

static int zip_get_many(ome_store *s, ome_store_req *reqs, size_t n)
{
    zip_store *zs = (zip_store *)s;
    zip_job *jobs = calloc(n ? n : 1, sizeof *jobs);
    ome_store_req *sub = calloc(n ? n : 1, sizeof *sub);
    if (!jobs || !sub) {
        free(jobs), free(sub);
        for (size_t i = 0; i < n; i++)
            reqs[i].status = ome_err_set(&reqs[i].err, OME_ENOMEM, "out of memory");
        return OME_OK;
    }
    size_t nsub = 0;
    for (size_t i = 0; i < n; i++) {
        ome_store_req *r = &reqs[i];
        ome_buf_free(&r->body);
        r->etag[0] = r->last_modified[0] = '\0';
        r->size = 0;
        ome_err_clear(&r->err);
        int rc;
        const zip_entry *e = &jobs[i].e;
        bool found = find_entry(zs, r->key, &jobs[i].e, &jobs[i].idx, &rc, &r->err);
        jobs[i].req = r;
        if (rc) {
            r->status = rc;
            continue;
        }
        if (!found) {
            r->status = ome_err_set(&r->err, OME_ABSENT, "%s/%s: not in the archive",
                                    zs->base.root, r->key);
            continue;
        }
        if (e->method != 0 && e->method != 8) {
            r->status = ome_err_set(&r->err, OME_EUNSUPPORTED, "%s/%s: compression method %u "
                                    "(only stored and deflated entries can be read)",
                                    zs->base.root, r->key, e->method);
            continue;
        }
        uint64_t size = e->method ? e->usize : e->csize;
        if (ome_store_req_cap(r) < (r->range == OME_RANGE_ALL ? size : 0) ||
            size > OME_MAX_OBJECT_BYTES || e->csize > OME_MAX_OBJECT_BYTES ||
            (e->method == 0 && e->usize != e->csize)) {
            r->status = ome_err_set(&r->err, OME_ERANGE, "%s/%s: %llu bytes, more than it can "
                                    "hold", zs->base.root, r->key,
                                    (unsigned long long)(size > e->csize ? size : e->csize));
            continue;
        }
        jobs[i].data_off = e->data_off;
        jobs[i].whole = e->method != 0 || r->range == OME_RANGE_ALL;
        jobs[i].pending = true;
    }
    resolve_headers(zs, jobs, n);
    /* first round: whole entries (with their local header when not yet known) and spans */
    for (size_t i = 0; i < n; i++) {
        zip_job *j = &jobs[i];
        if (!j->pending)
            continue;
        if (j->data_off && !j->whole) {
            uint64_t off, len;
            ome_store_req_part(j->req, j->e.csize, &off, &len);
            archive_span(zs, &sub[nsub], j->data_off + off, len);
        } else if (j->data_off) {
            archive_span(zs, &sub[nsub], j->data_off, j->e.csize);
        } else {
            archive_span(zs, &sub[nsub], j->e.header_off,
                         LFH_LEN + j->e.name_len + LFH_SLACK + j->e.csize);
        }
        j->sub = nsub++;
    }
    ome_store_get_many(zs->inner, sub, nsub);
    for (size_t i = 0; i < n; i++) {
        zip_job *j = &jobs[i];
        ome_store_req *r = j->req;
        if (!j->pending)
            continue;
        j->pending = false;
        ome_store_req *q = &sub[j->sub];
        check_same_archive(zs, q);
        if (q->status != OME_OK) {
            r->status = q->status == OME_ABSENT ? OME_EIO : q->status;
            r->err = q->err;
            continue;
        }
        ome_buf data = {0};
        if (!j->data_off) { /* the local header came first */
            uint64_t at = data_offset(zs, &j->e, &q->body);
            if (!at) {
                r->status = ome_err_set(&r->err, OME_EINVAL, "%s/%s: no valid local header at "
                                        "%llu", zs->base.root, r->key,
                                        (unsigned long long)j->e.header_off);
                continue;
            }
            set_data_off(zs, j->idx, at);
            uint64_t skip = at - j->e.header_off;
            if (skip + j->e.csize <= q->body.len) {
                if (ome_buf_append(&data, q->body.data + skip, j->e.csize))
                    r->status = ome_err_set(&r->err, OME_ENOMEM, "out of memory");
            } else { /* a longer local extra field than the slack: read again */
                r->status = read_span(zs, at, j->e.csize, &data, &r->err);
            }
            if (r->status < 0)
                continue;
        } else {
            data = q->body;
            q->body = (ome_buf){0};
        }
        if (j->whole && data.len != j->e.csize) {
            ome_buf_free(&data);
            r->status = ome_err_set(&r->err, OME_EINVAL, "%s/%s: the archive is cut short",
                                    zs->base.root, r->key);
            continue;
        }
        if (j->whole && j->e.method == 0 &&
            (uint32_t)crc32_z(0L, data.data, (z_size_t)data.len) != j->e.crc) {
            ome_buf_free(&data);
            r->status = ome_err_set(&r->err, OME_EINVAL, "%s/%s: the entry's CRC-32 does not "
                                    "match the directory's", zs->base.root, r->key);
            continue;
        }
        if (j->e.method == 8) {
            ome_buf plain = {0};
            int rc = inflate_entry(zs, &j->e, &data, &plain, r->key, &r->err);
            ome_buf_free(&data);
            if (rc) {
                ome_buf_free(&plain);
                r->status = rc;
                continue;
            }
            data = plain;
        }
        if (j->whole && r->range != OME_RANGE_ALL) { /* the part asked of what was fetched */
            uint64_t off, len;
            ome_store_req_part(r, data.len, &off, &len);
            memmove(data.data, data.data + off, len);
            data.len = len;
        }
        r->body = data;
        r->status = OME_OK;
        r->size = j->e.method ? j->e.usize : j->e.csize;
        snprintf(r->etag, sizeof r->etag, "%s", zs->etag);
    }
    ome_store_reqs_free(sub, nsub);
    for (size_t i = 0; i < n; i++)
        ome_store_req_done(&reqs[i]);
    free(sub);
    free(jobs);
    return OME_OK;
}

/* The folders directly under `path` in the archive, from its entries' names. */
static int zip_list_dirs(ome_store *s, const char *path, char ***names, int *n, ome_err *err)
{
    zip_store *zs = (zip_store *)s;
    *names = NULL;
    *n = 0;
    if (ome_cancel_lock(&zs->lock))
        return ome_err_set(err, OME_EINTR, "%s/%s: interrupted", zs->base.root, path);
    int rc = load_cd(zs, zs->cd_size, err);
    size_t plen = strlen(path);
    while (plen && path[plen - 1] == '/')
        plen--;
    for (size_t i = 0; rc == OME_OK && i < zs->nentries; i++) {
        const char *name = entry_name(zs, &zs->entries[i]);
        if (plen && (strncmp(name, path, plen) != 0 || name[plen] != '/'))
            continue;
        const char *rest = name + (plen ? plen + 1 : 0), *slash = strchr(rest, '/');
        if (!slash)
            continue;
        bool seen = false;
        for (int k = 0; k < *n && !seen; k++)
            seen = strlen((*names)[k]) == (size_t)(slash - rest) &&
                   !strncmp((*names)[k], rest, (size_t)(slash - rest));
        if (!seen)
            rc = ome_store_names_add(names, n, rest, (size_t)(slash - rest), err);
    }
    pthread_mutex_unlock(&zs->lock);
    return ome_store_names_done(names, n, rc);
}

static void zip_destroy(ome_store *s)
{
    zip_store *zs = (zip_store *)s;
    if (zs->owns_inner)
        ome_store_close(zs->inner);
    pthread_mutex_destroy(&zs->lock);
    free(zs->entries);
    free(zs->names);
    free(zs->slots);
    free(zs->cd_rest);
    free(zs->key);
    free(zs->base.root);
    free(zs->base.identity);
    free(zs);
}

static const ome_store_ops zip_ops = {zip_get_many, zip_destroy, zip_list_dirs};

/* Where the end of central directory record starts in the tail (-1: none): the last signature
 * whose comment reaches exactly to the end. */
static long find_eocd(const unsigned char *p, size_t n)
{
    for (size_t i = n >= EOCD_LEN ? n - EOCD_LEN + 1 : 0; i-- > 0;)
        if (le32(p + i) == EOCD_SIG && i + EOCD_LEN + le16(p + i + 20) == n)
            return (long)i;
    return -1;
}

/* The RFC-9 comment: {"ome": {"version": …, "zipFile": {"centralDirectory": {"jsonFirst": …}}}}. */
static bool comment_json_first(const zip_store *zs, const unsigned char *c, size_t n)
{
    if (n == 0 || c[0] != '{')
        return false;
    json_t *doc = json_loadb((const char *)c, n, 0, NULL);
    json_t *ome = json_object_get(doc, "ome");
    bool first = json_is_true(json_object_get(
        json_object_get(json_object_get(ome, "zipFile"), "centralDirectory"), "jsonFirst"));
    const char *version = json_string_value(json_object_get(ome, "version"));
    OME_LOGD("%s: OME-Zarr %s archive%s", zs->base.root, version ? version : "(no version)",
             first ? ", zarr.json entries first" : "");
    json_decref(doc);
    return first;
}

/* Reads the end records: where the directory is, how large, and the fingerprint. The last
 * 4 KiB hold them unless the archive's comment is longer: then the longest tail there can be. */
static int read_end(zip_store *zs, uint32_t *fingerprint, ome_err *err)
{
    ome_store_req r = {0};
    const unsigned char *p = NULL;
    size_t len = 0;
    long at = -1;
    for (uint64_t want = TAIL_FIRST_BYTES;; want = TAIL_BYTES) {
        ome_buf_free(&r.body);
        /* no cap of its own: a store corrects a server that answers a suffix with more */
        r = (ome_store_req){.key = zs->key, .range = OME_RANGE_SUFFIX, .len = want};
        ome_store_get_many(zs->inner, &r, 1);
        if (r.status != OME_OK) {
            *err = r.err;
            ome_buf_free(&r.body);
            return r.status == OME_ABSENT ? ome_err_set(err, OME_ABSENT, "%s: not found",
                                                       zs->base.root)
                                          : r.status;
        }
        p = r.body.data;
        len = r.body.len > want ? want : r.body.len;
        if (r.body.len > len)
            p += r.body.len - len; /* a server that sent it all: its tail */
        at = find_eocd(p, len);
        if (at >= 0 || want == TAIL_BYTES || len < want)
            break;
    }
    snprintf(zs->etag, sizeof zs->etag, "%s", r.etag);
    int rc = OME_OK;
    if (at < 0) {
        rc = ome_err_set(err, OME_EINVAL, "%s: not a ZIP archive (no end of central directory "
                         "record)", zs->base.root);
        goto done;
    }
    const unsigned char *eocd = p + at;
    zs->cd_size = le32(eocd + 12);
    zs->cd_off = le32(eocd + 16);
    zs->nentries_total = le16(eocd + 10);
    *fingerprint = ome_crc32c(eocd, EOCD_LEN);
    if (at >= Z64_LOCATOR_LEN && le32(eocd - Z64_LOCATOR_LEN) == Z64_LOCATOR_SIG) {
        uint64_t z64_off = le64(eocd - Z64_LOCATOR_LEN + 8);
        ome_buf rec = {0};
        if ((rc = read_span(zs, z64_off, Z64_EOCD_LEN, &rec, err)))
            goto done;
        if (le32(rec.data) != Z64_EOCD_SIG) {
            ome_buf_free(&rec);
            rc = ome_err_set(err, OME_EINVAL, "%s: the ZIP64 end record is not where its "
                             "locator says", zs->base.root);
            goto done;
        }
        zs->nentries_total = le64(rec.data + 32);
        zs->cd_size = le64(rec.data + 40);
        zs->cd_off = le64(rec.data + 48);
        *fingerprint = ome_crc32c_update(*fingerprint, rec.data, Z64_EOCD_LEN);
        ome_buf_free(&rec);
    } else if (zs->cd_size == 0xffffffffu || zs->cd_off == 0xffffffffu) {
        rc = ome_err_set(err, OME_EINVAL, "%s: a ZIP64 archive without its ZIP64 locator",
                         zs->base.root);
        goto done;
    }
    if (zs->cd_size > CD_MAX_BYTES)
        rc = ome_err_set(err, OME_ERANGE, "%s: a central directory of %llu bytes (at most %llu)",
                         zs->base.root, (unsigned long long)zs->cd_size,
                         (unsigned long long)CD_MAX_BYTES);
    else if (zs->cd_off > UINT64_MAX - zs->cd_size)
        rc = ome_err_set(err, OME_EINVAL, "%s: the central directory lies beyond the archive",
                         zs->base.root);
    else
        zs->json_first = comment_json_first(zs, eocd + EOCD_LEN, le16(eocd + 20));
done:
    ome_buf_free(&r.body);
    return rc;
}

static int zip_open(ome_store *inner, bool own, const char *key, ome_store **out, ome_err *err)
{
    zip_store *zs = calloc(1, sizeof *zs);
    if (!zs) {
        if (own)
            ome_store_close(inner);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    zs->base.ops = &zip_ops;
    zs->inner = inner;
    zs->owns_inner = own;
    pthread_mutex_init(&zs->lock, NULL);
    char shown[4096];
    ome_store_describe(inner, key, shown, sizeof shown);
    zs->key = strdup(key);
    zs->base.root = strdup(shown);
    if (!zs->key || !zs->base.root) {
        zip_destroy(&zs->base);
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    uint32_t fingerprint = 0;
    int rc = read_end(zs, &fingerprint, err);
    /* the directory: with jsonFirst, its first part (the zarr.json entries); else all of it */
    uint64_t first = zs->json_first && zs->cd_size > CD_PART_BYTES ? CD_PART_BYTES : zs->cd_size;
    if (rc == OME_OK)
        rc = load_cd(zs, first, err);
    while (rc == OME_OK && zs->json_first && !zs->meta_done &&
           zs->cd_parsed + zs->cd_rest_len < zs->cd_size) {
        uint64_t more = zs->cd_parsed + zs->cd_rest_len + CD_PART_BYTES;
        rc = load_cd(zs, more < zs->cd_size ? more : zs->cd_size, err);
    }
    if (rc == OME_OK) {
        size_t idn = strlen(ome_store_identity(inner)) + strlen(key) + 64 + strlen(zs->etag);
        if ((zs->base.identity = malloc(idn)))
            snprintf(zs->base.identity, idn, "zip:%s/%s#%s-%08x-%llu", ome_store_identity(inner),
                     key, zs->etag, fingerprint, (unsigned long long)zs->cd_size);
        else
            rc = ome_err_set(err, OME_ENOMEM, "out of memory");
    }
    if (rc) {
        zip_destroy(&zs->base);
        return rc;
    }
    OME_LOGD("%s: %llu entries, directory of %llu bytes at %llu", zs->base.root,
             (unsigned long long)zs->nentries_total, (unsigned long long)zs->cd_size,
             (unsigned long long)zs->cd_off);
    *out = &zs->base;
    return OME_OK;
}

int ome_store_zip_open(ome_store *inner, const char *key, ome_store **out, ome_err *err)
{
    return zip_open(inner, true, key, out, err);
}

int ome_store_zip_open_within(ome_store *inner, const char *key, ome_store **out, ome_err *err)
{
    return zip_open(inner, false, key, out, err);
}
