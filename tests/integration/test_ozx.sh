#!/usr/bin/env bash
# Zipped OME-Zarr (".ozx", RFC-9), zipped by Python's zipfile (tests/fixtures/
# make_ozx_fixtures.py: ZIP64, zarr.json entries first) from fixtures written by zarrita and
# the fixture writer, mounted over HTTP (Range requests to a real nginx) and locally:
#  - every file byte-identical to what the unzipped folder's image shows (itself judged
#    pixel-exact by the other tests), for stored and deflated entries, a sharded image, a plate;
#  - reading one level fetches about what that level's entries hold, by ranges only (no
#    request for the whole archive), and mounting reads the end records and the metadata part of
#    the directory;
#  - an archive replaced between two mounts is read anew, never mixed with the disk cache's
#    pieces of the old one; one replaced while mounted gives errors, never wrong bytes;
#  - a file that is no ZIP archive fails to mount with a clear message.
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/ozx.json" ]; then
  echo "skip ozx: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start ozx
export ASAN_OPTIONS=detect_leaks=0
have() { $PY -c "import json,sys; sys.exit(sys.argv[2] not in json.load(open(sys.argv[1])))" "$fixtures/ozx.json" "$1"; }

# same_as_folder ARCHIVE FOLDER NAME: every file of the mounted archive equals the folder's
same_as_folder() {
  local ref="$work/ref-$3" f bad=0 n=0
  mkdir -p "$ref"
  build/asan/tools/vtiff_dump "$fixtures/$2" "$3" "$ref" 7 >/dev/null 2>&1
  for f in "$ref"/*.tif; do
    n=$((n + 1))
    cmp -s "$f" "$mnt/$(basename "$f")" || bad=$((bad + 1))
  done
  [ "$n" -gt 0 ] && [ "$bad" = 0 ] && ok "ozx $1: $n files identical to the unzipped folder's" ||
    fail "ozx $1: $bad of $n files differ from the unzipped folder's"
}

for case in "v05_sharded.ozx v05_sharded_end.zarr v05_sharded" \
            "v05_deflated.ozx v05_czyx_blosc.zarr v05_deflated" \
            "v06_image.ozx v06/image.ome.zarr v06_image"; do
  read -r archive folder name <<<"$case"
  have "$archive" || { echo "skip ozx $archive: not written (its source is missing)"; continue; }
  if do_mount "http-$name" "$OMEFS_TEST_HTTP/$archive" -o cache_dir=none; then
    same_as_folder "$archive over http" "$folder" "$name"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "ozx $archive over http: $(tail -2 "$work/http-$name.log")"
  fi
  if do_mount "local-$name" "$fixtures/$archive" -o cache_dir=none; then
    same_as_folder "$archive local" "$folder" "$name"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "ozx $archive local: $(tail -2 "$work/local-$name.log")"
  fi
done

# What one level costs: the bytes nginx sent for the archive while L2 was read, against the
# sizes of L2's entries; every request a range (206), none for the whole archive.
if have v06_image.ozx; then
  start=$(log_lines)
  if do_mount egress "$OMEFS_TEST_HTTP/v06_image.ozx" -o cache_dir=none; then
    mounted=$(log_lines)
    cat "$mnt/v06_image_L2.tif" >/dev/null
    sleep 0.3
    need=$($PY -c "import sys, zipfile; print(sum(i.compress_size for i in zipfile.ZipFile(sys.argv[1]).infolist() if i.filename.startswith('s2/c/')))" "$fixtures/v06_image.ozx")
    size=$(stat -c %s "$fixtures/v06_image.ozx")
    got=$(tail -n +"$((mounted + 1))" "$OMEFS_TEST_NGINX_DIR/access.log" | awk '/GET \/v06_image.ozx /{s += $10} END {print s + 0}')
    at_mount=$(sed -n "$((start + 1)),${mounted}p" "$OMEFS_TEST_NGINX_DIR/access.log" | awk '/GET \/v06_image.ozx /{s += $10} END {print s + 0}')
    whole=$(tail -n +"$((start + 1))" "$OMEFS_TEST_NGINX_DIR/access.log" | grep 'GET /v06_image.ozx ' | grep -vc '" 206 ')
    ratio=$($PY -c "print('%.2f' % ($got / $need))")
    [ "$whole" = 0 ] && [ "$(echo "$ratio <= 1.5" | bc)" = 1 ] &&
      ok "ozx: reading level 2 fetched $got bytes for $need in its entries (x$ratio) of a $size-byte archive; mounting $at_mount bytes; only ranges" ||
      fail "ozx: level 2 fetched $got bytes for $need (x$ratio); $whole requests not a range"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "ozx egress mount: $(tail -2 "$work/egress.log")"
  fi
fi

# A plate inside an archive
if have v06_plate.ozx; then
  if do_mount plate "$OMEFS_TEST_HTTP/v06_plate.ozx" -o cache_dir=none; then
    got=$(ls "$mnt/A1" 2>&1 | tr '\n' ' ')
    mkdir -p "$work/pref"; build/asan/tools/vtiff_dump "$fixtures/v06/plate.ome.zarr/A/1/0" A1_0 "$work/pref" 7 >/dev/null 2>&1
    [ "$got" = "A1_0.ome.tif A1_0.preview.png A1_0_L0.tif A1_0_L1.tif " ] && cmp -s "$mnt/A1/A1_0_L0.tif" "$work/pref/A1_0_L0.tif" &&
      ok "ozx: a plate in an archive: well A1 holds $got, the field's bytes as unzipped" ||
      fail "ozx plate: A1 holds '$got' or the field differs"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "ozx plate mount: $(tail -2 "$work/plate.log")"
  fi
fi

# An archive replaced: between mounts (with the disk cache on), and while mounted
if have v05_sharded.ozx && have v05_deflated.ozx; then
  cp "$fixtures/v05_sharded.ozx" "$work/swap.ozx"
  if do_mount swap1 "$work/swap.ozx" -o cache_dir="$work/cache"; then
    first=$(ls "$mnt" | tr '\n' ' ')
    cat "$mnt"/*.tif >/dev/null
    do_unmount "$mnt" "$mnt_pid"
    cp "$fixtures/v05_deflated.ozx" "$work/swap.ozx"
    if do_mount swap2 "$work/swap.ozx" -o cache_dir="$work/cache"; then
      same_as_folder "replaced between mounts (disk cache on)" v05_czyx_blosc.zarr swap
      do_unmount "$mnt" "$mnt_pid"
    else
      fail "ozx replaced: second mount: $(tail -2 "$work/swap2.log")"
    fi
  else
    fail "ozx replaced: first mount: $(tail -2 "$work/swap1.log")"
  fi
  # while mounted, over http (nginx's ETag changes with the file) and locally (the file's
  # inode, size and modification time)
  live="live_test_$$.ozx"
  for how in http local; do
    cp "$fixtures/v05_sharded.ozx" "$fixtures/$live"
    address="$OMEFS_TEST_HTTP/$live"
    [ "$how" = local ] && address="$fixtures/$live"
    if do_mount "live-$how" "$address" -o cache_dir=none,mem_cache=1M; then
      ref="$work/ref-live"; mkdir -p "$ref"
      build/asan/tools/vtiff_dump "$fixtures/v05_sharded_end.zarr" "${live%.ozx}" "$ref" 7 >/dev/null 2>&1
      sleep 1.1 # a later modification time, so another ETag
      $PY - "$fixtures/v05_sharded.ozx" "$fixtures/$live" <<'PY'
import os, sys
data = bytearray(open(sys.argv[1], "rb").read())
# the same directory, other content: every seventh byte of the entries' data flipped
for i in range(200, data.find(b"PK\x01\x02"), 7):
    data[i] ^= 0x5A
open(sys.argv[2] + ".new", "wb").write(data)
os.replace(sys.argv[2] + ".new", sys.argv[2])
PY
      verdict=$($PY - "$mnt/${live%.ozx}_L0.tif" "$ref/${live%.ozx}_L0.tif" <<'PY'
import sys
good = bad = failed = 0
with open(sys.argv[2], "rb") as f:
    want = f.read()
with open(sys.argv[1], "rb", buffering=0) as f:
    for off in range(0, len(want), 65536):
        try:
            f.seek(off)
            got = f.read(65536)
        except OSError:
            failed += 1
            continue
        if got != want[off:off + len(got)]:
            bad += 1  # a byte served wrong
        elif len(got) < len(want[off:off + 65536]):
            failed += 1  # cut short at an error
        else:
            good += 1
print(good, bad, failed)
PY
      )
      read -r good bad failed <<<"$verdict"
      [ "${bad:-1}" = 0 ] && [ "${failed:-0}" -gt 0 ] && grep -q "the archive was replaced while mounted" "$work/live-$how.log" &&
        ok "ozx replaced while mounted ($how): $failed reads fail, saying so, none wrong ($good served from before)" ||
        fail "ozx replaced while mounted ($how): $bad wrong reads, $failed failed: $(grep -c replaced "$work/live-$how.log") messages"
      do_unmount "$mnt" "$mnt_pid"
    else
      fail "ozx live mount ($how): $(tail -2 "$work/live-$how.log")"
    fi
    rm -f "$fixtures/$live"
  done
fi

# A folder of images holding an archive beside a folder: both listed as images
if have v05_deflated.ozx; then
  mkdir -p "$work/lab"
  cp "$fixtures/v05_deflated.ozx" "$work/lab/zipped.ozx"
  cp -r "$fixtures/v05_czyx_blosc.zarr" "$work/lab/plain.zarr"
  if do_mount lab "$work/lab" -o cache_dir=none; then
    got=$(ls "$mnt" | tr '\n' ' ')
    same=1 ref="$work/ref-lab"
    mkdir -p "$ref"
    build/asan/tools/vtiff_dump "$fixtures/v05_czyx_blosc.zarr" zipped "$ref" 7 >/dev/null 2>&1
    for f in "$ref"/*.tif; do cmp -s "$f" "$mnt/zipped/${f##*/}" || same=0; done
    [ "$got" = "plain zipped " ] && [ $same = 1 ] &&
      ok "ozx: a folder of images lists the archive beside the folder ($got), the same bytes" ||
      fail "ozx folder of images: '$got', same=$same"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "ozx folder of images: $(tail -2 "$work/lab.log")"
  fi
fi

# Hostile archives: clear errors, nothing outside the archive, no bomb held
mkdir -p "$work/mnt-bad"
for case in "not_a_zip.ozx|not a ZIP archive" "cut.ozx|not a ZIP archive" \
            "bomb.ozx|more than it can hold"; do
  archive=${case%%|*} want=${case#*|}
  [ -f "$fixtures/$archive" ] || continue
  msg=$(timeout 60 "$OMEFS" -f "$OMEFS_TEST_HTTP/$archive" "$work/mnt-bad" 2>&1); rc=$?
  [ $rc = 1 ] && grep -q "$want" <<<"$msg" &&
    ok "ozx $archive: exit 1, '$msg'" || fail "ozx $archive: exit $rc, '$msg' (expected '$want')"
done
if [ -f "$fixtures/escape.ozx" ] && do_mount escape "$OMEFS_TEST_HTTP/escape.ozx" -o cache_dir=none; then
  same_as_folder "with names that leave it: those left out," v06/image.ome.zarr escape
  ! grep -q "outside\|/abs" <(log_since 0) &&
    ok "ozx: no request names what lies outside the archive" || fail "ozx: a request went outside"
  do_unmount "$mnt" "$mnt_pid"
fi
