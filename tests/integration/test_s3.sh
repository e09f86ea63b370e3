#!/usr/bin/env bash
# S3 sources against a real S3-compatible server (npm s3rver on 127.0.0.1, pinned in
# tests/js): Zarr v2, v3 and sharded v3 fixtures uploaded to a bucket and mounted as
# s3://bucket/NAME.zarr, anonymously and with SigV4 credentials from the environment or a
# profile; a prefix and a bucket's root holding images as a folder per image (a listing of two
# signed pages against the shared SigV4 test server when present); identical bytes to the library's files; clear errors for a wrong key (access denied,
# naming the object, never the secret), a missing bucket and a missing profile. s3rver answers
# suffix ranges wrongly, which omefs detects and corrects (sharded indexes sit at the end).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
source tests/lib/mount.sh
fixtures=${OMEFS_FIXTURES:-$repo/build/fixtures}
OMEFS=${OMEFS_BIN:-$repo/build/asan/omefs}
S3RVER=$repo/tests/js/node_modules/.bin/s3rver
if [ ! -x "$S3RVER" ]; then
  echo "skip s3: s3rver not installed (make deps runs npm ci in tests/js)"; exit 0
fi
work=$(mktemp -d /tmp/omefs-s3-XXXXXX)
s3pid= kpid=
cleanup() {
  mount_cleanup
  [ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null && wait "$s3pid" 2>/dev/null
  [ -n "$kpid" ] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
export ASAN_OPTIONS=detect_leaks=0
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION \
  AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
export HOME="$work/home" XDG_CACHE_HOME="$work/xdg"
mkdir -p "$HOME" "$work/s3"

port=$(/usr/bin/python3 tests/lib/free_port.py 1)
NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$work/s3" -a 127.0.0.1 -p "$port" \
  --configure-bucket bucket --silent >"$work/s3rver.log" 2>&1 &
s3pid=$!
ep="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -s -o /dev/null "$ep/bucket" && break; sleep 0.1; done
upload() { # FIXTURE [PREFIX/]
  (cd "$fixtures" && find "$1.zarr" -type f) | while read -r f; do
    curl -sf -X PUT --data-binary @"$fixtures/$f" "$ep/bucket/${2:-}$f" -o /dev/null || echo "upload $f failed"
  done
}
names=(seq_czyx v05_czyx_blosc v05_sharded_end v05_sharded_start)
for n in "${names[@]}"; do
  upload "$n"
  mkdir -p "$work/ref-$n"
  build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$work/ref-$n" 7 >/dev/null 2>&1
done

same_files() { # mount dir, name → 0 when every file equals the library's
  local f rc=0
  for f in "$work/ref-$2"/*.tif; do cmp -s "$1/$(basename "$f")" "$f" || rc=1; done
  return $rc
}

# anonymous
for n in "${names[@]}"; do
  if do_mount "anon-$n" "s3://bucket/$n.zarr" -o endpoint="$ep",no_sign,timeout=5; then
    same_files "$mnt" "$n" && ok=1 || ok=0
    [ $ok = 1 ] && echo "ok s3 anonymous $n: every file identical" || echo "FAIL s3 anonymous $n: files differ: $(grep -v "^$" "$work/anon-$n.log" | tail -2)"
    # the mounted files judged by tifffile (every pixel) and ImageJ
    /usr/bin/python3 tests/integration/check_tiff.py "$fixtures" "$mnt" "$n" | sed 's/^ok /ok s3 /'
    if [ -f /usr/share/java/ij.jar ] && [ -f build/java/ImageJProbe.class ]; then
      timeout 120 java -Djava.awt.headless=true -cp /usr/share/java/ij.jar:build/java ImageJProbe \
        "$mnt"/*_L*.tif 2>/dev/null | /usr/bin/python3 tests/integration/check_imagej.py "$fixtures" \
        | sed 's/^ok /ok s3 /'
    fi
    do_unmount "$mnt" "$mnt_pid"
  else
    echo "FAIL s3 anonymous mount $n: $(tail -2 "$work/anon-$n.log")"
  fi
done

# a zipped OME-Zarr (.ozx) as one object, read by ranges; and listed beside .zarr folders
zipped_object() { # ARCHIVE FOLDER NAME: uploaded as zipped/NAME.ozx, mounted, each file as unzipped
  curl -sf -X PUT --data-binary @"$fixtures/$1" "$ep/bucket/zipped/$3.ozx" -o /dev/null
  mkdir -p "$work/ref-$3"
  build/asan/tools/vtiff_dump "$fixtures/$2" "$3" "$work/ref-$3" 7 >/dev/null 2>&1
  if do_mount "ozx-$3" "s3://bucket/zipped/$3.ozx" -o endpoint="$ep",no_sign,timeout=5,cache_dir=none; then
    same_files "$mnt" "$3" && echo "ok s3 zipped $3.ozx ($1): every file identical to the unzipped image's" ||
      echo "FAIL s3 zipped $3.ozx: files differ: $(tail -2 "$work/ozx-$3.log")"
    do_unmount "$mnt" "$mnt_pid"
  else
    echo "FAIL s3 zipped $3.ozx mount: $(tail -2 "$work/ozx-$3.log")"
  fi
}
if [ -f "$fixtures/v05_sharded.ozx" ]; then
  upload v05_sharded_end zipped/
  zipped_object v05_sharded.ozx v05_sharded_end.zarr img
  if do_mount ozxdir "s3://bucket/zipped" -o endpoint="$ep",no_sign,timeout=5,cache_dir=none; then
    got=$(ls "$mnt" | tr '\n' ' ')
    [ "$got" = "img v05_sharded_end " ] && same_files "$mnt/img" img &&
      echo "ok s3 prefix with an .ozx beside a .zarr: $got, the archive's files identical" ||
      echo "FAIL s3 prefix with an .ozx: '$got' $(tail -2 "$work/ozxdir.log")"
    do_unmount "$mnt" "$mnt_pid"
  else
    echo "FAIL s3 zipped prefix mount: $(tail -2 "$work/ozxdir.log")"
  fi
  if [ -f "$fixtures/v06_image.ozx" ]; then # OME-Zarr 0.6, zipped
    zipped_object v06_image.ozx v06/image.ome.zarr img6
    curl -sf -X DELETE "$ep/bucket/zipped/img6.ozx" -o /dev/null
  fi
  # gone again, so the bucket's root lists what it did
  curl -sf -X DELETE "$ep/bucket/zipped/img.ozx" -o /dev/null
  (cd "$fixtures" && find v05_sharded_end.zarr -type f) | while read -r f; do
    curl -sf -X DELETE "$ep/bucket/zipped/$f" -o /dev/null
  done
fi

# signed with credentials from the environment, then from a profile
n=v05_sharded_end
if AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER do_mount env "s3://bucket/$n.zarr" -o endpoint="$ep"; then
  same_files "$mnt" "$n" && echo "ok s3 signed (environment): identical" || echo "FAIL s3 signed (environment)"
  do_unmount "$mnt" "$mnt_pid"
else
  echo "FAIL s3 signed mount: $(tail -2 "$work/env.log")"
fi
# the endpoint from the environment, as the AWS tools take it
if AWS_ENDPOINT_URL="$ep" do_mount envep "s3://bucket/$n.zarr" -o no_sign; then
  same_files "$mnt" "$n" && echo "ok s3 endpoint from \$AWS_ENDPOINT_URL: identical" ||
    echo "FAIL s3 endpoint from the environment: files differ"
  do_unmount "$mnt" "$mnt_pid"
else
  echo "FAIL s3 endpoint from the environment: $(tail -2 "$work/envep.log")"
fi
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = WRONG\naws_secret_access_key = x\n\n[lab]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$HOME/.aws/credentials"
if do_mount profile "s3://bucket/$n.zarr" -o endpoint="$ep",profile=lab; then
  same_files "$mnt" "$n" && echo "ok s3 signed (profile lab): identical" || echo "FAIL s3 signed (profile)"
  do_unmount "$mnt" "$mnt_pid"
else
  echo "FAIL s3 profile mount: $(tail -2 "$work/profile.log")"
fi

# clear errors, never a secret
mkdir -p "$work/mnt-x"
expect_error() { # description, pattern, command...
  local what=$1 pattern=$2; shift 2
  local msg rc
  msg=$("$@" 2>&1); rc=$?
  if [ $rc -ne 0 ] && echo "$msg" | grep -q -- "$pattern" && ! echo "$msg" | grep -q "s3cr3t-VALUE"; then
    echo "ok s3 $what: '$msg'"
  else
    echo "FAIL s3 $what: rc=$rc '$msg'"
  fi
}
expect_error "wrong key" "s3://bucket/$n.zarr/.zattrs: access denied (InvalidAccessKeyId)" \
  env AWS_ACCESS_KEY_ID=NOSUCHKEY AWS_SECRET_ACCESS_KEY=s3cr3t-VALUE \
  "$OMEFS" -f "s3://bucket/$n.zarr" "$work/mnt-x" -o endpoint="$ep",cache_dir=none
expect_error "missing bucket" "s3://nobucket/a.zarr/.zattrs: no such bucket" \
  "$OMEFS" -f s3://nobucket/a.zarr "$work/mnt-x" -o endpoint="$ep",no_sign,cache_dir=none
expect_error "missing profile" 'profile "nope" not found' \
  "$OMEFS" -f "s3://bucket/$n.zarr" "$work/mnt-x" -o endpoint="$ep",profile=nope
expect_error "bad bucket name" "not a valid S3 bucket name" \
  "$OMEFS" -f "s3://B/x.zarr" "$work/mnt-x" -o endpoint="$ep"

# A prefix holding images is mounted as a folder per image (ListObjectsV2, delimiter "/").
upload with_labels lab/
upload axes_cyx lab/
curl -sf -X PUT --data-binary "notes" "$ep/bucket/lab/readme.txt" -o /dev/null
if do_mount lab s3://bucket/lab -o endpoint="$ep",no_sign,cache_dir="$work/lab-cache"; then
  got=$(ls "$mnt" | tr '\n' ' ')
  [ "$got" = "axes_cyx with_labels " ] && echo "ok s3 prefix: a folder per image ($got)" ||
    echo "FAIL s3 prefix: shows '$got'"
  /usr/bin/python3 tests/integration/check_tiff.py "$fixtures" "$mnt/axes_cyx" axes_cyx | tail -1 |
    sed 's/^ok /ok s3 prefix: /'
  [ -f "$mnt/with_labels/with_labels_labels_cells.ome.tif" ] &&
    echo "ok s3 prefix: an image's labels beside it" || echo "FAIL s3 prefix: no labels"
  cp "$mnt/axes_cyx/axes_cyx_L0.tif" "$work/lab-kept.tif"
  do_unmount "$mnt" "$mnt_pid"
  # offline, from the disk cache, the server stopped: the same folders, the file read before
  kill "$s3pid" 2>/dev/null; wait "$s3pid" 2>/dev/null; s3pid=
  if do_mount lab-offline s3://bucket/lab -o endpoint="$ep",no_sign,cache_dir="$work/lab-cache",offline; then
    got=$(ls "$mnt" | tr '\n' ' ')
    [ "$got" = "axes_cyx with_labels " ] && cmp -s "$mnt/axes_cyx/axes_cyx_L0.tif" "$work/lab-kept.tif" &&
      echo "ok s3 prefix offline, server stopped: the same folders and the file read before" ||
      echo "FAIL s3 prefix offline: '$got' or the file differs"
    do_unmount "$mnt" "$mnt_pid"
  else
    echo "FAIL s3 prefix offline mount: $(tail -2 "$work/lab-offline.log")"
  fi
  NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$work/s3" -a 127.0.0.1 -p "$port" \
    --configure-bucket bucket --silent >>"$work/s3rver.log" 2>&1 &
  s3pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "$ep/bucket" && break; sleep 0.1; done
else
  echo "FAIL s3 prefix mount: $(tail -2 "$work/lab.log")"
fi
if AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER do_mount bucket s3://bucket -o endpoint="$ep",cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  inner=$(ls "$mnt/lab" | tr '\n' ' ')
  [ "$got" = "lab seq_czyx v05_czyx_blosc v05_sharded_end v05_sharded_start " ] &&
    [ "$inner" = "axes_cyx with_labels " ] && cmp -s "$mnt/lab/axes_cyx/axes_cyx_L0.tif" "$work/lab-kept.tif" &&
    echo "ok s3 bucket root, signed: the images at the top and the prefix lab/ as a folder of its own ($got; lab/: $inner)" ||
    echo "FAIL s3 bucket root: '$got', lab/ '$inner'"
  do_unmount "$mnt" "$mnt_pid"
else
  echo "FAIL s3 bucket mount: $(tail -2 "$work/bucket.log")"
fi

# Listings that take several pages, signed, against a server that verifies SigV4 like S3 (the
# shared test kit; skipped where it is absent): 1001 images, two pages of 1000.
kit="$repo/../shared/testkit/s3_sigv4_server.py"
if [ -f "$kit" ]; then
  mkdir -p "$work/kit/pages/many"
  for i in $(seq -w 0 1000); do mkdir -p "$work/kit/pages/many/img$i.zarr"; echo '{}' >"$work/kit/pages/many/img$i.zarr/.zattrs"; done
  kport=$(/usr/bin/python3 tests/lib/free_port.py 1)
  /usr/bin/python3 "$kit" "$work/kit" "$kport" AKID s3cr3t-VALUE >"$work/kit.log" 2>&1 &
  kpid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$kport/" && break; sleep 0.1; done
  if AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY=s3cr3t-VALUE do_mount pages s3://pages/many -o endpoint="http://127.0.0.1:$kport",cache_dir=none; then
    n=$(ls "$mnt" | wc -l)
    [ "$n" = 1001 ] && [ "$(ls "$mnt" | tail -1)" = img1000 ] &&
      echo "ok s3 listing of 1001 images in 2 signed pages (continuation token in the signed query)" ||
      echo "FAIL s3 paged listing: $n folders"
    do_unmount "$mnt" "$mnt_pid"
  else
    echo "FAIL s3 paged listing mount: $(tail -2 "$work/pages.log")"
  fi
  kill "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null; kpid=
else
  echo "skip s3 paged listing: $kit absent (../shared is not in this clone)"
fi
