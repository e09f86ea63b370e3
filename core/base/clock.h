/* clock: monotonic time in seconds and short sleeps. */
#ifndef OME_CLOCK_H
#define OME_CLOCK_H

double ome_now(void);
void ome_sleep(double seconds);

#endif
