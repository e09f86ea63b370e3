#!/usr/bin/env bash
# Replays every fuzz target (built with gcc, ASan and UBSan, without libFuzzer) over its
# regression inputs — each input that once crashed or exhausted memory — and over the seed
# corpora made from the fixtures and the conformance suites. `make fuzz` explores further.
set -uo pipefail
cd "$(dirname "$0")/../.."
fixtures=${OMEFS_FIXTURES:-$PWD/build/fixtures}
work=$(mktemp -d /tmp/omefs-replay-XXXXXX)
trap 'rm -rf "$work"' EXIT
tests/fuzz/make_corpus.sh "$fixtures" "$work" >/dev/null 2>&1 || { echo "FAIL seed corpora"; exit 1; }
for bin in build/asan/replay/fuzz_*; do
  t=$(basename "$bin")
  if out=$("$bin" tests/fuzz/regress/"$t" "$work/$t" 2>&1); then
    echo "ok $t: $(echo "$out" | tail -1) without a sanitizer report"
  else
    echo "FAIL $t: $(echo "$out" | grep -m3 -E 'ERROR|runtime error|SUMMARY')"
  fi
done
