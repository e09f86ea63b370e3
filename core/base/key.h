/* key: store keys ("0/1.0.3", "labels/cells/.zattrs"): joining their parts, and checked
 * arithmetic on the numbers that go into them. */
#ifndef OME_KEY_H
#define OME_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ome_err;

/* Joins two key parts with '/', skipping empties, into out (outlen bytes). A result that does
 * not fit is never shortened: out becomes "" and the call returns OME_ERANGE, with a message in
 * err (may be NULL) naming the key. */
int ome_key_join(char *out, size_t outlen, const char *a, const char *b, struct ome_err *err)
    __attribute__((warn_unused_result));
/* Whether [key, key+len) stays beneath the root it is relative to: no "." or ".." segment, no
 * leading '/', no NUL. (Servers and curl remove dot segments: "a/../../other" would leave.) */
bool ome_key_is_inside(const char *key, size_t len);
/* Whether a name from a listing can be one entry of a folder: not empty, ".", "..", and no '/'
 * or NUL in its len bytes. */
bool ome_key_name_ok(const char *name, size_t len);
/* The longest name of a file or folder (bytes), as Linux file systems allow (NAME_MAX). */
#define OME_NAME_MAX 255
/* Copies name into out (outlen > max) whole when it has at most max bytes; else its first bytes
 * (cut on a UTF-8 character's start), "~" and 8 hex digits of a hash of the whole name, max
 * bytes in all: long names stay distinct, and the same name always gives the same result. */
void ome_name_fit(char *out, size_t outlen, const char *name, size_t max);
/* Multiplies with overflow detection; returns false on overflow. */
bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out);

#endif
