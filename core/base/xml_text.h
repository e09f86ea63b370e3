/* xml_text: the text of an XML attribute value or element, entities decoded. Enough XML for the
 * documents omefs reads for a few fields (OME-XML names, S3 listings), not a parser. */
#ifndef OME_XML_TEXT_H
#define OME_XML_TEXT_H

#include <stddef.h>

/* [s, s+len) with &amp; &lt; &gt; &quot; &apos; and &#N; / &#xN; decoded (UTF-8), other '&'
 * kept as they are; cut at `max` bytes. A new string (free it), NULL when out of memory. */
char *ome_xml_text(const char *s, size_t len, size_t max);

#endif
