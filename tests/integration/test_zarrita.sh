#!/usr/bin/env bash
# The Zarr v3 fixtures (written by tests/fixtures/zarr_v3_writer.py from the specification)
# judged by an independent reader, zarrita (npm, pinned in tests/js/package-lock.json): every
# level must read back as the values the generator meant. omefs's own reads of the same files
# are compared with those values by the unit tests and tifffile.
set -uo pipefail
cd "$(dirname "$0")/../.."
fixtures=${OMEFS_FIXTURES:-$PWD/build/fixtures}
if [ ! -d tests/js/node_modules/zarrita ] || ! command -v node >/dev/null; then
  echo "skip zarrita: not installed (make deps runs npm ci in tests/js)"; exit 0
fi
node tests/js/zarrita_check.mjs "$fixtures"
