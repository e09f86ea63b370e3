/* commands: omefs's commands beside mounting — `omefs status MOUNTPOINT` (what a mount has
 * fetched, cached and served, and its latest errors) and `omefs prefetch PATH…` (reads files of
 * a mount through, filling its disk cache, with a progress bar). */
#ifndef OMEFS_COMMANDS_H
#define OMEFS_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

/* argv[0] is the command's name ("status", "prefetch"). Return the exit status. */
int omefs_status_main(int argc, char **argv);
int omefs_prefetch_main(int argc, char **argv);
/* The root of the omefs mount path is in (path itself, or the nearest folder above it holding
 * .omefs/stats, which must be an omefs mount in the system's mount table) into root; false
 * when it is in none: then root is "", or the folder holding .omefs/stats that is no mount. */
bool omefs_mount_root(const char *path, char *root, size_t n);
/* Says on stderr, after "COMMAND: ", that path is in no omefs mount (root as omefs_mount_root
 * left it), and what to give instead. */
void omefs_not_in_mount(const char *command, const char *path, const char *root);

#endif
