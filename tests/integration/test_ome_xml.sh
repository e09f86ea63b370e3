#!/usr/bin/env bash
# The OME-XML in IFD0 of every NAME.ome.tif a mount shows, validated by xmllint against the OME
# 2016-06 schema (as Bio-Formats reads it): images, label images, plate fields and
# bioformats2raw collections (a mount of the fixtures folder), OMERO images and OMERO plate
# fields (the test OMERO server). A file without OME-XML must hold 64-bit integers.
source "$(dirname "$0")/../lib/integration.sh"
xsd=$repo/../shared/reference/ome-xsd/ome.xsd
if [ ! -f "$xsd" ]; then
  echo "skip ome-xml: ../shared/reference/ome-xsd is absent"; exit 0
fi
if ! command -v xmllint >/dev/null; then
  echo "skip ome-xml: xmllint is missing (make deps)"; exit 0
fi
if [ ! -f "$fixtures/manifest.json" ] || [ ! -f "$fixtures/omero/manifest.json" ]; then
  echo "skip ome-xml: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start ome-xml
export ASAN_OPTIONS=detect_leaks=0
export HOME="$work/home" XDG_CACHE_HOME="$work/xdg"
mkdir -p "$HOME"

# validate KIND FILE... → an ok line, or a FAIL line per file the schema refuses
validate() { $PY tests/integration/check_ome_xml.py "$xsd" "$work/xml" "$@"; }
tifs() { find "$@" 2>/dev/null | sort; } # find ARGS, sorted, without its complaints

# The fixtures folder: by the fixtures' names, plate*/ holds plates, series*/ collections.
if do_mount fixtures "$fixtures" -o cache_dir=none; then
  m=$mnt
  mapfile -t labels < <(tifs "$m" -path "$m/.omefs" -prune -o -name '*_labels_*.ome.tif' -print)
  mapfile -t fields < <(tifs "$m"/plate* -name '*.ome.tif' ! -name '*_labels_*')
  mapfile -t series < <(tifs "$m"/series* -name '*.ome.tif' ! -name '*_labels_*')
  mapfile -t images < <(tifs "$m" \( -path "$m/plate*" -o -path "$m/series*" -o -path "$m/.omefs" \) \
                          -prune -o -name '*.ome.tif' ! -name '*_labels_*' -print)
  validate images "${images[@]}"
  validate "label images" "${labels[@]}"
  validate "plate fields" "${fields[@]}"
  validate "collection images" "${series[@]}"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "ome-xml fixtures mount: $(tail -1 "$work/fixtures.log")"
fi

# OMERO: a dataset seen logged in (a pyramid, a float image, an 8-bit one), and a plate.
web="$OMEFS_TEST_HTTP/omero"
password=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['password'])" \
           "$fixtures/omero/manifest.json")
if OMERO_PASSWORD="$password" do_mount dataset "$web/api/v0/m/datasets/7/" \
     -o omero_user=analyst,cache_dir=none; then
  mapfile -t files < <(tifs "$mnt" -name '*.ome.tif')
  validate "OMERO images" "${files[@]}"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "ome-xml OMERO dataset mount: $(tail -1 "$work/dataset.log")"
fi
if do_mount plate "$web/webclient/?show=plate-5" -o cache_dir=none; then
  mapfile -t files < <(tifs "$mnt" -name '*.ome.tif')
  validate "OMERO plate fields" "${files[@]}"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "ome-xml OMERO plate mount: $(tail -1 "$work/plate.log")"
fi
