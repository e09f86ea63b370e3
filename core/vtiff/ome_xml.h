/* ome_xml: the OME-XML document (2016-06 schema) describing an image for NAME.ome.tif, and
 * unit helpers shared with the ImageJ layout. */
#ifndef OME_OME_XML_H
#define OME_OME_XML_H

#include "image/image.h"

/* Returns a malloc'd OME-XML string, or NULL when the pixel type has no OME equivalent. */
char *ome_xml_make(const ome_image *img);
/* Size of one unit in micrometres for an NGFF space unit ("micrometer" → 1); 0 if unknown. */
double ome_unit_in_um(const char *unit);
/* Seconds per NGFF time unit; 0 if unknown. */
double ome_unit_in_s(const char *unit);

#endif
