#!/usr/bin/env bash
# core/ is strict C11 + POSIX.1-2008 outside its platform files: each of its other files compiles
# alone with -std=c11 -D_POSIX_C_SOURCE=200809L -pedantic -Werror (make strict-core), the
# Makefile builds them so, and what is Linux-only (linux/ headers, syscall, O_PATH, gettid,
# mallopt, /proc, explicit_bzero, _GNU_SOURCE) appears only in core/*/platform_*.c and
# fs/platform_linux.c.
source "$(dirname "$0")/../lib/integration.sh"

if out=$(make --no-print-directory -s strict-core 2>&1); then
  ok "every file of core/ but its platform files compiles as strict C11 + POSIX.1-2008"
else
  fail "strict C11/POSIX build of core/: $(grep -m3 -E 'error|not strict' <<<"$out" | tr '\n' ' ')"
fi

# the build itself uses the strict flags for core/ (and not for the platform files)
flags_of() { make --no-print-directory -n -B "$1" 2>/dev/null | grep -m1 -e ' -c '; }
strict=$(flags_of build/obj/core/base/url.o) platform=$(flags_of build/obj/core/base/platform_linux.o)
if grep -q -- '-D_POSIX_C_SOURCE=200809L' <<<"$strict" && ! grep -q -- '-D_GNU_SOURCE' <<<"$strict" &&
   grep -q -- '-D_GNU_SOURCE' <<<"$platform"; then
  ok "make builds core/ with -D_POSIX_C_SOURCE=200809L, its platform file with _GNU_SOURCE"
else
  fail "make's flags: core/base/url.c: '$strict'; platform_linux.c: '$platform'"
fi

linux_only='_GNU_SOURCE|#include <(linux/|sys/syscall\.h|malloc\.h|sys/sysmacros\.h)|\bO_PATH\b|\bgettid\(|\bsyscall\(|\bmallopt\(|\bexplicit_bzero\(|\bmemmem\(|/proc/self'
hits=$(grep -rnE "$linux_only" core fs --include='*.c' --include='*.h' |
       grep -vE '^(core/[a-z]+/platform_[a-z0-9]+\.c|fs/platform_linux\.c):' |
       grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)')
[ -z "$hits" ] && ok "Linux-only calls and headers appear only in the platform files" ||
  fail "Linux-only code outside the platform files: $(head -3 <<<"$hits" | tr '\n' ' ')"
