/* secrets: what must not outlive its reading where other users or child programs can see it —
 * the passwords and queries of addresses on the command line (/proc/PID/cmdline is readable by
 * every local user) and passwords in the environment. */
#ifndef OMEFS_SECRETS_H
#define OMEFS_SECRETS_H

/* Overwrites with '*', in place, every password of an address (user:password@) and every query
 * (after '?') in argv[1..argc): in SOURCE, in any argument holding "://", and in -o option lists
 * (any value holding "://", and proxy= with or without a scheme). Call it once the options are
 * parsed into copies of their own (fuse_opt_parse copies them). */
void omefs_secrets_hide_argv(int argc, char **argv);
/* The value of the environment variable name (a new string, NULL when unset or out of memory),
 * removed from the environment, its bytes overwritten first: child programs (fusermount3) never
 * get it. */
char *omefs_secrets_take_env(const char *name);
/* Frees a secret (NULL: nothing), its bytes overwritten first. */
void omefs_secrets_free(char *secret);

#endif
