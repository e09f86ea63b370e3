/* units: sizes as people read them ("12.3 MiB"), for messages and the status report. */
#ifndef OME_UNITS_H
#define OME_UNITS_H

#include <stddef.h>

void ome_human_bytes(double bytes, char *out, size_t len);

#endif
