#!/usr/bin/env bash
# make fuzz: builds every fuzz target with clang's libFuzzer (plus ASan and UBSan) and runs each
# for FUZZ_SECONDS (default 60) from seed corpora made from the fixtures. A crash leaves its
# input in build/fuzz/crashes/; copy it to tests/fuzz/regress/<target>/ so that `make test`
# replays it for ever after the fix.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
CC_FUZZ=${CC_FUZZ:-clang}
out=build/fuzz
mkdir -p "$out/crashes"
libs="$(pkg-config --cflags --libs libcurl jansson blosc zlib libzstd liblz4 liblzma) -lbz2 -lpthread -lm"
tests/fuzz/make_corpus.sh build/fixtures "$out/corpus"
status=0
for src in tests/fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  echo "== $t"
  # shellcheck disable=SC2086
  if ! $CC_FUZZ -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
      -fno-sanitize-recover=undefined -Icore "$src" core/*/*.c -o "$out/$t" $libs; then
    echo "cannot build $t"; status=1; continue
  fi
  # libFuzzer stops at once when a corpus folder is missing: every target has its regression
  # folder in the repository; made here too, for a target just added
  mkdir -p "$out/corpus/$t" "$out/crashes/$t" tests/fuzz/regress/"$t"
  "$out/$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$out/crashes/$t/" "$out/corpus/$t" tests/fuzz/regress/"$t" \
    2>"$out/$t.log"
  rc=$?
  grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units" "$out/$t.log" | tail -1
  if [ $rc -ne 0 ]; then
    echo "CRASH in $t: see $out/$t.log and $out/crashes/$t/"; status=1
  fi
done
exit $status
