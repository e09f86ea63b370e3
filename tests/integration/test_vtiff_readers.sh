#!/usr/bin/env bash
# Writes every virtual TIFF of every fixture to disk through ome_vtiff_read (random-sized pieces
# in random order) and judges them with independent readers: tifffile (every pixel against
# zarr-python), libtiff's tiffinfo and tiffdump (no errors or warnings), libvips' vipsheader,
# and ImageJ 1.53t headless (dimensions, bit depth, calibration, a pixel value).
set -uo pipefail
cd "$(dirname "$0")/../.."
fixtures=${OMEFS_FIXTURES:-build/fixtures}
out=$(mktemp -d /tmp/omefs-vtiff-XXXXXX)
trap 'rm -rf "$out"' EXIT
names=$(/usr/bin/python3 -c "import json,sys; print(' '.join(f['name'] for f in json.load(open('$fixtures/manifest.json'))))")
seed=1
for n in $names; do
  seed=$((seed + 1))
  if ! build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$out" "$seed" >"$out/$n.dump.log" 2>&1; then
    echo "FAIL dump $n: $(tail -3 "$out/$n.dump.log")"; continue
  fi
  /usr/bin/python3 tests/integration/check_tiff.py "$fixtures" "$out" "$n" || true
done
# libtiff: no errors or warnings on any file, except that it does not know ImageJ's registered
# private tags (50838/50839, per-channel display settings), as for ImageJ's own files
lt_bad=0
ij_tags='Unknown field with tag 5083[89] '
for f in "$out"/*.tif; do
  msgs=$( (tiffinfo -D "$f" 2>&1 >/dev/null; tiffdump "$f" 2>&1 >/dev/null) | grep -v "$ij_tags")
  if [ -n "$msgs" ]; then
    echo "FAIL libtiff $(basename "$f"): $(echo "$msgs" | head -2)"; lt_bad=1
  fi
done
[ $lt_bad = 0 ] && echo "ok libtiff: tiffinfo and tiffdump read $(ls "$out"/*.tif | wc -l) files without warnings"
# libvips (it has no 64-bit sample types: those files are exempt)
v_bad=0
for f in "$out"/*.tif; do
  case "$(basename "$f")" in dtype_[uif]8*|fill_inf*|*_f8*) continue ;; esac
  if ! vipsheader "$f" >/dev/null 2>"$out/vips.err"; then
    echo "FAIL vipsheader $(basename "$f"): $(head -2 "$out/vips.err")"; v_bad=1
  fi
done
for f in "$out"/*.ome.tif; do
  case "$(basename "$f")" in dtype_[uif]8*|fill_inf*|*_f8*) continue ;; esac
  n=$(basename "$f" .ome.tif)
  levels=$(/usr/bin/python3 -c "import json; print(len([x for x in json.load(open('$fixtures/manifest.json')) if x['name']=='$n'][0]['levels']))")
  if [ "$levels" -gt 1 ] && ! vipsheader "$f[subifd=0]" >/dev/null 2>&1; then
    echo "FAIL vipsheader $(basename "$f")[subifd=0]"; v_bad=1
  fi
done
[ $v_bad = 0 ] && echo "ok libvips: vipsheader opens every file and the SubIFD levels"
# ImageJ 1.53t headless
IJ_JAR=/usr/share/java/ij.jar
if [ -f "$IJ_JAR" ] && command -v javac >/dev/null; then
  mkdir -p build/java
  javac -cp "$IJ_JAR" -d build/java tests/integration/ImageJProbe.java 2>&1 | grep -v '^Note' || true
  timeout 300 java -Djava.awt.headless=true -cp "$IJ_JAR:build/java" ImageJProbe "$out"/*_L*.tif \
    >"$out/imagej.out" 2>"$out/imagej.err"
  /usr/bin/python3 tests/integration/check_imagej.py "$fixtures" <"$out/imagej.out" || true
else
  echo "skip imagej: $IJ_JAR or javac not installed (make deps)"
fi
