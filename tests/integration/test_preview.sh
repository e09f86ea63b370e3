#!/usr/bin/env bash
# NAME.preview.png through real mounts over a real nginx: each image's preview pixel-checked by
# check_preview.py against a composite computed from the source arrays, read by libvips too,
# its stat size equal to the bytes read; a multi-level image larger than the preview read from
# the one level chosen (every chunk of its middle-Z plane per channel, once, and nothing of the
# other levels, counted in nginx's log); listing with sizes (ls -l) fetches no pixels.
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/plate.json" ]; then
  echo "skip preview: fixtures missing (make fixtures)"; exit 0
fi
# The served root: some fixtures, and an image larger than the preview written here.
root=$(mktemp -d /tmp/omefs-preview-root-XXXXXX)
for n in axes_cyx axes_tczyx odd_700x900 with_labels dtype_i2le dtype_f4be fill_nan plate; do ln -s "$fixtures/$n.zarr" "$root/"; done
$PY - "$root/big.zarr" <<'PY' || { echo "FAIL preview: could not write big.zarr"; rm -rf "$root"; exit 1; }
import sys
import numpy as np
import zarr
rng = np.random.default_rng(7)
root = zarr.group(store=zarr.DirectoryStore(sys.argv[1]), overwrite=True)
data = rng.gamma(2.0, 300.0, size=(3, 3, 1800, 2200)).astype("<u2")   # c, z, y, x
ds = []
for k in range(3):
    root.create_dataset(str(k), data=data, chunks=(1, 1, 256, 256), compressor=None)
    ds.append({"path": str(k), "coordinateTransformations": [
        {"type": "scale", "scale": [1, 1, 2.0 ** k, 2.0 ** k]}]})
    data = data[:, :, ::2, ::2]
axes = [{"name": "c", "type": "channel"}] + [{"name": a, "type": "space"} for a in "zyx"]
root.attrs.put({"multiscales": [{"version": "0.4", "axes": axes, "datasets": ds}],
                "omero": {"channels": [{"color": "FF00FF", "window": {"start": 200, "end": 1500}},
                                       {"color": "00FF00"}, {"color": "00FFFF"}]}})
# one level of 10 MB, no omero: read in bands, its window from a histogram of every pixel
flat = zarr.group(store=zarr.DirectoryStore(sys.argv[1].replace("big", "flat")), overwrite=True)
flat.create_dataset("0", data=rng.gamma(3.0, 200.0, size=(2000, 2600)).astype("<u2"),
                    chunks=(256, 256), compressor=None)
flat.attrs.put({"multiscales": [{"version": "0.4", "datasets": [{"path": "0",
    "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]}],
    "axes": [{"name": a, "type": "space"} for a in "yx"]}]})
PY
real_fixtures=$fixtures
fixtures=$root
mount_test_start preview
fixtures=$real_fixtures
trap 'mount_cleanup; nginx_stop; rm -rf "$work" "$root"' EXIT INT TERM
export ASAN_OPTIONS=detect_leaks=0

# Chunk requests (not metadata) of PATH in nginx's log since line $1.
chunk_gets() { log_since "$1" | grep -oE "GET /$2/[^ ]*" | grep -vE '\.z(attrs|array|group)$|zarr\.json$'; }

# 1. The big image: ls -l fetches nothing; the preview reads level 1 only, each chunk once.
start=$(log_lines)
if do_mount big "$OMEFS_TEST_HTTP/big.zarr" -o cache_dir=none; then
  ls -l "$mnt" >"$work/ls.out"
  n=$(chunk_gets "$start" big.zarr | wc -l)
  grep -q " big.preview.png$" "$work/ls.out" && [ "$n" = 0 ] &&
    ok "preview: ls -l of an image mount shows big.preview.png ($(awk '/preview/ {print $5}' "$work/ls.out") bytes) and fetches no chunk" ||
    fail "preview: ls -l listed '$(tr '\n' ' ' <"$work/ls.out")', $n chunks fetched"
  start=$(log_lines)
  $PY tests/integration/check_preview.py "$root/big.zarr" "$mnt/big.preview.png" big
  chunk_gets "$start" big.zarr >"$work/gets"
  # level 1 is 900 rows of 1100 in 256-pixel chunks: 4 x 5 per channel, of the middle plane z=1
  want=$(for c in 0 1 2; do for y in 0 1 2 3; do for x in 0 1 2 3 4; do
    echo "GET /big.zarr/1/$c.1.$y.$x"; done; done; done | sort | tr '\n' ' ')
  got=$(sort "$work/gets" | tr '\n' ' ')
  [ "$got" = "$want" ] && ok "preview: reading big.preview.png fetched the 60 chunks of level 1's middle plane, each once, nothing else" ||
    fail "preview: fetched $(wc -l <"$work/gets") chunks: $(sort "$work/gets" | uniq -c | head -5 | tr '\n' ' ')"
  start=$(log_lines)
  cat "$mnt/big.preview.png" >/dev/null
  n=$(chunk_gets "$start" big.zarr | wc -l)
  [ "$n" = 0 ] && ok "preview: a second read is served without a fetch" || echo "note preview: a second read fetched $n chunks"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "preview: mount big: $(tail -2 "$work/big.log")"
fi

# 2. An image without a pyramid, larger than a band: its preview reads each chunk once.
if do_mount flat "$OMEFS_TEST_HTTP/flat.zarr" -o cache_dir=none; then
  start=$(log_lines)
  $PY tests/integration/check_preview.py "$root/flat.zarr" "$mnt/flat.preview.png" flat
  n=$(chunk_gets "$start" flat.zarr | wc -l); u=$(chunk_gets "$start" flat.zarr | sort -u | wc -l)
  [ "$n" = 88 ] && [ "$u" = 88 ] && ok "preview: a one-level image read in bands fetched each of its 88 chunks once" ||
    fail "preview: flat fetched $n chunks ($u distinct), expected 88"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "preview: mount flat: $(tail -2 "$work/flat.log")"
fi

# 3. Fixtures with omero windows, several channels, T and Z, none: each checked.
for n in axes_cyx axes_tczyx odd_700x900 with_labels dtype_i2le dtype_f4be fill_nan; do
  if do_mount "$n" "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir=none; then
    $PY tests/integration/check_preview.py "$root/$n.zarr" "$mnt/$n.preview.png" "$n"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "preview: mount $n: $(tail -2 "$work/$n.log")"
  fi
done

# 4. A plate: every field has its preview; ls -l of a well fetches no pixels; the plate's
# picture at its root (listed without opening a well) shows each well's first field.
if do_mount plate "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir=none; then
  start=$(log_lines)
  ls -l "$mnt" >"$work/ls.out"
  n=$(log_since "$start" | grep -c 'GET /plate.zarr/[A-Z]/')
  [ "$n" = 0 ] && grep -q " plate.preview.png$" "$work/ls.out" &&
    ok "preview: ls -l of a plate lists plate.preview.png and opens no well" ||
    fail "preview: ls -l of the plate: $n well requests; '$(tr '\n' ' ' <"$work/ls.out")'"
  $PY tests/integration/check_preview.py --plate "$root/plate.zarr" "$mnt/plate.preview.png" plate
  start=$(log_lines)
  ls -l "$mnt/A1" >"$work/ls.out"
  n=$(chunk_gets "$start" plate.zarr | wc -l)
  [ "$n" = 0 ] && grep -q " A1_0.preview.png$" "$work/ls.out" && grep -q " A1_1.preview.png$" "$work/ls.out" &&
    ok "preview: ls -l of a well lists each field's preview and fetches no chunk" ||
    fail "preview: ls -l of A1: $n chunks fetched; $(grep -c preview "$work/ls.out") previews"
  $PY tests/integration/check_preview.py "$root/plate.zarr/A/1/1" "$mnt/A1/A1_1.preview.png" "plate field A1_1"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "preview: mount plate: $(tail -2 "$work/plate.log")"
fi

# 5. Eight readers at once of a preview not yet rendered: the same bytes for each, each chunk
# fetched once (the picture is rendered once, the others wait for it).
if do_mount conc "$OMEFS_TEST_HTTP/big.zarr" -o cache_dir=none; then
  start=$(log_lines)
  readers=()
  for i in 1 2 3 4 5 6 7 8; do
    dd if="$mnt/big.preview.png" of="$work/c$i" bs=$((i * 4096)) status=none & readers+=($!)
  done
  wait "${readers[@]}"
  same=1
  for i in 1 2 3 4 5 6 7 8; do cmp -s "$work/c1" "$work/c$i" || same=0; done
  n=$(chunk_gets "$start" big.zarr | wc -l)
  [ $same = 1 ] && [ "$(stat -c %s "$work/c1")" = "$(stat -c %s "$mnt/big.preview.png")" ] && [ "$n" = 60 ] &&
    ok "preview: eight readers at once got the same $(stat -c %s "$work/c1") bytes; its 60 chunks fetched once" ||
    fail "preview: concurrent readers: same=$same, $n chunk requests"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "preview: mount conc: $(tail -2 "$work/conc.log")"
fi
