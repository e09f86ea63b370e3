#!/usr/bin/env bash
# End-to-end: real omefs mounts of fixtures served by a real nginx (HTTP and HTTPS with a test
# CA), judged by tifffile, ImageJ, cmp/dd against files written through the library, concurrent
# readers, EROFS, clear mount-time errors, and EIO within the bound when the server goes away
# (then recovery). Every mount is unmounted in a trap, even on failure.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start mount
export ASAN_OPTIONS=detect_leaks=0
export XDG_CACHE_HOME="$work/xdg-cache"   # the default disk cache goes here, not to $HOME

# 1. HTTP mount: files and sizes, tifffile pixel check, byte-identical to the library's output.
for n in axes_tczyx odd_700x900 axes_cyx dtype_f4be v05_czyx_blosc v05_sharded_end; do
  if ! do_mount "$n" "$OMEFS_TEST_HTTP/$n.zarr" -o timeout=5,retries=2; then
    fail "mount $n: $(tail -2 "$work/$n.log")"; continue
  fi
  ref="$work/ref-$n"; mkdir -p "$ref"
  build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$ref" 7 >/dev/null 2>&1
  want=$(cd "$ref" && ls | sort | tr '\n' ' ')
  got=$(cd "$mnt" && ls | sort | tr '\n' ' ')
  [ "$want" = "$got" ] && ok "ls $n: $got" || fail "ls $n: '$got', expected '$want'"
  for f in "$ref"/*.tif; do
    b=$(basename "$f")
    [ "$(stat -c %s "$f")" = "$(stat -c %s "$mnt/$b")" ] || fail "size $b"
    cmp -s "$f" "$mnt/$b" && ok "cp/cmp $b byte-identical" || fail "cmp $b differs"
  done
  /usr/bin/python3 tests/integration/check_tiff.py "$fixtures" "$mnt" "$n" | sed 's/^ok /ok mounted /'
done

# 2. dd with odd block sizes and offsets against the reference.
n=odd_700x900; mnt="$work/mnt-$n"; ref="$work/ref-$n"
dd_bad=0
for spec in "1 0 100" "7 13 1000" "4093 3 50" "65537 1 20" "1000000 0 2"; do
  set -- $spec
  dd if="$mnt/$n.ome.tif" bs="$1" skip="$2" count="$3" status=none of="$work/a" 2>/dev/null
  dd if="$ref/$n.ome.tif" bs="$1" skip="$2" count="$3" status=none of="$work/b"
  cmp -s "$work/a" "$work/b" || { dd_bad=1; fail "dd bs=$1 skip=$2 count=$3"; }
done
[ $dd_bad = 0 ] && ok "dd with odd block sizes and offsets matches the reference"

# 3. Eight concurrent readers on different files and regions.
conc_bad=0
rpids=()
for i in $(seq 8); do
  (
    for f in "$ref"/*.tif "$work/ref-axes_tczyx"/*.tif; do
      b=$(basename "$f"); d=$(dirname "$f"); m=${d/ref-/mnt-}
      size=$(stat -c %s "$f"); off=$(( (i * 7919) % (size > 1 ? size - 1 : 1) ))
      cmp -s <(tail -c +$((off + 1)) "$m/$b") <(tail -c +$((off + 1)) "$f") || exit 1
    done
  ) &
  rpids+=($!)
done
for p in "${rpids[@]}"; do wait "$p" || conc_bad=1; done
[ $conc_bad = 0 ] && ok "8 concurrent readers byte-identical" || fail "concurrent readers saw wrong bytes"

# 4. ImageJ 1.53t opens the mounted ImageJ files.
if out=$(imagej_probe "$work"/mnt-*/*_L*.tif) || [ $? != 2 ]; then
  $PY tests/integration/check_imagej.py "$fixtures" <<<"$out" | sed 's/^ok /ok mounted /'
else
  echo "skip imagej: not installed"
fi

# 5. Read-only: writes, creates and removals get EROFS.
n=axes_cyx; mnt="$work/mnt-$n"
out=$( (echo x > "$mnt/new.tif") 2>&1; (echo x >> "$mnt/${n}_L0.tif") 2>&1; rm -f "$mnt/${n}_L0.tif" 2>&1)
[ "$(echo "$out" | grep -c 'Read-only file system')" = 3 ] && ok "writes, appends and removals get EROFS" || fail "EROFS: $out"

# 6. HTTPS with the test CA; untrusted certificate refused at mount time.
if do_mount https "$OMEFS_TEST_HTTPS/axes_2d.zarr" -o ca_file="$OMEFS_TEST_CA"; then
  /usr/bin/python3 tests/integration/check_tiff.py "$fixtures" "$mnt" axes_2d | sed 's/^ok /ok https /'
else
  fail "https mount with ca_file: $(tail -2 "$work/https.log")"
fi
mkdir -p "$work/mnt-untrusted"
msg=$("$OMEFS" -f "$OMEFS_TEST_HTTPS/axes_2d.zarr" "$work/mnt-untrusted" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$msg" | grep -q "TLS certificate not trusted" && ! grep -q "mnt-untrusted" /proc/mounts; then
  ok "untrusted certificate: exit $rc, '$msg'"
else
  fail "untrusted certificate: rc=$rc msg=$msg"
fi

# 7. Bad sources: one clear line, non-zero exit, no mount left behind.
mkdir -p "$work/bad.zarr/0" "$work/mnt-bad"
echo '{"multiscales": [' >"$work/bad.zarr/.zattrs"
for src in "$work/bad.zarr" "$OMEFS_TEST_HTTP/nope.zarr" "http://127.0.0.1:1/x.zarr"; do
  msg=$("$OMEFS" -f -o timeout=2,retries=1 "$src" "$work/mnt-bad" 2>&1); rc=$?
  if [ $rc -ne 0 ] && [ "$(echo "$msg" | wc -l)" = 1 ] && echo "$msg" | grep -q "$src" && ! grep -q "mnt-bad" /proc/mounts; then
    ok "bad source: $msg"
  else
    fail "bad source $src: rc=$rc msg=$msg"
  fi
done
"$OMEFS" -o no_such_option "$work/bad.zarr" "$work/mnt-bad" >/dev/null 2>&1
[ $? = 2 ] && ok "unknown option: exit status 2" || fail "unknown option exit status"

# 8. Server down mid-mount: EIO within the bound, the daemon keeps serving, then recovery.
if do_mount faults "$OMEFS_TEST_HTTP/odd_700x900.zarr" -o timeout=2,retries=1,cache_dir="$work/cache-faults"; then
  f="$mnt/odd_700x900_L0.tif"
  head -c 4096 "$f" >/dev/null   # header: generated, no server needed
  nginx_set mode=down
  t0=$(date +%s.%N)
  dd if="$f" bs=65536 skip=10 count=1 of=/dev/null status=none 2>"$work/dd.err"; rc=$?
  dt=$(echo "$(date +%s.%N) - $t0" | bc)
  bound=8  # (retries+1) x timeout + backoff
  if [ $rc -ne 0 ] && grep -q "Input/output error" "$work/dd.err" && [ "$(echo "$dt < $bound" | bc)" = 1 ]; then
    ok "server down: EIO after ${dt}s (bound ${bound}s)"
  else
    fail "server down: rc=$rc after ${dt}s: $(cat "$work/dd.err")"
  fi
  grep -q "odd_700x900" "$work/faults.log" && ok "the failure is logged with its URL" || fail "no log line"
  nginx_set mode=none
  sleep 5.5 # a chunk that failed fails at once for 5 s (chunk_cache.c), then is fetched again
  ref="$work/ref-odd_700x900/odd_700x900_L0.tif"
  if cmp -s <(dd if="$f" bs=65536 skip=10 count=1 status=none) <(dd if="$ref" bs=65536 skip=10 count=1 status=none); then
    ok "server back (and the failures' 5 s past): the same read succeeds with the right bytes"
  else
    fail "no recovery after the server came back"
  fi
else
  fail "mount for fault test"
fi

# 9. A relative local path keeps working after the daemon changes directory (not read as fill).
n=axes_2d
relsrc=$(realpath --relative-to="$PWD" "$fixtures/$n.zarr")
mnt="$work/mnt-rel"; mkdir -p "$mnt"
"$OMEFS" "$relsrc" "$mnt" 2>>"$work/rel.log"   # daemonized: chdir("/")
mounts+=("$mnt")
for _ in $(seq 100); do grep -q " $mnt fuse" /proc/mounts && break; sleep 0.05; done
/usr/bin/python3 tests/integration/check_tiff.py "$fixtures" "$mnt" "$n" | sed 's/^ok /ok daemonized relative path: /'

# 10. The fstab form "omefs#URL  MNT  fuse  ro,_netdev,..." as mount(8) runs it: mount.fuse3
#     starts `omefs URL MNT -o ...` (found on PATH, as after `make install`), daemonized.
n=axes_tczyx
if command -v mount.fuse3 >/dev/null; then
  mkdir -p "$work/bin" "$work/mnt-fstab"
  ln -sf "$OMEFS" "$work/bin/omefs"
  mounts+=("$work/mnt-fstab")
  if PATH="$work/bin:$PATH" mount.fuse3 "omefs#$OMEFS_TEST_HTTP/$n.zarr" "$work/mnt-fstab" \
       -o ro,_netdev,timeout=10,cache_dir=none 2>"$work/fstab.log"; then
    same=1
    for f in "$work/ref-$n"/*.tif; do cmp -s "$f" "$work/mnt-fstab/$(basename "$f")" || same=0; done
    opts=$(grep " $work/mnt-fstab " /proc/mounts | awk '{print $3, $4}')
    [ $same = 1 ] && [[ "$opts" == "fuse.omefs ro,"* ]] &&
      ok "fstab form through mount.fuse3: a read-only fuse.omefs mount, identical files" ||
      fail "fstab form: '$opts', identical=$same"
    fusermount3 -u "$work/mnt-fstab" && ! grep -q " $work/mnt-fstab " /proc/mounts &&
      ok "fstab form: fusermount3 -u unmounts" || fail "fstab form: still mounted"
  else
    fail "fstab form: $(cat "$work/fstab.log")"
  fi
else
  echo "skip fstab form: mount.fuse3 missing"
fi

# 11. Label images (OME-NGFF labels/) in the folder "labels"; one listed but missing is left out
#     with a warning; an image without labels has no such folder.
n=with_labels
if do_mount labels "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir=none; then
  got=$(ls "$mnt/labels" | tr '\n' ' ')
  [ "$got" = "cells.ome.tif cells.preview.png cells_L0.tif cells_L1.tif nuclei.ome.tif nuclei.preview.png nuclei_L0.tif " ] &&
    ok "labels: folder labels/ holds $got" || fail "labels: labels/ holds '$got'"
  grep -q "label missing left out" "$work/labels.log" && ok "labels: the missing label is left out with a warning" ||
    fail "labels: no warning for the missing label: $(tail -2 "$work/labels.log")"
  $PY - "$fixtures" "$mnt" <<'PY'
import os, sys
import numpy as np
import tifffile
fixtures, mnt = sys.argv[1], sys.argv[2]
exp = os.path.join(fixtures, "expected", "with_labels", "labels")
bad = 0
with tifffile.TiffFile(os.path.join(mnt, "labels", "cells.ome.tif")) as tf:
    for k, lev in enumerate(tf.series[0].levels):
        want = np.fromfile(os.path.join(exp, "cells_L%d.raw" % k), "<u4")
        if not np.array_equal(lev.asarray().ravel(), want):
            print("FAIL labels: cells.ome.tif level %d differs" % k); bad += 1
want = np.fromfile(os.path.join(exp, "nuclei_L0.raw"), "u1")
if not np.array_equal(tifffile.imread(os.path.join(mnt, "labels", "nuclei_L0.tif")).ravel(), want):
    print("FAIL labels: nuclei_L0.tif differs"); bad += 1
if not bad:
    print("ok labels: cells (uint32, 2 levels) and nuclei (uint8) pixel-exact against zarr-python")
PY
  do_unmount "$mnt" "$mnt_pid"
else
  fail "labels mount: $(tail -2 "$work/labels.log")"
fi
if do_mount nolabels "$OMEFS_TEST_HTTP/axes_2d.zarr" -o cache_dir=none; then
  [ -e "$mnt/labels" ] && fail "labels: a folder for an image without labels" ||
    ok "labels: no labels folder for an image without labels"
  do_unmount "$mnt" "$mnt_pid"
fi
