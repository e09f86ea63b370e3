/* ome_xml: the OME-XML document (2016-06 schema) describing an image for NAME.ome.tif, and
 * unit helpers shared with the ImageJ layout. */
#ifndef OME_OME_XML_H
#define OME_OME_XML_H

#include "image/image.h"

/* Why the image can have no OME-XML (a pixel type OME lacks, a size or plane count beyond the
 * schema's 32-bit int), or NULL when it can. */
const char *ome_xml_refusal(const ome_image *img);
/* Returns a malloc'd OME-XML string, or NULL when ome_xml_refusal gives a reason. Physical
 * sizes and the time step a 32-bit float cannot hold are left out. */
char *ome_xml_make(const ome_image *img);
/* Size of one unit in micrometres for an NGFF space unit ("micrometer" → 1); 0 if unknown. */
double ome_unit_in_um(const char *unit);
/* Seconds per NGFF time unit; 0 if unknown. */
double ome_unit_in_s(const char *unit);

#endif
