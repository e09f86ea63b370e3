/* key: store keys ("0/1.0.3", "labels/cells/.zattrs"): joining their parts, and checked
 * arithmetic on the numbers that go into them. */
#ifndef OME_KEY_H
#define OME_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Joins two key parts with '/', skipping empties. */
void ome_key_join(char *out, size_t outlen, const char *a, const char *b);
/* Multiplies with overflow detection; returns false on overflow. */
bool ome_mul_u64(uint64_t a, uint64_t b, uint64_t *out);

#endif
