/* text_escape: bytes from outside (a server's message, a name in a listing, a URL) made safe to
 * show on a terminal, in a log or in syslog: whatever a terminal would act on is written out as
 * \xNN instead. */
#ifndef OME_TEXT_ESCAPE_H
#define OME_TEXT_ESCAPE_H

#include <stddef.h>

/* Copies [s, s+len) into out (outlen bytes, always terminated when outlen > 0), with each byte
 * of a C0 control (tab, CR, LF and ESC included), DEL, a C1 control (U+0080 to U+009F in UTF-8),
 * a bidirectional formatting character (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
 * U+2069) and each byte that is not part of valid UTF-8 (overlong forms, surrogates, above U+10FFFF,
 * cut sequences) written as "\xNN" (lower-case hex). Printable ASCII and valid UTF-8 pass as
 * they are; a backslash too, so escaping twice changes nothing. What does not fit is cut at a
 * whole character or escape. Returns the length written. */
size_t ome_text_escape(const char *s, size_t len, char *out, size_t outlen);
/* The string s escaped into buf (n bytes); returns buf, for a printf argument. */
const char *ome_text_shown(const char *s, char *buf, size_t n);
/* Escapes the string in buf (cap bytes) in place, cut to fit cap. */
void ome_text_escape_in_place(char *buf, size_t cap);

#endif
