#!/usr/bin/env bash
# OMERO images, datasets, plates, projects and screens through real mounts, against the test
# OMERO server (tests/lib/omero_server.lua in the test nginx): the web-client addresses users
# copy; a dataset as a folder per image, a plate as a folder per well, a project and a screen
# as folders of those, listed page by page, and listed again offline from the disk cache; the public user's session cookie carried to the
# pixel service; a login with OMERO_PASSWORD and its session key; pyramid levels from
# zoomLevelScaling and from "resolutions"; a pixel type found only in the JSON API; every pixel
# judged by tifffile and ImageJ against the server's planes; one tile request per chunk; an
# expired session renewed mid-read; the disk cache serving a later mount offline with the server
# down; clear one-line errors (private image, wrong password, 1-bit pixels, no such image, not an
# OMERO server, no pixel service) with exit status 1.
source "$(dirname "$0")/../lib/integration.sh"
omero=$fixtures/omero
if [ ! -f "$omero/manifest.json" ]; then
  echo "skip omero: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start omero
export ASAN_OPTIONS=detect_leaks=0
export HOME="$work/home" XDG_CACHE_HOME="$work/xdg"
unset OMERO_PASSWORD
mkdir -p "$HOME"

web="$OMEFS_TEST_HTTP/omero"
password=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['password'])" "$omero/manifest.json")

# 1. The public pyramid, by each form of address: the same files; every pixel; ImageJ.
first=""
k=0
for addr in "$web/webclient/img_detail/1/" "$web/webclient/?show=image-1" \
            "$web/iviewer/?images=1&dataset=5" "$web/webgateway/img_detail/1/?c=1" \
            "$OMEFS_TEST_HTTPS/omero/api/v0/m/images/1/"; do
  name="address ${addr#"$OMEFS_TEST_HTTP"}"
  k=$((k + 1))
  if do_mount "addr$k" "$addr" -o cache_dir=none,ca_file="$OMEFS_TEST_CA"; then
    if [ -z "$first" ]; then
      first="$work/first"; mkdir -p "$first"; cp "$mnt"/image-1* "$first"/
      $PY tests/integration/check_omero.py tiff "$omero" "$mnt" 1
      if out=$(imagej_probe "$mnt/image-1_L0.tif") || [ $? != 2 ]; then
        $PY tests/integration/check_omero.py imagej "$omero" 1 <<<"$out"
      else
        echo "skip omero imagej: ImageJ or the probe is missing"
      fi
      ok "omero $name: mounted as $(cd "$mnt" && ls | tr '\n' ' ')"
    else
      same=1
      for f in "$first"/*; do cmp -s "$f" "$mnt/$(basename "$f")" || same=0; done
      [ $same = 1 ] && ok "omero $name: the same files" || fail "omero $name: files differ"
    fi
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "omero $name: $(tail -1 "$work/addr$k.log")"
  fi
done

# 2. One tile request per chunk for a cold full read of level 0 (2 x 3 x 2 planes of 3 x 3 tiles
#    of 256 x 256), each with the public session's cookie (the pixel service refuses others).
start=$(log_lines)
if do_mount count "$web/webclient/img_detail/1/" -o cache_dir=none; then
  cat "$mnt/image-1_L0.tif" >/dev/null
  n=$(log_since "$start" | grep -c 'GET /tile/1/[0-9]*/[0-9]*/[0-9]*?x=[0-9]*&y=[0-9]*&w=[0-9]*&h=[0-9]*&resolution=2 ')
  distinct=$(log_since "$start" | grep -oE 'GET /tile/1/[^ ]*resolution=2 ' | sort -u | wc -l)
  denied=$(log_since "$start" | grep -c '"GET /tile/[^"]*" 403')
  [ "$n" = 108 ] && [ "$distinct" = 108 ] && [ "$denied" = 0 ] &&
    ok "omero cold read of level 0: 108 tile requests for 108 chunks, none refused" ||
    fail "omero cold read: $n tile requests ($distinct distinct, $denied refused), expected 108"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero count mount: $(tail -1 "$work/count.log")"
fi

# A dataset: a folder per image the user may see ("ID_NAME"), listed through every page of the
# JSON API; no image is described before its folder is opened; a folder holds the same files as
# a mount of that image; an image that cannot be read is EIO in its folder only.
# listed NAME WANT LISTING: after mounting, $mnt holds the folders WANT, the listing took 2 pages
# (requests matching LISTING) and no image was read yet.
listed() {
  local got pages described
  got=$(ls "$mnt" | tr '\n' ' ')
  pages=$(log_since "$start" | grep -c "GET $3")
  described=$(log_since "$start" | grep -c 'GET /omero/webgateway/imgData/')
  [ "$got" = "$2" ] && [ "$pages" = 2 ] && [ "$described" = 0 ] &&
    ok "omero $1: folders $got, 2 pages listed, no image read yet" ||
    fail "omero $1: folders '$got', $pages pages, $described images read"
}
start=$(log_lines)
if do_mount dataset "$web/webclient/?show=dataset-7" -o cache_dir=none; then
  listed dataset "1_pyramid 3_odd 90_broken___not_JSON_ " /omero/api/v0/m/datasets/7/images/
  same=1
  for f in "$first"/*; do cmp -s "$f" "$mnt/1_pyramid/$(basename "$f")" || same=0; done
  [ $same = 1 ] && ok "omero dataset: 1_pyramid/ holds the files of the image's own mount" ||
    fail "omero dataset: 1_pyramid/ differs from the image's mount"
  if ls "$mnt/90_broken___not_JSON_" >/dev/null 2>&1; then
    fail "omero dataset: the broken image's folder listed"
  else
    grep -q "imgData/90/: not JSON" "$work/dataset.log" &&
      ok "omero dataset: the broken image's folder is EIO, logged" || fail "omero dataset: no log line"
  fi
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt/3_odd" 3 | sed 's/^ok omero/ok omero dataset:/'
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero dataset mount: $(tail -1 "$work/dataset.log")"
fi
if OMERO_PASSWORD="$password" do_mount dataset-user "$web/api/v0/m/datasets/7/" -o omero_user=analyst,cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  [ "$got" = "1_pyramid 2_private_float 3_odd 90_broken___not_JSON_ " ] &&
    ok "omero dataset, logged in: the private image too ($got)" || fail "omero dataset, logged in: '$got'"
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt/2_private_float" 2 | sed 's/^ok omero/ok omero dataset:/'
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero dataset-user mount: $(tail -1 "$work/dataset-user.log")"
fi

# A plate: a folder per well ("A1", from OMERO's 0-based row and column), listed page by page,
# holding its fields' files (A1_0, A1_1, …); a field is read when its well is opened.
start=$(log_lines)
if do_mount oplate "$web/webclient/?show=plate-5" -o cache_dir=none; then
  listed "plate (a folder per well)" "A1 B2 C1 " /omero/api/v0/m/plates/5/wells/
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt/A1" 1 A1_0 | sed 's/^ok omero/ok omero plate A1_0:/'
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt/A1" 3 A1_1 | sed 's/^ok omero/ok omero plate A1_1:/'
  [ -f "$mnt/C1/C1_0.ome.tif" ] && ! ls "$mnt/B2" >/dev/null 2>&1 &&
    ok "omero plate: C1 holds its field; B2, whose image is broken, is EIO" ||
    fail "omero plate: C1 or B2 wrong"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero plate mount: $(tail -1 "$work/oplate.log")"
fi

# A project: a folder per dataset the user may see, each a folder per image, listed when first
# looked into; a screen: a folder per plate, each a folder per well.
start=$(log_lines)
if do_mount project "$web/webclient/?show=project-11" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  sets=$(log_since "$start" | grep -c 'GET /omero/api/v0/m/datasets/')
  [ "$got" = "7_public_set " ] && [ "$sets" = 0 ] &&
    ok "omero project: a folder per public dataset ($got), no dataset listed yet" ||
    fail "omero project: folders '$got', $sets dataset listings"
  got=$(ls "$mnt/7_public_set" | tr '\n' ' ')
  [ "$got" = "1_pyramid 3_odd 90_broken___not_JSON_ " ] &&
    ok "omero project: 7_public_set/ holds a folder per image ($got)" ||
    fail "omero project: 7_public_set/ holds '$got'"
  same=1
  for f in "$first"/*; do cmp -s "$f" "$mnt/7_public_set/1_pyramid/$(basename "$f")" || same=0; done
  [ $same = 1 ] && ok "omero project: 7_public_set/1_pyramid/ holds the files of the image's own mount" ||
    fail "omero project: 7_public_set/1_pyramid/ differs from the image's mount"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero project mount: $(tail -1 "$work/project.log")"
fi
if OMERO_PASSWORD="$password" do_mount project-user "$web/api/v0/m/projects/11/" -o omero_user=analyst,cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  inner=$(ls "$mnt/8_private_set" 2>&1 | tr '\n' ' ')
  [ "$got" = "7_public_set 8_private_set " ] && [ "$inner" = "2_private_float " ] &&
    ok "omero project, logged in: the private dataset too ($got; 8_private_set/ holds $inner)" ||
    fail "omero project, logged in: '$got', 8_private_set/ '$inner'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero project-user mount: $(tail -1 "$work/project-user.log")"
fi
if do_mount screen "$web/webclient/?show=screen-12" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  wells=$(ls "$mnt/5_plate_five" | tr '\n' ' ')
  [ "$got" = "5_plate_five " ] && [ "$wells" = "A1 B2 C1 " ] &&
    ok "omero screen: a folder per plate ($got), each a folder per well ($wells)" ||
    fail "omero screen: '$got', wells '$wells'"
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt/5_plate_five/A1" 3 A1_1 | sed 's/^ok omero/ok omero screen A1_1:/'
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero screen mount: $(tail -1 "$work/screen.log")"
fi

# The JSON API answering 503 to every first request (discovery, listing pages, imgData): each is
# asked again, and the dataset mounts, lists and reads as before.
nginx_set omero_flaky=1
start=$(log_lines)
if do_mount flaky "$web/webclient/?show=dataset-7" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  cmp -s "$first/image-1_L2.tif" "$mnt/1_pyramid/image-1_L2.tif"; same=$?
  refused=$(log_since "$start" | grep -c '" 503 ')
  [ "$got" = "1_pyramid 3_odd 90_broken___not_JSON_ " ] && [ $same = 0 ] && [ "$refused" -ge 4 ] &&
    ok "omero with a flaky JSON API: $refused answers 503 asked again; the dataset listed and read as before" ||
    fail "omero flaky: folders '$got', file same=$same, $refused answers 503"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero flaky mount: $(tail -2 "$work/flaky.log")"
fi
nginx_set omero_flaky=0

# 3. A private image: refused to the public user with a clear message; read after a login
#    (float pixels, type from the JSON API, no physical sizes).
mkdir -p "$work/mnt-x"
"$OMEFS" -f "$web/webclient/img_detail/2/" "$work/mnt-x" -o cache_dir=none >"$work/priv.out" 2>&1
rc=$?
msg=$(cat "$work/priv.out")
if [ $rc = 1 ] && grep -q "imgData/2/" <<<"$msg" && grep -q "not visible to the public user (log in with omero_user=)" <<<"$msg"; then
  ok "omero private image, public user: exit 1, '$msg'"
else
  fail "omero private image, public user: exit $rc, '$msg'"
fi
start=$(log_lines)
if OMERO_PASSWORD="$password" do_mount login "$web/webclient/img_detail/2/" -o omero_user=analyst,cache_dir=none; then
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt" 2
  logins=$(log_since "$start" | grep -c 'POST /omero/api/v0/login/ HTTP/[0-9.]*" 200')
  [ "$logins" = 1 ] && ok "omero login: one login for the mount" || fail "omero login: $logins logins"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero login mount: $(tail -1 "$work/login.log")"
fi
# The password from -o credentials=FILE (omero_password=), $OMERO_PASSWORD unset
printf 'omero_password=%s\n' "$password" >"$work/omero-creds"
chmod 600 "$work/omero-creds"
if do_mount creds "$web/webclient/img_detail/2/" -o omero_user=analyst,cache_dir=none,credentials="$work/omero-creds"; then
  [ -s "$mnt/$(ls "$mnt" | head -1)" ] && ok "omero login with omero_password= from a credentials file" ||
    fail "omero credentials file: the mount shows '$(ls "$mnt")'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero credentials file mount: $(tail -1 "$work/creds.log")"
fi
# The password asked on the terminal when $OMERO_PASSWORD is not set (a pseudo-terminal made by
# script(1)), and not echoed.
if command -v script >/dev/null; then
  mkdir -p "$work/mnt-tty"
  (sleep 1; printf '%s\n' "$password") | timeout 60 script -qec "$OMEFS -f $web/webclient/img_detail/2/ $work/mnt-tty -o omero_user=analyst,cache_dir=none" /dev/null >"$work/tty.out" 2>&1 &
  tty_pid=$!
  for _ in $(seq 100); do grep -q " $work/mnt-tty fuse" /proc/mounts && break; sleep 0.1; done
  if grep -q " $work/mnt-tty fuse" /proc/mounts && [ -f "$work/mnt-tty/image-2.ome.tif" ] &&
     grep -q "OMERO password for analyst at " "$work/tty.out" && ! grep -qF "$password" "$work/tty.out"; then
    ok "omero password asked on the terminal, not echoed"
  else
    fail "omero password on the terminal: $(cat -v "$work/tty.out" | tail -2)"
  fi
  fusermount3 -u "$work/mnt-tty" 2>/dev/null
  wait "$tty_pid" 2>/dev/null
else
  echo "skip omero password on the terminal: script(1) missing"
fi
# 4. The session expires mid-read: omefs logs in again and the read completes.
start=$(log_lines)
if OMERO_PASSWORD="$password" do_mount expiry "$web/webclient/img_detail/2/" -o omero_user=analyst,cache_dir=none; then
  head -c 100000 "$mnt/image-2_L0.tif" >/dev/null
  nginx_set omero_epoch=1
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt" 2 | sed 's/^ok omero/ok omero after the session expired:/'
  logins=$(log_since "$start" | grep -c 'POST /omero/api/v0/login/ HTTP/[0-9.]*" 200')
  [ "$logins" = 2 ] && ok "omero expired session: logged in again once" || fail "omero expired session: $logins logins"
  nginx_set omero_epoch=0
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero expiry mount: $(tail -1 "$work/expiry.log")"
fi
if ps -eo args | grep -q "[s]3cret"; then fail "omero: the password shows in a command line"; fi

# 4b. Sessions that idle out, as OMERO's do (10 minutes; 2 s here), several times while a
#     mount reads: the public user's is renewed through OMERO.web (the microservice never makes
#     one), a logged-in user's by logging in again; every byte stays right. The OME-TIFF is
#     direct I/O and the memory cache small, so each read goes to the server.
idle_reads() { # NAME ADDRESS IMAGE [omefs options...]
  local name=$1 addr=$2 id=$3 i same=1; shift 3
  nginx_set omero_idle=2 # every session made from now on idles out after 2 s
  if do_mount "$name" "$addr" -o cache_dir=none,mem_cache=1M "$@"; then
    cp "$mnt/image-$id.ome.tif" "$work/$name.first"
    for i in 1 2 3; do
      sleep 3 # the session idles out
      cmp -s "$mnt/image-$id.ome.tif" "$work/$name.first" || same=0
    done
    nginx_set omero_idle=600
    local renewed; renewed=$(grep -c "session renewed" "$work/$name.log")
    [ $same = 1 ] && [ "$renewed" -ge 3 ] &&
      ok "omero $name: the session idled out 3 times, renewed $renewed times, every byte right" ||
      fail "omero $name: same=$same, renewed $renewed times: $(grep -i "error\|denied" "$work/$name.log" | tail -2)"
    $PY tests/integration/check_omero.py tiff "$omero" "$mnt" "$id" | sed "s/^ok omero/ok omero $name:/"
    # the renewals are counted in .omefs/stats and shown by omefs status
    local counted status
    counted=$($PY -c "import json,sys; o=json.load(open(sys.argv[1]))['omero']; print(o['sessions'], o['renewals'])" "$mnt/.omefs/stats")
    status=$("$OMEFS" status "$mnt" | grep "OMERO:")
    [ "${counted#* }" -ge 3 ] && [ "${counted% *}" -gt "${counted#* }" ] && [ -n "$status" ] &&
      ok "omero $name: .omefs/stats counts $counted sessions and renewals; omefs status:$status" ||
      fail "omero $name: sessions and renewals counted '$counted', status '$status'"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "omero $name mount: $(tail -1 "$work/$name.log")"
  fi
  nginx_set omero_idle=600
}
idle_reads idle-public "$web/webclient/img_detail/1/" 1 -o log_level=info
OMERO_PASSWORD="$password" idle_reads idle-login "$web/webclient/img_detail/2/" 2 \
  -o omero_user=analyst,log_level=info

# 4c. What real servers send that the first stand-in did not: url:base with http:// or an
#     internal host (behind a TLS proxy), a pyramid described as 5.29 does (levels floored,
#     no "resolutions"), an image without a pyramid (the service refuses "resolution"), and
#     a 1536-well plate listed in small pages.
for how in http internal; do
  nginx_set "omero_urlbase=$how"
  start=$(log_lines)
  if OMERO_PASSWORD="$password" do_mount "urlbase2-$how" "$OMEFS_TEST_HTTPS/omero/webclient/img_detail/2/" \
      -o cache_dir=none,ca_file="$OMEFS_TEST_CA",omero_user=analyst; then
    $PY tests/integration/check_omero.py tiff "$omero" "$mnt" 2 | sed "s/^ok omero/ok omero url:base $how, logged in over https:/"
    log_since "$start" | grep -q 'POST /omero/api/v0/login/ HTTP/[0-9.]*" 200' &&
      ok "omero url:base $how: logged in at the address given, not at url:base's" ||
      fail "omero url:base $how: no login seen"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "omero url:base $how: $(tail -1 "$work/urlbase2-$how.log")"
  fi
  nginx_set omero_urlbase=none
done
if do_mount floored "$web/webclient/img_detail/5/" -o cache_dir=none; then
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt" 5 | sed 's/^ok omero/ok omero 5.29 pyramid (floored levels):/'
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero floored mount: $(tail -1 "$work/floored.log")"
fi
nginx_set omero_maxlimit=200
start=$(log_lines)
if do_mount plate1536 "$web/webclient/?show=plate-9" -o cache_dir=none; then
  n=$(ls "$mnt" | wc -l)
  pages=$(log_since "$start" | grep -c "GET /omero/api/v0/m/plates/9/wells/")
  [ "$n" = 1536 ] && [ -s "$mnt/AF48/AF48_0_L2.tif" ] &&
    ok "omero 1536-well plate: $n well folders in $pages pages, AF48 readable" ||
    fail "omero 1536-well plate: $n wells, $pages pages"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero plate1536 mount: $(tail -1 "$work/plate1536.log")"
fi
nginx_set omero_maxlimit=2

# 5. Clear errors, exit 1, no mount left behind.
expect_error() { # name, expected text, omefs args...
  local name=$1 want=$2; shift 2
  mkdir -p "$work/mnt-err"
  timeout 120 "$OMEFS" -f "$@" "$work/mnt-err" >"$work/err.out" 2>&1 # a regression that mounts ends
  local rc=$? msg
  msg=$(cat "$work/err.out")
  if [ $rc = 1 ] && grep -qF "$want" <<<"$msg" && ! grep -q " $work/mnt-err fuse" /proc/mounts; then
    ok "omero $name: exit 1, '$msg'"
  else
    fail "omero $name: exit $rc, '$msg' (expected '$want')"
  fi
}
start=$(log_lines)
OMERO_PASSWORD=wrong expect_error "wrong password" "OMERO login as analyst refused" \
  "$web/webclient/img_detail/2/" -o omero_user=analyst,cache_dir=none
posts=$(log_since "$start" | grep -c 'POST /omero/api/v0/login/')
[ "$posts" = 1 ] && ok "omero wrong password: one failed login, not tried again (accounts lock)" ||
  fail "omero wrong password: $posts login POSTs for one mount"
expect_error "1-bit pixels" 'pixel type "bit" is not supported (1 bit per pixel)' \
  "$web/webclient/img_detail/4/" -o cache_dir=none
expect_error "private dataset" "the OMERO dataset 8 is not visible to the public user" \
  "$web/webclient/?show=dataset-8" -o cache_dir=none
nginx_set omero_ignore_offset=1 # every page the first: stopped at the second, not followed for hours
expect_error "a server ignoring offset" "the server ignores offset); listing stopped" \
  "$web/webclient/?show=dataset-7" -o cache_dir=none
nginx_set omero_ignore_offset=0
expect_error "no such dataset" "no OMERO dataset 99 here" "$web/webclient/?show=dataset-99" -o cache_dir=none
expect_error "no such image" "no OMERO image 99 here" "$web/webclient/img_detail/99/" -o cache_dir=none
expect_error "not an OMERO server" "not an OMERO.web server" \
  "$OMEFS_TEST_HTTP/elsewhere/webclient/img_detail/1/" -o cache_dir=none
expect_error "no pixel service" "no OMERO pixel-buffer microservice there" \
  "$web/webclient/img_detail/1/" -o cache_dir=none,omero_tiles="$OMEFS_TEST_HTTP/elsewhere"
expect_error "server down" "http://127.0.0.1:1/omero/api/: " \
  "http://127.0.0.1:1/omero/webclient/img_detail/1/" -o cache_dir=none,timeout=2

# Malformed answers from the server: clear errors, no crash.
expect_error "imgData not JSON" "imgData/90/: not JSON" "$web/webclient/img_detail/90/" -o cache_dir=none
expect_error "negative width" "imgData/91/: size missing or out of range" "$web/webclient/img_detail/91/" -o cache_dir=none
expect_error "1000 levels" "imgData/92/: levels 1000 out of range 1..32" "$web/webclient/img_detail/92/" -o cache_dir=none
expect_error "no zoomLevelScaling" "imgData/93/: zoomLevelScaling[1] missing" "$web/webclient/img_detail/93/" -o cache_dir=none
expect_error "absurd width" "imgData/94/: size missing or out of range" "$web/webclient/img_detail/94/" -o cache_dir=none
expect_error "pyramid being built" "still building this image's pyramid; try again later" \
  "$web/webclient/img_detail/97/" -o cache_dir=none
expect_error "a level larger than the one before" "imgData/96/: zoomLevelScaling[1] missing or not in (0, 1]" \
  "$web/webclient/img_detail/96/" -o cache_dir=none
expect_error "tiles of the wrong size" "2 bytes for one pixel of 4 bytes: not raw pixels" \
  "$web/webclient/img_detail/95/" -o cache_dir=none

# 6. Level sizes from "resolutions" (zoomLevelScaling is rounded there), then the disk cache:
#    a later mount reads everything offline with the server down.
if do_mount odd "$web/webclient/img_detail/3/" -o cache_dir="$work/cache"; then
  $PY tests/integration/check_omero.py tiff "$omero" "$mnt" 3
  cp "$mnt/image-3.ome.tif" "$work/odd.ome.tif"
  do_unmount "$mnt" "$mnt_pid"
  nginx_set mode=down
  if do_mount offline "$web/webclient/img_detail/3/" -o cache_dir="$work/cache",offline; then
    cmp -s "$mnt/image-3.ome.tif" "$work/odd.ome.tif" &&
      ok "omero offline, server down: identical OME-TIFF from the disk cache" ||
      fail "omero offline: bytes differ"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "omero offline mount: $(tail -1 "$work/offline.log")"
  fi
  nginx_set mode=none
else
  fail "omero odd mount: $(tail -1 "$work/odd.log")"
fi

# 7. A dataset and a plate offline: their listings are kept in the disk cache like metadata, so
#    with the server down the folders are listed again and what was read is read again; an
#    image never opened is EIO.
offline_list() { # NAME ADDRESS FILE (a file read online, then offline)
  local got want
  if do_mount "$1" "$2" -o cache_dir="$work/cache-lists"; then
    want=$(ls "$mnt" | tr '\n' ' ')
    cp "$mnt/$3" "$work/$1.tif"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "omero $1 mount: $(tail -1 "$work/$1.log")"; return
  fi
  nginx_set mode=down
  if do_mount "$1-offline" "$2" -o cache_dir="$work/cache-lists",offline; then
    got=$(ls "$mnt" | tr '\n' ' ')
    [ "$got" = "$want" ] && cmp -s "$mnt/$3" "$work/$1.tif" &&
      ok "omero $1 offline, server down: the same folders ($got) and $3 from the disk cache" ||
      fail "omero $1 offline: folders '$got' (want '$want') or $3 differs"
    [ -n "${4:-}" ] && { ls "$mnt/$4" >/dev/null 2>&1 && fail "omero $1 offline: $4, never opened, listed" ||
      ok "omero $1 offline: $4, never opened online, is EIO"; }
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "omero $1 offline mount: $(tail -1 "$work/$1-offline.log")"
  fi
  nginx_set mode=none
}
offline_list dataset-kept "$web/webclient/?show=dataset-7" 1_pyramid/image-1_L2.tif 3_odd
offline_list plate-kept "$web/webclient/?show=plate-5" A1/A1_0_L1.tif
offline_list project-kept "$web/webclient/?show=project-11" 7_public_set/1_pyramid/image-1_L2.tif

# 8. Manners with a tile service that refuses every session: one renewal that does not help,
#    then a pause (said once in the log), not a renewal (a login) per read.
tile_offsets() { # FILE N → the offsets of the first N tiles of the first page
  $PY -c "import sys, tifffile; print(' '.join(str(o) for o in tifffile.TiffFile(sys.argv[1]).pages[0].dataoffsets[:int(sys.argv[2])]))" "$1" "$2"
}
if do_mount refusing "$web/webclient/img_detail/1/" -o cache_dir=none,mem_cache=1M; then
  nginx_set omero_tiles_refuse=1 # from now on (mounting probes the service)
  start=$(log_lines)
  for off in $(tile_offsets "$first/image-1.ome.tif" 6); do
    dd if="$mnt/image-1.ome.tif" of=/dev/null bs=4096 count=1 iflag=skip_bytes skip="$off" 2>/dev/null
  done
  sessions=$(log_since "$start" | grep -cE 'GET /omero/api/ |GET /omero/webgateway/imgData/|/login/')
  tiles=$(log_since "$start" | grep -c 'GET /tile/')
  said=$(grep -c "no new session for" "$work/refusing.log")
  [ "$tiles" -ge 6 ] && [ "$sessions" -le 4 ] && [ "$said" = 1 ] &&
    ok "omero tiles refused: 6 reads made $sessions session requests ($tiles tile requests), the pause said once" ||
    fail "omero tiles refused: 6 reads made $sessions session requests, $tiles tile requests; pause said $said times"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero refusing mount: $(tail -1 "$work/refusing.log")"
fi
nginx_set omero_tiles_refuse=0

# 9. A program that gives up while its read waits for a session renewal (the session ended,
#    and OMERO.web is slow to make a new one) is released within about a second; so is one
#    waiting behind it for the same renewal.
if do_mount renewal "$web/webclient/img_detail/1/" -o cache_dir=none,mem_cache=1M,timeout=60,retries=0; then
  read -r off1 off2 <<<"$(tile_offsets "$first/image-1.ome.tif" 2)"
  nginx_set omero_epoch=5                 # every session ends: the next tile is refused
  nginx_set "slow=/omero/api/&slow_ms=60000" # and the renewal's first request stalls
  $PY tests/integration/interrupt_reader.py "$mnt/image-1.ome.tif" "$first/image-1.ome.tif" "$off1" 4096 >"$work/r1.json" &
  r1=$!
  sleep 0.3
  $PY tests/integration/interrupt_reader.py "$mnt/image-1.ome.tif" "$first/image-1.ome.tif" "$off2" 4096 >"$work/r2.json" &
  r2=$!
  sleep 1.5
  kill -USR1 "$r1" "$r2"
  wait "$r1" "$r2"
  nginx_set slow=
  nginx_set omero_epoch=0
  if $PY -c "import json,sys; d=[json.load(open(f)) for f in sys.argv[1:]]; sys.exit(not all(x['outcome'] == 'interrupted' and x['seconds'] <= 1.8 + 1.2 for x in d))" "$work/r1.json" "$work/r2.json"; then
    ok "omero: two readers waiting for a stalled session renewal are released at a signal ($(cat "$work/r1.json" "$work/r2.json" | tr '\n' ' '))"
  else
    fail "omero: readers waiting for a renewal: $(cat "$work/r1.json" "$work/r2.json" | tr '\n' ' ')"
  fi
  cmp -s "$mnt/image-1.ome.tif" "$first/image-1.ome.tif" &&
    ok "omero: after the given-up renewal, the next read renews and every byte is right" ||
    fail "omero: after the given-up renewal the file differs: $(tail -2 "$work/renewal.log")"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "omero renewal mount: $(tail -1 "$work/renewal.log")"
fi
