/* vtiff_ome: the pyramidal OME-TIFF layout. Little-endian BigTIFF, tiled, uncompressed:
 * header → OME-XML → every IFD with its tile arrays → (4 KiB) → tiles of level 0, 1, …
 * Every tile starts on a 4 KiB page (zero padding after a tile whose size is not a multiple of
 * 4 KiB), so no page holds bytes of two tiles and reading one tile never fetches another's
 * chunk.
 * One main IFD per level-0 plane in XYZCT order; every lower level as SubIFDs of every main IFD.
 * Rule for levels that also reduce Z: the SubIFD of level k under level-0 plane z shows level-k
 * plane floor(z * Zk / Z0) — the nearest plane at or below — so every main IFD has the same
 * number of SubIFDs, as Bio-Formats requires. */
#include "base/key.h"
#include "vtiff/ome_xml.h"
#include "vtiff/vtiff_layout.h"

#include "base/log.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN 4096u
#define MAX_LEVELS 64
/* The largest file laid out: sizes are signed 64-bit numbers (off_t) where readers see them. */
#define MAX_FILE_BYTES ((uint64_t)1 << 62)

/* Tile edge for one axis: the chunk when it is a multiple of 16 in [64, 1024], else 256
 * (or the image edge rounded up to 16 when that is smaller). */
static uint64_t tile_edge(uint64_t chunk, uint64_t size)
{
    if (chunk % 16 == 0 && chunk >= 64 && chunk <= 1024)
        return chunk;
    uint64_t small = (size + 15) / 16 * 16;
    return small < 256 ? small : 256;
}

typedef struct {
    uint64_t tw, th, tx, ty, ntiles, tile_bytes, stride, planes, data_off;
} level_geom;

/* Builds the IFD of one plane of one level; arrays live at the given external offsets. */
static void build_ifd(vt_ifd *ifd, const ome_image *img, int k, const level_geom *g,
                      uint64_t offsets_at, uint64_t first_tile, uint64_t xml_at, uint64_t xml_len,
                      int nsub, uint64_t subs_at)
{
    const ome_level *L = &img->levels[k];
    uint64_t bits = 8 * ome_dtype_size(img->dtype);
    uint64_t fmt = ome_dtype_is_float(img->dtype) ? 3 : ome_dtype_is_signed(img->dtype) ? 2 : 1;
    vt_ifd_init(ifd, true);
    vt_ifd_uint(ifd, 254, TT_LONG, k > 0 ? 1 : 0);
    vt_ifd_uint(ifd, 256, TT_LONG, L->shape[OME_X]);
    vt_ifd_uint(ifd, 257, TT_LONG, L->shape[OME_Y]);
    vt_ifd_uint(ifd, 258, TT_SHORT, bits);
    vt_ifd_uint(ifd, 259, TT_SHORT, 1);
    vt_ifd_uint(ifd, 262, TT_SHORT, 1);
    if (xml_len)
        vt_ifd_external(ifd, 270, TT_ASCII, xml_len, xml_at);
    vt_ifd_uint(ifd, 277, TT_SHORT, 1);
    double umx = img->unit[OME_X][0] ? ome_unit_in_um(img->unit[OME_X]) : 0;
    double umy = img->unit[OME_Y][0] ? ome_unit_in_um(img->unit[OME_Y]) : 0;
    if (umx > 0 && umy > 0) { /* pixels per centimetre */
        vt_ifd_rational(ifd, 282, 1e4 / (L->scale[OME_X] * umx));
        vt_ifd_rational(ifd, 283, 1e4 / (L->scale[OME_Y] * umy));
        vt_ifd_uint(ifd, 296, TT_SHORT, 3);
    } else {
        vt_ifd_rational(ifd, 282, 1.0 / L->scale[OME_X]);
        vt_ifd_rational(ifd, 283, 1.0 / L->scale[OME_Y]);
        vt_ifd_uint(ifd, 296, TT_SHORT, 1);
    }
    vt_ifd_uint(ifd, 284, TT_SHORT, 1);
    vt_ifd_uint(ifd, 322, TT_LONG, g->tw);
    vt_ifd_uint(ifd, 323, TT_LONG, g->th);
    if (g->ntiles == 1) {
        vt_ifd_uint(ifd, 324, TT_LONG8, g->data_off + first_tile * g->stride);
        vt_ifd_uint(ifd, 325, TT_LONG8, g->tile_bytes);
    } else {
        vt_ifd_external(ifd, 324, TT_LONG8, g->ntiles, offsets_at);
        vt_ifd_external(ifd, 325, TT_LONG8, g->ntiles, offsets_at + 8 * g->ntiles);
    }
    if (nsub == 1)
        vt_ifd_uint(ifd, 330, TT_IFD8, subs_at);
    else if (nsub > 1)
        vt_ifd_external(ifd, 330, TT_IFD8, (uint64_t)nsub, subs_at);
    vt_ifd_uint(ifd, 339, TT_SHORT, fmt);
}

/* Emits one IFD (blob) followed by its tile offset and byte-count arrays. */
static int emit_ifd(ome_vtiff *vt, vt_ifd *ifd, size_t reserved, uint64_t next,
                    const level_geom *g, uint64_t first_tile, const uint64_t *subs, int nsub)
{
    /* `reserved` bytes: the IFD, zero padding, then the SubIFD offsets (when more than one). */
    size_t sz = reserved;
    uint8_t *blob = vt_own_blob(vt, sz);
    vt_seg *s = blob ? vt_add_seg(vt, VT_SEG_BLOB, sz) : NULL;
    if (!s)
        return OME_ENOMEM;
    s->blob = blob;
    vt_ifd_write(ifd, s->off, next, blob);
    for (int i = 0; nsub > 1 && i < nsub; i++)
        vt_put_le(blob + sz - 8 * (size_t)(nsub - i), subs[i], 8);
    if (g->ntiles > 1) {
        vt_seg *o = vt_add_seg(vt, VT_SEG_ARITH, 8 * g->ntiles);
        vt_seg *c = o ? vt_add_seg(vt, VT_SEG_CONST, 8 * g->ntiles) : NULL;
        if (!c)
            return OME_ENOMEM;
        o = &vt->segs[vt->nsegs - 2]; /* adding `c` may have moved the array */
        o->elem = c->elem = 8;
        o->start = g->data_off + first_tile * g->stride;
        o->stride = g->stride;
        c->start = g->tile_bytes;
    }
    return OME_OK;
}

/* Tile geometry of each level: tiles of about a chunk, each starting on an ALIGN boundary. */
static void plan_levels(ome_vtiff *vt, const ome_image *img, int K, level_geom *g)
{
    size_t es = ome_dtype_size(img->dtype);
    const ome_level *L0 = &img->levels[0];
    uint64_t C = L0->shape[OME_C], T = L0->shape[OME_T];
    for (int k = 0; k < K; k++) {
        const ome_level *L = &img->levels[k];
        g[k].tw = tile_edge(L->chunk[OME_X], L->shape[OME_X]);
        g[k].th = tile_edge(L->chunk[OME_Y], L->shape[OME_Y]);
        g[k].tx = (L->shape[OME_X] + g[k].tw - 1) / g[k].tw;
        g[k].ty = (L->shape[OME_Y] + g[k].th - 1) / g[k].th;
        g[k].ntiles = g[k].tx * g[k].ty;
        g[k].tile_bytes = g[k].tw * g[k].th * es;
        g[k].stride = (g[k].tile_bytes + ALIGN - 1) / ALIGN * ALIGN;
        g[k].planes = C * L->shape[OME_Z] * T;
        vt->tile_w[k] = g[k].tw;
        vt->tile_h[k] = g[k].th;
    }
}

/* Where the metadata part's pieces go: per level, the bytes of an IFD (with its values) and of
 * its offset arrays; per plane, all of them; then where each level's tiles start. */
typedef struct {
    uint64_t ifd_bytes[MAX_LEVELS], arrays[MAX_LEVELS];
    uint64_t per_plane, meta; /* bytes per plane's IFDs; where the first IFD starts */
    size_t xml_len;
} ome_plan;

/* Plans the file; false when it would be larger than MAX_FILE_BYTES (every product and sum
 * checked: shapes come from outside). */
static bool plan_metadata(const ome_image *img, int K, level_geom *g, size_t xml_len,
                          ome_plan *pl)
{
    const ome_level *L0 = &img->levels[0];
    uint64_t P0, all_ifds, data;
    if (!ome_mul_u64(L0->shape[OME_C] * L0->shape[OME_Z], L0->shape[OME_T], &P0))
        return false; /* C·Z fits: the image's element count was checked */
    pl->xml_len = xml_len;
    pl->per_plane = 0;
    for (int k = 0; k < K; k++) {
        if (g[k].ntiles > MAX_FILE_BYTES / 16)
            return false;
        vt_ifd probe;
        build_ifd(&probe, img, k, &g[k], 0, 0, 0, k == 0 ? xml_len : 0, k == 0 ? K - 1 : 0, 0);
        pl->ifd_bytes[k] = vt_ifd_size(&probe) + (k == 0 && K > 2 ? 8 * (uint64_t)(K - 1) : 0);
        pl->arrays[k] = g[k].ntiles > 1 ? 16 * g[k].ntiles : 0;
        vt_ifd_free(&probe);
        pl->per_plane += pl->ifd_bytes[k] + pl->arrays[k];
    }
    pl->meta = 16 + ((xml_len + 1) & ~(uint64_t)1);
    if (!ome_mul_u64(P0, pl->per_plane, &all_ifds) ||
        all_ifds > MAX_FILE_BYTES - ALIGN - pl->meta)
        return false;
    data = (pl->meta + all_ifds + ALIGN - 1) / ALIGN * ALIGN; /* at most MAX_FILE_BYTES */
    for (int k = 0; k < K; k++) {
        uint64_t tiles, bytes;
        if (!ome_mul_u64(g[k].planes, g[k].ntiles, &tiles) ||
            !ome_mul_u64(tiles, g[k].stride, &bytes) || bytes > MAX_FILE_BYTES - data)
            return false;
        g[k].data_off = data;
        data += bytes;
    }
    return true;
}

/* The BigTIFF header, then the OME-XML (when there is one). */
static int emit_header(ome_vtiff *vt, const ome_plan *pl, const char *xml)
{
    uint8_t *hdr = vt_own_blob(vt, 16);
    vt_seg *s = hdr ? vt_add_seg(vt, VT_SEG_BLOB, 16) : NULL;
    if (!s)
        return OME_ENOMEM;
    s->blob = hdr;
    memcpy(hdr, "II", 2);
    vt_put_le(hdr + 2, 43, 2);
    vt_put_le(hdr + 4, 8, 2);
    vt_put_le(hdr + 8, pl->meta, 8);
    if (!pl->xml_len)
        return OME_OK;
    uint8_t *x = vt_own_blob(vt, pl->meta - 16);
    s = x ? vt_add_seg(vt, VT_SEG_BLOB, pl->meta - 16) : NULL;
    if (!s)
        return OME_ENOMEM;
    memcpy(x, xml, pl->xml_len);
    s->blob = x;
    return OME_OK;
}

/* Plane p's IFD at level 0 and its SubIFDs (the lower levels of the same z, c, t). */
static int emit_plane(ome_vtiff *vt, const ome_image *img, int K, const level_geom *g,
                      const ome_plan *pl, uint64_t p, uint64_t P0)
{
    const ome_level *L0 = &img->levels[0];
    uint64_t C = L0->shape[OME_C], Z0 = L0->shape[OME_Z];
    uint64_t base = pl->meta + p * pl->per_plane;
    uint64_t z = p % Z0, c = (p / Z0) % C, t = p / (Z0 * C);
    uint64_t subs[MAX_LEVELS], pos = base + pl->ifd_bytes[0] + pl->arrays[0];
    for (int k = 1; k < K; k++) {
        subs[k - 1] = pos;
        pos += pl->ifd_bytes[k] + pl->arrays[k];
    }
    vt_ifd ifd;
    uint64_t next = p + 1 < P0 ? base + pl->per_plane : 0;
    uint64_t subs_at = K > 2 ? base + pl->ifd_bytes[0] - 8 * (uint64_t)(K - 1) : subs[0];
    build_ifd(&ifd, img, 0, &g[0], base + pl->ifd_bytes[0], p * g[0].ntiles, 16,
              p == 0 ? pl->xml_len : 0, K - 1, subs_at);
    int rc = emit_ifd(vt, &ifd, (size_t)pl->ifd_bytes[0], next, &g[0], p * g[0].ntiles, subs,
                      K - 1);
    vt_ifd_free(&ifd);
    for (int k = 1; k < K && rc == OME_OK; k++) {
        const ome_level *L = &img->levels[k];
        uint64_t zk = z * L->shape[OME_Z] / Z0;
        uint64_t pk = (t * C + c) * L->shape[OME_Z] + zk;
        build_ifd(&ifd, img, k, &g[k], subs[k - 1] + pl->ifd_bytes[k], pk * g[k].ntiles, 0, 0,
                  0, 0);
        rc = emit_ifd(vt, &ifd, (size_t)pl->ifd_bytes[k], 0, &g[k], pk * g[k].ntiles, NULL, 0);
        vt_ifd_free(&ifd);
    }
    return rc;
}

/* What the IFDs of planes 1.. need to be made when read. */
typedef struct {
    level_geom g[MAX_LEVELS];
    ome_plan pl;
    int K;
    uint64_t P0;
} lazy_planes;

/* Makes the bytes [off, off+n) of the planes' IFDs: each plane touched laid out on its own (as
 * emit_plane would have at mount) and read back. */
static int render_planes(const ome_vtiff *vt, uint64_t off, size_t n, uint8_t *out, ome_err *err)
{
    const lazy_planes *lp = vt->lazy;
    while (n > 0) {
        uint64_t p = (off - lp->pl.meta) / lp->pl.per_plane;
        uint64_t base = lp->pl.meta + p * lp->pl.per_plane;
        ome_vtiff *one = vt_new(vt->img, OME_VT_OME, 0);
        if (!one)
            return ome_err_set(err, OME_ENOMEM, "out of memory");
        one->size = base;
        int rc = emit_plane(one, vt->img, lp->K, lp->g, &lp->pl, p, lp->P0);
        uint64_t end = base + lp->pl.per_plane;
        size_t take = (size_t)(end - off < n ? end - off : n);
        int64_t got = rc == OME_OK && one->size == end ? ome_vtiff_read(one, off, take, out, err)
                                                        : -1;
        ome_vtiff_free(one);
        if (got != (int64_t)take)
            return ome_err_set(err, OME_ENOMEM, "cannot make the IFDs of plane %llu",
                               (unsigned long long)p);
        off += take;
        out += take;
        n -= take;
    }
    return OME_OK;
}

/* Zeros up to the first tile, then every level's tiles, plane after plane. */
static int emit_tiles(ome_vtiff *vt, int K, const level_geom *g)
{
    vt_seg *s = vt_add_seg(vt, VT_SEG_BLOB, g[0].data_off - vt->size); /* zero padding */
    for (int k = 0; k < K && s; k++) {
        s = vt_add_seg(vt, VT_SEG_TILES, g[k].planes * g[k].ntiles * g[k].stride);
        if (s) {
            s->level = k;
            s->tile_w = g[k].tw;
            s->tile_h = g[k].th;
            s->tiles_x = g[k].tx;
            s->tiles_y = g[k].ty;
            s->tile_bytes = g[k].tile_bytes;
            s->tile_stride = g[k].stride;
        }
    }
    return s ? OME_OK : OME_ENOMEM;
}

static int remake_ome(const ome_vtiff *like, ome_vtiff **out, ome_err *err)
{
    return ome_vtiff_make_ome(like->img, out, err);
}

int ome_vtiff_make_ome(const ome_image *img, ome_vtiff **out, ome_err *err)
{
    int K = img->nlevels < MAX_LEVELS ? img->nlevels : MAX_LEVELS;
    ome_vtiff *vt = vt_new(img, OME_VT_OME, 0);
    if (vt && (!(vt->tile_w = calloc(K > 0 ? (size_t)K : 1, sizeof *vt->tile_w)) ||
               !(vt->tile_h = calloc(K > 0 ? (size_t)K : 1, sizeof *vt->tile_h)))) {
        ome_vtiff_free(vt);
        vt = NULL;
    }
    if (!vt)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    vt->remake = remake_ome;
    vt->file_dtype = img->dtype;
    level_geom g[MAX_LEVELS];
    plan_levels(vt, img, K, g);
    char *xml = ome_xml_make(img);
    if (!xml)
        OME_LOGI("%s: no OME-XML for %s pixels (%s); %s.ome.tif is a plain pyramidal BigTIFF",
                 img->where, ome_dtype_name(img->dtype), ome_xml_refusal(img), img->name);
    ome_plan pl;
    if (!plan_metadata(img, K, g, xml ? strlen(xml) + 1 : 0, &pl)) {
        free(xml);
        ome_vtiff_free(vt);
        return ome_err_set(err, OME_ERANGE,
                           "%s: too large for a TIFF file (more than %llu bytes of tiles and "
                           "IFDs)",
                           img->where, (unsigned long long)MAX_FILE_BYTES);
    }
    int rc = emit_header(vt, &pl, xml);
    free(xml);
    const ome_level *L0 = &img->levels[0];
    uint64_t P0 = L0->shape[OME_C] * L0->shape[OME_Z] * L0->shape[OME_T];
    /* the first plane's IFDs now (they point to the OME-XML), the others when read */
    if (rc == OME_OK)
        rc = emit_plane(vt, img, K, g, &pl, 0, P0);
    lazy_planes *lp = rc == OME_OK && P0 > 1 ? calloc(1, sizeof *lp) : NULL;
    if (lp) {
        memcpy(lp->g, g, sizeof lp->g);
        lp->pl = pl;
        lp->K = K;
        lp->P0 = P0;
        vt->lazy = lp;
        vt->render = render_planes;
        rc = vt_add_seg(vt, VT_SEG_LAZY, (P0 - 1) * pl.per_plane) ? OME_OK : OME_ENOMEM;
    } else if (rc == OME_OK && P0 > 1) {
        rc = OME_ENOMEM;
    }
    if (rc == OME_OK)
        rc = emit_tiles(vt, K, g);
    if (rc) {
        ome_vtiff_free(vt);
        return ome_err_set(err, rc, "out of memory building the OME-TIFF layout");
    }
    *out = vt;
    return OME_OK;
}
