#!/usr/bin/env bash
# The manual page and the README against the program: doc/omefs.1 renders without a warning, and
# every -o option `omefs --help` lists is documented in both (and the manual documents no
# option the program lacks).
source "$(dirname "$0")/../lib/integration.sh"
if ! command -v groff >/dev/null; then
  echo "skip manual: groff missing (make deps installs groff-base)"; exit 0
fi
warnings=$(groff -man -Tutf8 -ww -z doc/omefs.1 2>&1)
[ -z "$warnings" ] && ok "manual: doc/omefs.1 renders without a warning" ||
  fail "manual: groff warns: $(head -3 <<<"$warnings")"
# the omefs options (not FUSE's, listed after "general options")
help=$("$repo/build/omefs" --help 2>/dev/null | sed -n '/^omefs options/,/^general options/p')
opts=$(grep -oE -- '^ +-o [a-z_]+' <<<"$help" | sed -E 's/^ +-o //' | sort -u)
[ "$(wc -l <<<"$opts")" -ge 15 ] || fail "manual: only $(wc -l <<<"$opts") options found in --help"
missing_man="" missing_readme=""
for o in $opts; do
  grep -qE "^\.BI? $o(=| |$)" doc/omefs.1 || missing_man+="$o "
  grep -q "\`$o\(=[A-Z]*\)\?\`" README.md || missing_readme+="$o "
done
[ -z "$missing_man" ] && ok "manual: all $(wc -w <<<"$opts") omefs options of --help are in doc/omefs.1" ||
  fail "manual: doc/omefs.1 lacks $missing_man"
[ -z "$missing_readme" ] && ok "manual: all of them are in the README's options table" ||
  fail "manual: the README lacks $missing_readme"
extra=""
# the manual's options: the terms of its .TP entries that are lower-case words
for o in $(awk 'prev == ".TP" && /^\.BI? [a-z_]+(=| *$)/ {print $2} {prev = $0}' doc/omefs.1 |
           sed -E 's/=$//' | sort -u); do
  grep -qx "$o" <<<"$opts" || [ "$o" = allow_other ] || extra+="$o "
done
[ -z "$extra" ] && ok "manual: documents no option the program lacks" || fail "manual: unknown options $extra"
