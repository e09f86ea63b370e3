#!/usr/bin/env bash
# make demo: writes a small sample OME-Zarr, mounts it with omefs on ./demo-mnt, lists the
# virtual files, shows what tifffile and ImageJ see in them, and unmounts.
set -uo pipefail
cd "$(dirname "$0")/.."
sample=build/demo/sample.zarr
mnt=$PWD/demo-mnt
mkdir -p build/demo "$mnt"
[ -d "$sample" ] || /usr/bin/python3 contrib/make_sample.py "$sample" >/dev/null
build/omefs -f "$sample" "$mnt" &
pid=$!
trap 'fusermount3 -u "$mnt" 2>/dev/null; wait $pid 2>/dev/null; rmdir "$mnt" 2>/dev/null' EXIT
for _ in $(seq 100); do grep -q " $mnt fuse" /proc/mounts && break; sleep 0.05; done
echo "\$ omefs $sample $mnt"
echo "\$ ls -l $mnt"
ls -l "$mnt"
echo
echo "--- tifffile (napari, scripts) ---"
/usr/bin/python3 - "$mnt" <<'PY'
import sys, tifffile
m = sys.argv[1]
with tifffile.TiffFile(m + "/sample.ome.tif") as t:
    s = t.series[0]
    print("sample.ome.tif: OME=%s axes=%s levels=%s" % (t.is_ome, s.axes, [l.shape for l in s.levels]))
    import re
    print("  channels:", re.findall(r'<Channel [^>]*Name="([^"]*)"', t.ome_metadata))
    a = s.levels[1].asarray()
    print("  level 1, channel GFP, z=2: max %d, mean %.1f" % (a[1, 2].max(), a[1, 2].mean()))
with tifffile.TiffFile(m + "/sample_L1.tif") as t:
    md = dict(t.imagej_metadata)
    luts = md.pop("LUTs", [])  # one 3 x 256 colour table per channel: shown by their top colour
    md.pop("Ranges", None)
    print("sample_L1.tif: ImageJ=%s shape=%s %s" % (t.is_imagej, t.series[0].shape, md))
    print("  channel colours (LUT tops):", ["#%02X%02X%02X" % tuple(int(v) for v in l[:, -1])
                                             for l in luts])
PY
echo
echo "--- ImageJ 1.x (headless) ---"
if [ -f /usr/share/java/ij.jar ]; then
  mkdir -p build/java
  javac -cp /usr/share/java/ij.jar -d build/java tests/integration/ImageJProbe.java 2>/dev/null
  timeout 60 java -Djava.awt.headless=true -cp /usr/share/java/ij.jar:build/java ImageJProbe "$mnt"/sample_L*.tif 2>/dev/null
else
  echo "(ImageJ is not installed here: apt-get install imagej, or make test, which installs it;"
  echo " then File > Open $mnt/sample_L1.tif while mounted)"
fi
echo
echo "\$ fusermount3 -u $mnt"
