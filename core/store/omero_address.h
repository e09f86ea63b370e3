/* omero_address: which addresses name an OMERO image, dataset, plate, project or screen (the
 * pages users copy from OMERO's web apps), and OMERO.web's root in them. */
#ifndef OME_OMERO_ADDRESS_H
#define OME_OMERO_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    OME_OMERO_IMAGE,
    OME_OMERO_DATASET,
    OME_OMERO_PLATE,
    OME_OMERO_PROJECT,
    OME_OMERO_SCREEN
} ome_omero_kind;

/* Recognises the addresses users copy from OMERO's web apps, of an image, a dataset, a plate, a
 * project or a screen:
 *   https://HOST[/PREFIX]/webclient/?show=dataset-ID    https://HOST/api/v0/m/datasets/ID/
 *   https://HOST[/PREFIX]/webclient/?show=plate-ID      https://HOST/api/v0/m/plates/ID/
 *   https://HOST[/PREFIX]/webclient/?show=project-ID    https://HOST/api/v0/m/projects/ID/
 *   https://HOST[/PREFIX]/webclient/?show=screen-ID     https://HOST/api/v0/m/screens/ID/
 * and of images:
 *   https://HOST[/PREFIX]/webclient/img_detail/ID/      https://HOST/webclient/?show=image-ID
 *   https://HOST[/PREFIX]/webgateway/img_detail/ID/     https://HOST/iviewer/?images=ID
 *   https://HOST[/PREFIX]/api/v0/m/images/ID/
 * On a match, writes OMERO.web's root (https://HOST[/PREFIX], no trailing '/') to base and
 * returns true. */
bool ome_omero_parse_address(const char *source, char *base, size_t baselen,
                             ome_omero_kind *kind, long long *id);
/* The same for images only. */
bool ome_omero_parse_source(const char *source, char *base, size_t baselen, long long *image_id);

#endif
