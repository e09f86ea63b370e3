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
