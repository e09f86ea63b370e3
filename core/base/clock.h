/* clock: monotonic time in seconds, short sleeps, and deadlines for timed waits. */
#ifndef OME_CLOCK_H
#define OME_CLOCK_H

#include <time.h>

double ome_now(void);
void ome_sleep(double seconds);
/* The wall-clock time `seconds` from now, as pthread's timed waits take it (CLOCK_REALTIME). */
struct timespec ome_realtime_after(double seconds);

#endif
