/* vtiff_ij: the ImageJ hyperstack layout of one level. Classic little-endian TIFF, uncompressed,
 * one strip per plane, planes in CZT order from a 4 KiB boundary, ImageJ description in IFD0,
 * with per-channel display ranges, LUTs and plane labels from the omero metadata.
 * - Planes of IJ_PAD_MIN_PLANE or more, in files up to 4 GiB, are padded: IJ_GAP zeros between
 *   the header and the first plane, and after every plane zeros, the next plane's IFD, zeros.
 *   The kernel's read-ahead past a plane (or around a mapped page) then lands on bytes that
 *   cost no fetch. No `images=`: ImageJ follows the IFDs (with it, it assumes contiguous
 *   planes), and so does tifffile (it assumes them when every IFD follows the pixels).
 * - Smaller planes, up to 4 GiB: contiguous planes, one IFD per plane after the pixels.
 * - Larger files follow ImageJ's own convention: IFD0 only, `images=N`, contiguous planes. */
#include "base/key.h"
#include "vtiff/ome_xml.h"
#include "vtiff/vtiff_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 4096u
#define IJ_GAP (2 * (uint64_t)OME_VTIFF_READAHEAD)
#define IJ_PAD_MIN_PLANE (8 * IJ_GAP) /* the gaps cost at most 1/8 of the file */
#define ROW_ALIGN_MAX ((uint64_t)1 << 20)

/* What the planes start on: their rows' size when it is a power of two above a page (up to
 * ROW_ALIGN_MAX), else a page. The kernel reads pages, in runs of a power of two: on such a
 * layout each read holds whole rows, gathered in one pass, with no partial row at either end. */
static uint64_t plane_align(uint64_t row_bytes)
{
    bool pow2 = row_bytes && (row_bytes & (row_bytes - 1)) == 0;
    return pow2 && row_bytes > ALIGN && row_bytes <= ROW_ALIGN_MAX ? row_bytes : ALIGN;
}
#define IJ_MAX_PIXELS 2147483647ull

static const char *imagej_unit(const char *unit)
{
    static const struct { const char *ngff, *ij; } map[] = {
        {"micrometer", "micron"}, {"nanometer", "nm"}, {"millimeter", "mm"},
        {"centimeter", "cm"}, {"meter", "m"}, {"angstrom", "A"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(unit, map[i].ngff) == 0)
            return map[i].ij;
    return NULL;
}

/* `images=N` only for contiguous planes: ImageJ then reads IFD0 alone and finds plane i at
 * offset + i * plane bytes. */
static void describe(const ome_image *img, const ome_level *L, bool contiguous, char *d, size_t n)
{
    uint64_t C = L->shape[OME_C], Z = L->shape[OME_Z], T = L->shape[OME_T];
    size_t k = (size_t)snprintf(d, n, "ImageJ=1.53t\n");
    if (C * Z * T > 1 && contiguous)
        k += (size_t)snprintf(d + k, n - k, "images=%llu\n", (unsigned long long)(C * Z * T));
    if (C > 1)
        k += (size_t)snprintf(d + k, n - k, "channels=%llu\n", (unsigned long long)C);
    if (Z > 1)
        k += (size_t)snprintf(d + k, n - k, "slices=%llu\n", (unsigned long long)Z);
    if (T > 1)
        k += (size_t)snprintf(d + k, n - k, "frames=%llu\n", (unsigned long long)T);
    if (C * Z * T > 1)
        k += (size_t)snprintf(d + k, n - k, "hyperstack=true\n");
    if (C > 1)
        k += (size_t)snprintf(d + k, n - k, "mode=%s\n", C <= 7 ? "composite" : "color");
    const char *unit = img->unit[OME_X][0] ? imagej_unit(img->unit[OME_X]) : NULL;
    if (unit)
        k += (size_t)snprintf(d + k, n - k, "unit=%s\n", unit);
    if (Z > 1 && unit)
        k += (size_t)snprintf(d + k, n - k, "spacing=%.10g\n", L->scale[OME_Z]);
    /* the origin (the translations), in pixels as ImageJ keeps it: a pixel i is at
     * (i - origin) * pixel size */
    static const struct { int role; const char *key; } origins[] = {
        {OME_X, "xorigin"}, {OME_Y, "yorigin"}, {OME_Z, "zorigin"}};
    for (size_t o = 0; o < sizeof origins / sizeof *origins; o++) {
        double t = L->translation[origins[o].role], sz = L->scale[origins[o].role];
        if (t != 0 && sz > 0 && (origins[o].role != OME_Z || Z > 1))
            k += (size_t)snprintf(d + k, n - k, "%s=%.10g\n", origins[o].key, -t / sz);
    }
    double sec = img->unit[OME_T][0] ? ome_unit_in_s(img->unit[OME_T]) : 0;
    if (T > 1 && sec > 0)
        k += (size_t)snprintf(d + k, n - k, "finterval=%.10g\n", L->scale[OME_T] * sec);
    if (img->nchannels > 0 && img->channels[0].has_window)
        k += (size_t)snprintf(d + k, n - k, "min=%.10g\nmax=%.10g\n", img->channels[0].start,
                              img->channels[0].end);
    snprintf(d + k, n - k, "loop=false\n");
}

/* ImageJ's metadata beyond the description, the private tags 50838 (byte counts) and 50839
 * (data) that ImageJ's TiffDecoder reads: the magic "IJIJ", then (type, count) pairs, then the
 * entries, in ImageJ's own order:
 *   "labl": one label per plane (CZT order), the plane's channel name — ImageJ shows it with the
 *           plane. UTF-16 in the file's order; ImageJ's little-endian decoding keeps only the
 *           low byte, so characters beyond Latin-1 are written as '?'.
 *   "rang": a (min, max) double pair per channel, from the omero windows;
 *   "luts": per channel, 768 bytes (256 reds, greens, blues) ramping to the omero color.
 * Numbers are in the file's (little-endian) order. Ranges and LUTs for 2 to 7 channels (composite
 * mode), ranges only when every channel has a window, else ImageJ's automatic ranges apply;
 * labels when a channel has a name and the level has at most IJ_MAX_LABELS planes. */
typedef struct {
    uint8_t *data, *counts;
    size_t len, ncounts;
} ij_display;

#define IJ_MAGIC 0x494a494au       /* "IJIJ" */
#define IJ_TYPE_LABELS 0x6c61626cu /* "labl" */
#define IJ_TYPE_RANGES 0x72616e67u /* "rang" */
#define IJ_TYPE_LUTS 0x6c757473u   /* "luts" */
#define IJ_MAX_LUT_CHANNELS 7      /* composite mode, the one with a LUT per channel */
#define IJ_MAX_LABELS 10000u       /* IFD0 holds every label: keep it small */
#define IJ_MAX_LABEL_CHARS 255

/* A channel's name as ImageJ's decoder will read it: Latin-1 code units, '?' beyond. */
static size_t ij_label(const char *utf8, uint16_t out[IJ_MAX_LABEL_CHARS])
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)(utf8 ? utf8 : "");
    while (*p && n < IJ_MAX_LABEL_CHARS) {
        unsigned cp = *p++;
        int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
        if (more) {
            cp &= 0x3fu >> more;
            for (; more && (*p & 0xc0) == 0x80; more--)
                cp = cp << 6 | (*p++ & 0x3fu);
        }
        out[n++] = (uint16_t)(cp <= 0xff && cp >= 0x20 ? cp : '?');
    }
    return n;
}

static void ij_display_free(ij_display *d)
{
    free(d->data);
    free(d->counts);
    d->data = d->counts = NULL;
}

static bool ij_display_build(const ome_image *img, const ome_level *L, ij_display *d)
{
    uint64_t C = L->shape[OME_C], N = C * L->shape[OME_Z] * L->shape[OME_T];
    memset(d, 0, sizeof *d);
    bool known = (uint64_t)img->nchannels == C, named = false;
    for (uint64_t c = 0; known && c < C; c++)
        named = named || (img->channels[c].named && img->channels[c].name[0]);
    bool labels = named && N <= IJ_MAX_LABELS;
    bool luts = known && C >= 2 && C <= IJ_MAX_LUT_CHANNELS, ranges = luts;
    for (uint64_t c = 0; ranges && c < C; c++)
        ranges = img->channels[c].has_window;
    if (!labels && !luts)
        return false;
    uint16_t (*names)[IJ_MAX_LABEL_CHARS] = labels ? calloc(C, sizeof *names) : NULL;
    size_t *name_len = labels ? calloc(C, sizeof *name_len) : NULL;
    uint32_t ntypes = (uint32_t)labels + (uint32_t)ranges + (uint32_t)luts, hdr = 4 + 8 * ntypes;
    size_t bytes = hdr + (ranges ? 16 * C : 0) + (luts ? 768 * C : 0);
    for (uint64_t c = 0; labels && names && name_len && c < C; c++)
        name_len[c] = img->channels[c].named ? ij_label(img->channels[c].name, names[c]) : 0;
    for (uint64_t i = 0; labels && name_len && i < N; i++)
        bytes += 2 * name_len[i % C];
    d->data = malloc(bytes);
    d->counts = malloc(4 * (1 + (labels ? N : 0) + 1 + C));
    if (!d->data || !d->counts || (labels && (!names || !name_len))) {
        ij_display_free(d);
        free(names), free(name_len);
        return false;
    }
    uint8_t *p = d->data;
    vt_put_le(p, IJ_MAGIC, 4); /* an int like the rest: "JIJI" in a little-endian file */
    p += 4;
    vt_put_le(d->counts + 4 * d->ncounts++, hdr, 4);
    const uint32_t types[3] = {IJ_TYPE_LABELS, IJ_TYPE_RANGES, IJ_TYPE_LUTS};
    const uint64_t counts[3] = {N, 1, C};
    const bool present[3] = {labels, ranges, luts};
    for (int k = 0; k < 3; k++)
        if (present[k]) {
            vt_put_le(p, types[k], 4);
            vt_put_le(p + 4, counts[k], 4);
            p += 8;
        }
    for (uint64_t i = 0; labels && i < N; i++) {
        size_t n = name_len[i % C];
        for (size_t j = 0; j < n; j++, p += 2)
            vt_put_le(p, names[i % C][j], 2);
        vt_put_le(d->counts + 4 * d->ncounts++, 2 * n, 4);
    }
    if (ranges) {
        for (uint64_t c = 0; c < C; c++) {
            double mm[2] = {img->channels[c].start, img->channels[c].end};
            for (int i = 0; i < 2; i++, p += 8) {
                uint64_t bits;
                memcpy(&bits, &mm[i], 8);
                vt_put_le(p, bits, 8);
            }
        }
        vt_put_le(d->counts + 4 * d->ncounts++, 16 * C, 4);
    }
    if (luts) {
        for (uint64_t c = 0; c < C; c++) {
            uint32_t rgb = img->channels[c].rgb;
            for (int k = 0; k < 3; k++) {
                unsigned full = (rgb >> (16 - 8 * k)) & 0xff;
                for (unsigned i = 0; i < 256; i++)
                    *p++ = (uint8_t)((i * full + 127) / 255);
            }
            vt_put_le(d->counts + 4 * d->ncounts++, 768, 4);
        }
    }
    d->len = (size_t)(p - d->data);
    free(names), free(name_len);
    return true;
}

static void build_ifd(vt_ifd *ifd, const ome_level *L, ome_dtype ft, const char *desc,
                      const ij_display *display, uint64_t strip, uint64_t plane_bytes)
{
    vt_ifd_init(ifd, false);
    vt_ifd_uint(ifd, 254, TT_LONG, 0);
    vt_ifd_uint(ifd, 256, TT_LONG, L->shape[OME_X]);
    vt_ifd_uint(ifd, 257, TT_LONG, L->shape[OME_Y]);
    vt_ifd_uint(ifd, 258, TT_SHORT, 8 * ome_dtype_size(ft));
    vt_ifd_uint(ifd, 259, TT_SHORT, 1);
    vt_ifd_uint(ifd, 262, TT_SHORT, 1);
    if (desc)
        vt_ifd_ascii(ifd, 270, desc);
    vt_ifd_uint(ifd, 273, TT_LONG, strip);
    vt_ifd_uint(ifd, 277, TT_SHORT, 1);
    vt_ifd_uint(ifd, 278, TT_LONG, L->shape[OME_Y]);
    vt_ifd_uint(ifd, 279, TT_LONG, plane_bytes);
    if (desc) {
        /* ImageJ: pixel width = 1 / XResolution in the description's unit. Only IFD0 has it:
         * the later IFDs are one template repeated, so they hold no out-of-line values. */
        vt_ifd_rational(ifd, 282, 1.0 / L->scale[OME_X]);
        vt_ifd_rational(ifd, 283, 1.0 / L->scale[OME_Y]);
        vt_ifd_uint(ifd, 296, TT_SHORT, 1);
    }
    vt_ifd_uint(ifd, 339, TT_SHORT, ome_dtype_is_float(ft) ? 3 : ome_dtype_is_signed(ft) ? 2 : 1);
    if (display) {
        vt_ifd_bytes(ifd, 50838, TT_LONG, display->ncounts, display->counts);
        vt_ifd_bytes(ifd, 50839, TT_BYTE, display->len, display->data);
    }
}

static int remake_imagej(const ome_vtiff *like, ome_vtiff **out, ome_err *err)
{
    return ome_vtiff_make_imagej(like->img, like->level, out, err);
}

int ome_vtiff_make_imagej(const ome_image *img, int level, ome_vtiff **out, ome_err *err)
{
    if (level < 0 || level >= img->nlevels)
        return ome_err_set(err, OME_ERANGE, "%s: no level %d", img->where, level);
    const ome_level *L = &img->levels[level];
    ome_dtype ft = vt_imagej_dtype(img->dtype);
    if (ft == OME_DT_NONE)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: ImageJ has no %s pixel type, so there "
                           "is no %s_L%d.tif (use %s.ome.tif)", img->where,
                           ome_dtype_name(img->dtype), img->name, level, img->name);
    uint64_t H = L->shape[OME_Y], W = L->shape[OME_X];
    if (H * W > IJ_MAX_PIXELS || H > IJ_MAX_PIXELS || W > IJ_MAX_PIXELS)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: level %d planes have %llu x %llu pixels, "
                           "more than ImageJ holds (2^31-1)", img->where, level,
                           (unsigned long long)W, (unsigned long long)H);
    uint64_t plane_bytes = H * W * ome_dtype_size(ft);
    if (plane_bytes > UINT32_MAX)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: level %d planes of %llu bytes do not fit "
                           "a classic TIFF strip", img->where, level,
                           (unsigned long long)plane_bytes);
    uint64_t N = 1, pixels_total;
    for (int d = OME_T; d <= OME_Z; d++)
        if (!ome_mul_u64(N, L->shape[d], &N))
            N = UINT64_MAX;
    if (!ome_mul_u64(N, plane_bytes, &pixels_total) || pixels_total > UINT64_MAX >> 2)
        return ome_err_set(err, OME_EUNSUPPORTED, "%s: level %d has %llu planes of %llu bytes, "
                           "more than a file can hold", img->where, level,
                           (unsigned long long)N, (unsigned long long)plane_bytes);
    ome_vtiff *vt = vt_new(img, OME_VT_IMAGEJ, level);
    if (!vt)
        return ome_err_set(err, OME_ENOMEM, "out of memory");
    vt->remake = remake_imagej;
    vt->file_dtype = ft;
    char desc[1024];
    describe(img, L, true, desc, sizeof desc);
    ij_display display;
    const ij_display *disp = ij_display_build(img, L, &display) ? &display : NULL;
    vt_ifd ifd0, tmpl;
    build_ifd(&ifd0, L, ft, desc, disp, 0, plane_bytes);
    build_ifd(&tmpl, L, ft, NULL, NULL, 0, plane_bytes);
    size_t ifd0_len = vt_ifd_size(&ifd0), tmpl_len = vt_ifd_size(&tmpl);
    /* Padded when the planes are large and the padded file fits classic TIFF offsets (the
     * description with `images=` bounds IFD0's size from above). The IFD of plane k+1 sits in
     * the middle of the gap after plane k: readers that take IFDs after all pixels for
     * ImageJ's contiguous convention (tifffile) then follow every IFD, and reading an IFD
     * reads ahead into zeros only. */
    uint64_t unit = plane_align(W * ome_dtype_size(ft));
    uint64_t head_len = (8 + ifd0_len + ALIGN - 1) / ALIGN * ALIGN;
    uint64_t ifd_at = (plane_bytes + IJ_GAP + ALIGN - 1) / ALIGN * ALIGN;
    uint64_t padded_stride = ifd_at + (tmpl_len + ALIGN - 1) / ALIGN * ALIGN + IJ_GAP;
    padded_stride = (padded_stride + unit - 1) / unit * unit;
    bool padded = plane_bytes >= IJ_PAD_MIN_PLANE &&
                  N <= (UINT32_MAX - head_len - IJ_GAP - unit) / padded_stride;
    if (padded) {
        vt_ifd_free(&ifd0);
        describe(img, L, false, desc, sizeof desc);
        build_ifd(&ifd0, L, ft, desc, disp, 0, plane_bytes);
        ifd0_len = vt_ifd_size(&ifd0);
        head_len = (8 + ifd0_len + ALIGN - 1) / ALIGN * ALIGN;
    }
    uint64_t stride = padded ? padded_stride : plane_bytes;
    uint64_t data_off = (head_len + (padded ? IJ_GAP : 0) + unit - 1) / unit * unit;
    uint64_t gap0 = data_off - head_len;
    uint64_t data_end = data_off + N * stride;
    bool classic_chain = !padded && N > 1 && data_end <= UINT32_MAX &&
                         N - 1 <= (UINT32_MAX - data_end) / tmpl_len;
    uint64_t next0 = classic_chain ? data_end : padded && N > 1 ? data_off + ifd_at : 0;
    /* Rebuild with the real strip offset. */
    vt_ifd_free(&ifd0);
    build_ifd(&ifd0, L, ft, desc, disp, data_off, plane_bytes);
    uint8_t *head = vt_own_blob(vt, (size_t)head_len);
    uint8_t *t = padded || classic_chain ? vt_own_blob(vt, tmpl_len) : NULL;
    vt_seg *s = head ? vt_add_seg(vt, VT_SEG_BLOB, head_len) : NULL;
    if (s) {
        s->blob = head;
        memcpy(head, "II", 2);
        vt_put_le(head + 2, 42, 2);
        vt_put_le(head + 4, 8, 4);
        vt_ifd_write(&ifd0, 8, next0, head + 8);
    }
    if (s && gap0)
        s = vt_add_seg(vt, VT_SEG_BLOB, gap0); /* no blob: zeros */
    if (s)
        s = vt_add_seg(vt, VT_SEG_PLANES, N * stride);
    if (s) {
        s->level = level;
        s->plane_bytes = plane_bytes;
        s->plane_stride = stride;
    }
    if (s && classic_chain)
        s = vt_add_seg(vt, VT_SEG_REPEAT, (N - 1) * tmpl_len);
    if (s && t) { /* the later IFDs: after the pixels, or in the gaps */
        vt_ifd_write(&tmpl, classic_chain ? s->off : 0, 0, t);
        s->blob = t;
        s->tmpl_len = tmpl_len;
        s->patch_strip = vt_ifd_value_pos(&tmpl, 273);
        s->patch_next = vt_ifd_value_pos(&tmpl, 0);
        s->strip_first = data_off + stride;
        s->strip_stride = stride;
        s->off_size = 4;
        s->gap_ifd_at = ifd_at;
    }
    int rc = s && (t || !(padded || classic_chain)) ? OME_OK : OME_ENOMEM;
    vt_ifd_free(&ifd0);
    vt_ifd_free(&tmpl);
    if (disp)
        ij_display_free(&display);
    if (rc) {
        ome_vtiff_free(vt);
        return ome_err_set(err, rc, "out of memory building the ImageJ layout");
    }
    *out = vt;
    return OME_OK;
}
