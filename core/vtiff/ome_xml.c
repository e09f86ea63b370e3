/* ome_xml: builds the OME-XML description for the pyramidal OME-TIFF. */
#include "vtiff/ome_xml.h"

#include "base/buf.h"
#include "base/xml_text.h"
#include "base/version.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; double um; } space_units[] = {
    {"micrometer", 1}, {"micron", 1}, {"µm", 1}, {"nanometer", 1e-3}, {"millimeter", 1e3},
    {"centimeter", 1e4}, {"meter", 1e6}, {"angstrom", 1e-4}, {"picometer", 1e-6},
};
static const struct { const char *name; double s; } time_units[] = {
    {"second", 1}, {"millisecond", 1e-3}, {"microsecond", 1e-6}, {"nanosecond", 1e-9},
    {"minute", 60}, {"hour", 3600}, {"day", 86400},
};

double ome_unit_in_um(const char *unit)
{
    for (size_t i = 0; i < sizeof space_units / sizeof space_units[0]; i++)
        if (strcmp(unit, space_units[i].name) == 0)
            return space_units[i].um;
    return 0;
}

double ome_unit_in_s(const char *unit)
{
    for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
        if (strcmp(unit, time_units[i].name) == 0)
            return time_units[i].s;
    return 0;
}

static void add(ome_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(ome_buf *b, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        ome_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Names as XML text, well-formed whatever they hold: markup escaped, a byte sequence that is
 * not UTF-8 (or a character XML forbids) replaced by U+FFFD, control characters dropped. */
static void add_escaped(ome_buf *b, const char *s)
{
    while (*s) {
        size_t n = ome_xml_char_len(s);
        switch (n ? *s : 0) {
        case '&': add(b, "&amp;"); break;
        case '<': add(b, "&lt;"); break;
        case '>': add(b, "&gt;"); break;
        case '"': add(b, "&quot;"); break;
        case '\n':
        case '\r': break;
        case 0:
            if ((unsigned char)*s >= 0x80)
                add(b, "\xEF\xBF\xBD");
            break;
        default: ome_buf_append(b, s, n);
        }
        s += n ? n : 1;
    }
}

static const char *ome_type(ome_dtype t)
{
    switch (t) {
    case OME_DT_U8: return "uint8";
    case OME_DT_I8: return "int8";
    case OME_DT_U16: return "uint16";
    case OME_DT_I16: return "int16";
    case OME_DT_U32: return "uint32";
    case OME_DT_I32: return "int32";
    case OME_DT_F32: return "float";
    case OME_DT_F64: return "double";
    default: return NULL;
    }
}

const char *ome_xml_refusal(const ome_image *img)
{
    if (!ome_type(img->dtype))
        return "OME has no such pixel type";
    const ome_level *L = &img->levels[0];
    uint64_t planes = 1; /* at most INT32_MAX before each product: no overflow */
    for (int r = 0; r < OME_NROLES; r++) {
        if (L->shape[r] > INT32_MAX)
            return "a size beyond the schema's 2147483647";
        if (r != OME_Y && r != OME_X && (planes *= L->shape[r]) > INT32_MAX)
            return "more planes than the schema's 2147483647";
    }
    return NULL;
}

/* The schema's floats are 32-bit: a value written must be one a float holds, not 0 or inf. */
static bool float_range(double v)
{
    return fabs(v) >= FLT_MIN && fabs(v) <= FLT_MAX;
}

char *ome_xml_make(const ome_image *img)
{
    if (ome_xml_refusal(img))
        return NULL;
    const char *type = ome_type(img->dtype);
    const ome_level *L = &img->levels[0];
    ome_buf b = {0};
    add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            "xsi:schemaLocation=\"http://www.openmicroscopy.org/Schemas/OME/2016-06 "
            "http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd\" "
            "Creator=\"omefs %s\">", OME_VERSION);
    add(&b, "<Image ID=\"Image:0\" Name=\"");
    add_escaped(&b, img->title ? img->title : img->name);
    add(&b, "\"><Pixels ID=\"Pixels:0\" DimensionOrder=\"XYZCT\" Type=\"%s\" SizeX=\"%llu\" "
            "SizeY=\"%llu\" SizeZ=\"%llu\" SizeC=\"%llu\" SizeT=\"%llu\"",
        type, (unsigned long long)L->shape[OME_X], (unsigned long long)L->shape[OME_Y],
        (unsigned long long)L->shape[OME_Z], (unsigned long long)L->shape[OME_C],
        (unsigned long long)L->shape[OME_T]);
    static const char *attr[] = {[OME_X] = "PhysicalSizeX", [OME_Y] = "PhysicalSizeY",
                                 [OME_Z] = "PhysicalSizeZ"};
    for (int r = OME_Z; r <= OME_X; r++) {
        if (!img->has_axis[r])
            continue;
        double um = img->unit[r][0] ? ome_unit_in_um(img->unit[r]) : 0;
        if (um > 0 && float_range(L->scale[r] * um))
            add(&b, " %s=\"%.10g\" %sUnit=\"µm\"", attr[r], L->scale[r] * um, attr[r]);
        else if (!img->unit[r][0] && float_range(L->scale[r]))
            add(&b, " %s=\"%.10g\"", attr[r], L->scale[r]);
    }
    if (img->has_axis[OME_T]) {
        double s = img->unit[OME_T][0] ? ome_unit_in_s(img->unit[OME_T]) : 0;
        if (s > 0 && float_range(L->scale[OME_T] * s))
            add(&b, " TimeIncrement=\"%.10g\" TimeIncrementUnit=\"s\"", L->scale[OME_T] * s);
    }
    add(&b, " BigEndian=\"false\" Interleaved=\"false\">");
    for (int c = 0; c < img->nchannels; c++) {
        int32_t color = (int32_t)((img->channels[c].rgb << 8) | 0xFFu);
        add(&b, "<Channel ID=\"Channel:0:%d\" Name=\"", c);
        add_escaped(&b, img->channels[c].name);
        add(&b, "\" SamplesPerPixel=\"1\" Color=\"%d\"/>", color);
    }
    uint64_t planes = L->shape[OME_C] * L->shape[OME_Z] * L->shape[OME_T];
    add(&b, "<TiffData IFD=\"0\" PlaneCount=\"%llu\"/></Pixels></Image></OME>",
        (unsigned long long)planes);
    ome_buf_append(&b, "", 1);
    return (char *)ome_buf_steal(&b, NULL);
}
