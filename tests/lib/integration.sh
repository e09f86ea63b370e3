#!/usr/bin/env bash
# The common start of the integration scripts: strict mode, the repository as the working
# directory, the nginx and mount helpers, and where the fixtures, the omefs under test (the
# ASan build unless OMEFS_BIN says otherwise) and Debian's Python are.
# Source it first: source "$(dirname "$0")/../lib/integration.sh"
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
source tests/lib/nginx.sh
source tests/lib/mount.sh
fixtures=${OMEFS_FIXTURES:-$repo/build/fixtures}
OMEFS=${OMEFS_BIN:-$repo/build/asan/omefs}
PY=/usr/bin/python3

# nginx's access log (the server mount_test_start started): its length, and its lines after
# line $1, once nginx has had a moment to write them.
log_lines() { wc -l <"$OMEFS_TEST_NGINX_DIR/access.log"; }
log_since() { sleep 0.2; tail -n +"$(($1 + 1))" "$OMEFS_TEST_NGINX_DIR/access.log"; }

# ImageJ 1.53t headless on FILE...: tests/integration/ImageJProbe.java (compiled when newer than
# its class) prints a line per image. Returns 2, printing nothing, when ImageJ is not installed.
imagej_probe() {
  [ -f /usr/share/java/ij.jar ] && command -v javac >/dev/null || return 2
  if [ ! build/java/ImageJProbe.class -nt tests/integration/ImageJProbe.java ]; then
    mkdir -p build/java
    javac -cp /usr/share/java/ij.jar -d build/java tests/integration/ImageJProbe.java 2>/dev/null
  fi
  timeout 120 java -Djava.awt.headless=true -cp /usr/share/java/ij.jar:build/java ImageJProbe \
    "$@" 2>/dev/null
}

# reference NAME DIR → the files omefs shows for fixture NAME, written by the library itself
# (tests/tools/vtiff_dump) into DIR: what a mount must serve byte for byte.
reference() {
  mkdir -p "$2"
  build/asan/tools/vtiff_dump "$fixtures/$1.zarr" "$1" "$2" 7 >/dev/null 2>&1
}
