/* xml_text: the text of an XML attribute value or element, entities decoded. Enough XML for the
 * documents omefs reads for a few fields (OME-XML names, S3 listings), not a parser. */
#ifndef OME_XML_TEXT_H
#define OME_XML_TEXT_H

#include <stddef.h>

/* [s, s+len) with &amp; &lt; &gt; &quot; &apos; and &#N; / &#xN; decoded (UTF-8), other '&'
 * kept as they are; cut at `max` bytes. A new string (free it), NULL when out of memory. */
char *ome_xml_text(const char *s, size_t len, size_t max);
/* The length of the well-formed UTF-8 character at s that XML 1.0 allows (1 to 4 bytes), or 0
 * for an invalid sequence (stray or missing continuation bytes, overlong forms, surrogates,
 * beyond U+10FFFF), a control character other than tab, newline and return, or U+FFFE/U+FFFF. */
size_t ome_xml_char_len(const char *s);

#endif
