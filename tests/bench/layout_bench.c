/* layout_bench: how long making the virtual TIFF layouts of a 100 000 × 100 000 × 3-channel,
 * 5-level image takes, and how much memory they hold — from metadata alone, no I/O.
 * Prints a small table; median of 21 runs. */
#include "base/clock.h"
#include "image/ngff.h"
#include "vtiff/vtiff_layout.h"
#include "zarr/zarr_v2.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static ome_image *huge_image(uint64_t size, int chunk, int nz)
{
    ome_zarr_array *arrays[5];
    ome_err err;
    for (int k = 0; k < 5; k++, size /= 2) {
        char doc[512], path[8];
        snprintf(doc, sizeof doc,
                 "{\"shape\":[3,%d,%llu,%llu],\"chunks\":[1,1,%d,%d],\"dtype\":\"<u2\","
                 "\"compressor\":null,\"fill_value\":0}",
                 nz, (unsigned long long)size, (unsigned long long)size, chunk, chunk);
        snprintf(path, sizeof path, "%d", k);
        json_t *j = json_loads(doc, 0, NULL);
        if (ome_zarr_array_parse_v2(j, path, "mem", &arrays[k], &err))
            return NULL;
        json_decref(j);
    }
    ome_ngff_multiscale ms;
    json_t *attrs = json_loads(
        "{\"multiscales\":[{\"version\":\"0.4\",\"axes\":[{\"name\":\"c\",\"type\":\"channel\"},"
        "{\"name\":\"z\",\"type\":\"space\",\"unit\":\"micrometer\"},"
        "{\"name\":\"y\",\"type\":\"space\",\"unit\":\"micrometer\"},{\"name\":\"x\",\"type\":"
        "\"space\",\"unit\":\"micrometer\"}],\"datasets\":[{\"path\":\"0\"},{\"path\":\"1\"},"
        "{\"path\":\"2\"},{\"path\":\"3\"},{\"path\":\"4\"}]}]}", 0, NULL);
    ome_ngff_parse_multiscales(attrs, "mem", &ms, &err);
    json_decref(attrs);
    ome_image *img = NULL;
    ome_image_build(NULL, "mem", "huge", &ms, arrays, NULL, 0, &img, &err);
    ome_ngff_multiscale_free(&ms);
    return img;
}

static void run(const char *label, uint64_t size, int chunk, int nz)
{
    ome_image *img = huge_image(size, chunk, nz);
    if (!img) {
        printf("cannot build %s\n", label);
        return;
    }
    double t[21];
    ome_vtiff *vt = NULL;
    ome_err err;
    for (int i = 0; i < 21; i++) {
        double t0 = ome_now();
        ome_vtiff_make_ome(img, &vt, &err);
        t[i] = ome_now() - t0;
        if (i < 20)
            ome_vtiff_free(vt);
    }
    qsort(t, 21, sizeof t[0], cmp_double);
    size_t held = 0;
    for (int i = 0; i < vt->nsegs; i++)
        if (vt->segs[i].kind == VT_SEG_BLOB)
            held += (size_t)vt->segs[i].len;
    printf("| %-38s | %9.3f ms | %8zu B + %5d segments | %10.1f GiB |\n", label, t[10] * 1e3,
           held, vt->nsegs, (double)vt->size / (1u << 30));
    ome_vtiff_free(vt);
    ome_image_free(img);
}

int main(void)
{
    printf("| layout (OME-TIFF, uint16, 5 levels)    | median    | memory held                 | file size      |\n");
    printf("|---|---|---|---|\n");
    run("100000^2 x 3 channels, 512 chunks", 100000, 512, 1);
    run("100000^2 x 3 channels, 200 chunks", 100000, 200, 1);
    run("20000^2 x 3 channels x 100 z, 1024", 20000, 1024, 100);
    return 0;
}
