/* cli: the command line's checks and what they say — sizes with their unit, durations, the
 * nearest option name for a misspelt one, an option given without -o, the mount point — each
 * message naming the option or path and what to do, printed last, before a two-line hint. */
#ifndef OMEFS_CLI_H
#define OMEFS_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* The option names omefs knows (with '=' for those taking a value), NULL-terminated. */
extern const char *const omefs_option_names[];

/* Prints "usage: …" and "see omefs --help" (two lines, on stderr). */
void omefs_cli_hint(const char *prog);
/* A size with its unit: "512M", "10G", "1.5T", "64KiB"; "0" alone needs none. Prints why not. */
bool omefs_cli_size(const char *name, const char *value, size_t *out);
/* Seconds: "5", "2.5", "5s", "1m", "1h"; more than 0 (or 0 when zero_ok). Prints why not. */
bool omefs_cli_seconds(const char *name, const char *value, bool zero_ok, double *out);
/* For an -o option omefs does not know (and FUSE does not either): true, having printed the
 * message (with the nearest omefs option when one is close), when it should be refused. */
bool omefs_cli_unknown_option(const char *opt);
/* For a word after SOURCE and MOUNTPOINT, or one like "timeout=5": true, having printed a
 * message suggesting -o, when it is an omefs option given without -o. */
bool omefs_cli_missing_dash_o(const char *arg);
/* Whether this user can open /dev/fuse (root always can); false, having printed what to do,
 * when not. */
bool omefs_cli_fuse_device_ok(void);
/* After a source failed to open: a hint when it looks like a server address without its scheme
 * ("host:8080/x.zarr", "data.example.org/x.zarr"). */
void omefs_cli_source_hint(const char *source);
/* The mount point: exists, is a folder, and is not already a mount of omefs; a non-empty folder
 * is mounted over with a warning. False, having printed what to do, when it cannot be used. */
bool omefs_cli_mountpoint_ok(const char *path);

#endif
