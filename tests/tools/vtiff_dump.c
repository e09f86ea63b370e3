/* vtiff_dump: writes the virtual TIFFs of an OME-Zarr image to a directory by calling
 * ome_vtiff_read in random-sized pieces in random order — what the reader checks then judge.
 * Usage: vtiff_dump SOURCE NAME OUTDIR [seed] */
#include "zarr/chunk_cache.h"
#include "tree/source.h"
#include "base/log.h"
#include "vtiff/vtiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dump(const ome_vtiff *vt, const char *path, unsigned seed)
{
    uint8_t *file = calloc(1, ome_vtiff_size(vt) ? ome_vtiff_size(vt) : 1);
    if (!file)
        return 1;
    /* split into pieces of random size (1 byte .. 300 KiB), then read them in random order */
    size_t cap = 1024, n = 0;
    uint64_t(*pieces)[2] = malloc(cap * sizeof *pieces);
    for (uint64_t off = 0; off < ome_vtiff_size(vt);) {
        uint64_t len = 1 + (uint64_t)rand_r(&seed) % (rand_r(&seed) % 4 ? 300000 : 17);
        if (len > ome_vtiff_size(vt) - off)
            len = ome_vtiff_size(vt) - off;
        if (n == cap)
            pieces = realloc(pieces, (cap *= 2) * sizeof *pieces);
        pieces[n][0] = off;
        pieces[n][1] = len;
        n++;
        off += len;
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rand_r(&seed) % i;
        uint64_t a = pieces[i - 1][0], b = pieces[i - 1][1];
        pieces[i - 1][0] = pieces[j][0];
        pieces[i - 1][1] = pieces[j][1];
        pieces[j][0] = a;
        pieces[j][1] = b;
    }
    for (size_t i = 0; i < n; i++) {
        ome_err err = {0};
        int64_t got = ome_vtiff_read(vt, pieces[i][0], (size_t)pieces[i][1],
                                     file + pieces[i][0], &err);
        if (got != (int64_t)pieces[i][1]) {
            fprintf(stderr, "%s: read at %llu failed: %s\n", path,
                    (unsigned long long)pieces[i][0], err.msg);
            return 1;
        }
    }
    /* a read past the end returns nothing */
    uint8_t extra[4];
    ome_err err;
    if (ome_vtiff_read(vt, ome_vtiff_size(vt), 4, extra, &err) != 0)
        return 1;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(file, 1, ome_vtiff_size(vt), f) != ome_vtiff_size(vt))
        return 1;
    fclose(f);
    free(file);
    free(pieces);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: vtiff_dump SOURCE NAME OUTDIR [seed]\n");
        return 2;
    }
    unsigned seed = argc > 4 ? (unsigned)atoi(argv[4]) : 1;
    ome_log_set_level(OME_LOG_ERROR);
    ome_store *store;
    ome_image *img;
    ome_err err;
    if (ome_source_open_address(argv[1], NULL, &store, &err) || ome_image_open(store, "", argv[2], &img, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    img->cache = ome_cache_new(64 << 20, NULL);
    char path[4096];
    ome_vtiff *vt;
    int rc = 0;
    if (ome_vtiff_make_ome(img, &vt, &err) == OME_OK) {
        snprintf(path, sizeof path, "%s/%s.ome.tif", argv[3], argv[2]);
        rc |= dump(vt, path, seed);
        ome_vtiff_free(vt);
    } else {
        fprintf(stderr, "%s\n", err.msg);
        rc = 1;
    }
    for (int k = 0; k < img->nlevels; k++) {
        if (ome_vtiff_make_imagej(img, k, &vt, &err) != OME_OK) {
            printf("no-imagej %s_L%d: %s\n", argv[2], k, err.msg);
            continue;
        }
        snprintf(path, sizeof path, "%s/%s_L%d.tif", argv[3], argv[2], k);
        rc |= dump(vt, path, seed + (unsigned)k);
        ome_vtiff_free(vt);
    }
    if (ome_vtiff_make_preview(img, &vt, &err) == OME_OK) {
        snprintf(path, sizeof path, "%s/%s.preview.png", argv[3], argv[2]);
        rc |= dump(vt, path, seed);
        ome_vtiff_free(vt);
    } else {
        printf("no-preview %s: %s\n", argv[2], err.msg);
    }
    ome_cache_free(img->cache);
    ome_image_free(img);
    ome_store_close(store);
    return rc;
}
