#!/usr/bin/env bash
# The core's layering (tests/check_layers.py): the tree as it is passes; a copy with a file
# that includes a higher layer's header, one with two modules that include each other, one
# with a .c at core/'s root and one whose FUSE adapter reaches jansson.h each fail, naming what
# is wrong.
source "$(dirname "$0")/../lib/integration.sh"
check() { "$PY" tests/check_layers.py "$@"; }
objs=build/obj
out=$(check "$repo" "$objs" 2>&1) && ok "layers: core/ holds its layers, no circle, fs/ sees no curl or jansson" ||
  fail "layers: $(head -5 <<<"$out")"
work=$(mktemp -d /tmp/omefs-layers-XXXXXX)
trap 'rm -rf "$work"' EXIT
fresh() { rm -rf "$work/r"; mkdir -p "$work/r"; cp -r core fs "$work/r/"; }
expect_fail() { # NAME PATTERN: the checker fails on the planted copy and names the fault
  local out
  if out=$(check "$work/r" 2>&1); then
    fail "layers: $1 not caught"
  elif grep -q -- "$2" <<<"$out"; then
    ok "layers: $1 caught ($(head -1 <<<"$out"))"
  else
    fail "layers: $1 reported as: $(head -2 <<<"$out")"
  fi
}
fresh
sed -i '0,/^#include "store\/store.h"/s//#include "store\/store.h"\n#include "tree\/tree.h"/' "$work/r/core/store/store.c"
grep -q '"tree/tree.h"' "$work/r/core/store/store.c" || fail "layers: could not plant an include"
expect_fail "an upward include (store.c includes tree/tree.h)" "a higher layer"
fresh
echo '#include "zarr/zarr.h"' >>"$work/r/core/zarr/codec.h"
expect_fail "a circle (codec.h includes zarr.h, which includes codec.h)" "include circle"
fresh
echo '/* x */' >"$work/r/core/stray.c"
expect_fail "a file at core/'s root" "core/stray.c"
fresh
echo '#include <jansson.h>' >>"$work/r/core/tree/walk.h"
expect_fail "jansson.h reaching fs/ through tree/walk.h" "reaches <jansson.h>"
