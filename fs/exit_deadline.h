/* exit_deadline: the daemon stops within a bound after unmount, whatever it waits for. */
#ifndef OMEFS_EXIT_DEADLINE_H
#define OMEFS_EXIT_DEADLINE_H

typedef struct omefs_deadline omefs_deadline;

/* From now on, the process ends with `status` after `seconds` unless met first; NULL when no
 * watch could start (then nothing is bounded, nothing else changes). */
omefs_deadline *omefs_deadline_start(double seconds, int status);
/* Stopping ended in time: the watch ends. NULL does nothing. */
void omefs_deadline_met(omefs_deadline *d);

#endif
