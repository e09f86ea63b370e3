#!/usr/bin/env bash
# Runs every test: the cmocka unit tests (built with ASan+UBSan) with a real nginx serving the
# fixtures, then the integration scripts in tests/integration/. Prints one closing line
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source tests/lib/nginx.sh
source tests/lib/s3rver.sh
cleanup() { nginx_stop; s3rver_stop; }
trap cleanup EXIT INT TERM

export OMEFS_FIXTURES="$repo/build/fixtures"
if [ -d "$repo/../shared/conformance" ]; then
  export OMEFS_CONFORMANCE="$repo/../shared/conformance"
else
  echo "note: ../shared/conformance is absent; the conformance suites will be skipped"
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

nginx_start "$OMEFS_FIXTURES" || { echo "cannot start nginx"; exit 1; }
s3rver_start "$OMEFS_FIXTURES" || echo "note: s3rver is absent (make deps); the S3 store's unit tests will skip"

passed=0 failed=0 skipped=0 failures=()
count() { # parse cmocka's summary from a log
  local log=$1 p f s
  p=$(grep -oP '^\[  PASSED  \] \K[0-9]+' "$log" | tail -1)
  f=$(grep -oP '^\[  FAILED  \] \K[0-9]+(?= test)' "$log" | tail -1)
  s=$(grep -oP '^\[  SKIPPED \] \K[0-9]+(?= test)' "$log" | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
}

logdir=$(mktemp -d /tmp/omefs-testlogs-XXXXXX)
for t in build/asan/tests/test_*; do
  name=$(basename "$t")
  log="$logdir/$name.log"
  echo "== $name"
  if ! OMEFS_TEST_NGINX_DIR="$OMEFS_TEST_NGINX_DIR" "$t" >"$log" 2>&1; then
    if ! grep -q '^\[  FAILED  \]' "$log"; then
      failed=$((failed + 1)) # crashed or sanitizer report
    fi
    failures+=("$name")
    tail -40 "$log"
  fi
  count "$log"
  grep -E '^\[  (PASSED|FAILED|SKIPPED) \]|^conformance:|SKIP ' "$log" | sed 's/^/   /'
done

for t in tests/integration/test_*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  log="$logdir/$name.log"
  echo "== $name"
  if bash "$t" >"$log" 2>&1; then
    rc=0
  else
    rc=$?
  fi
  # integration scripts print "ok NAME", "FAIL NAME: why", "skip NAME: why"
  p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^skip ' "$log")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
  if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then failures+=("$name"); tail -40 "$log"; fi
  grep -E '^(ok|FAIL|skip|note) |^\|' "$log" | sed 's/^/   /'
done

echo
[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]} (logs in $logdir)"
[ ${#failures[@]} -eq 0 ] && rm -rf "$logdir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#failures[@]} -eq 0 ]
