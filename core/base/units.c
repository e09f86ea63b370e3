/* units: byte counts in binary units. */
#include "base/units.h"

#include <stdio.h>

void ome_human_bytes(double b, char *out, size_t len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4)
        b /= 1024, u++;
    snprintf(out, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}
