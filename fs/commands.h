/* commands: omefs's commands beside mounting — `omefs status MOUNTPOINT` (what a mount has
 * fetched, cached and served, and its latest errors) and `omefs prefetch PATH…` (reads files of
 * a mount through, filling its disk cache, with a progress bar). */
#ifndef OMEFS_COMMANDS_H
#define OMEFS_COMMANDS_H

/* argv[0] is the command's name ("status", "prefetch"). Return the exit status. */
int omefs_status_main(int argc, char **argv);
int omefs_prefetch_main(int argc, char **argv);

#endif
