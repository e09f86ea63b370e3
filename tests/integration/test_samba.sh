#!/usr/bin/env bash
# The Windows/macOS gateway: a real omefs mount (-o allow_other) shared read-only by a real
# smbd configured from contrib/samba/omefs-share.conf (made private: its own port on 127.0.0.1,
# its own state directories and password database). Real SMB clients — smbclient and
# libsmbclient (python3-smbc) — list the share, copy whole files and read random ranges, all
# byte-exact against the files omefs shows. A stalled source gives the client an SMB error within
# omefs's bound (timeout=2,retries=0), then reads work again. Throughput is compared with the
# same smbd serving a local copy of the same file (a loose bound here; make bench measures).
source "$(dirname "$0")/../lib/integration.sh"
source tests/lib/samba.sh
for tool in smbd smbclient smbpasswd; do
  command -v "$tool" >/dev/null || { echo "skip samba: $tool is not installed (make deps)"; exit 0; }
done
$PY -c 'import smbc' 2>/dev/null || { echo "skip samba: python3-smbc is not installed (make deps)"; exit 0; }
mount_test_start samba
trap 'samba_stop; mount_cleanup; nginx_stop; rm -rf "$work"' EXIT INT TERM
export ASAN_OPTIONS=detect_leaks=0
export XDG_CACHE_HOME="$work/xdg-cache"
chmod 711 "$work" # smbd reads the shares as the user who logged in (nobody), not as root
reader() { $PY tests/integration/smb_reader.py "$@"; }

# the share: a folder holding two mounts (the second one's source will stall)
n=seq_czyx stalled=odd_700x900
ref="$work/ref"; reference "$n" "$ref"
share="$work/share"
mount_at() { # mount_at NAME: $OMEFS_TEST_HTTP/NAME.zarr on $share/NAME, as do_mount does
  mkdir -p "$share/$1"
  "$OMEFS" -f "$OMEFS_TEST_HTTP/$1.zarr" "$share/$1" -o allow_other,timeout=2,retries=0 \
    2>>"$work/$1.log" &
  pids+=($!); mounts+=("$share/$1")
  for _ in $(seq 200); do
    grep -q " $share/$1 fuse" /proc/mounts && return 0
    kill -0 "$!" 2>/dev/null || break
    sleep 0.05
  done
  fail "mount $1: $(tail -2 "$work/$1.log")"; exit 1
}
mount_at "$n"; mount_at "$stalled"
images="$share/$n"
big=$(cd "$ref" && ls -S | head -1)
mkdir -p "$work/local" && cp "$ref/$big" "$work/local/" && chmod -R a+rX "$work/local"
if ! samba_start "$work/smb" "$share" "$work/local"; then
  fail "smbd did not start"; exit 1
fi
url="smb://127.0.0.1:$SMB_PORT/images/$n"

# listings: smbclient's and libsmbclient's are the mount's
want=$(cd "$images" && ls -A | sort)
got=$(smb_get images "cd $n; ls" 2>/dev/null | awk '/^  [^ ]/ && $1 != "." && $1 != ".." {print $1}' | sort)
[ "$got" = "$want" ] && ok "smbclient ls lists the mount: $(tr '\n' ' ' <<<"$got")" ||
  fail "smbclient ls: '$(tr '\n' ' ' <<<"$got")', expected '$(tr '\n' ' ' <<<"$want")'"
got=$(reader ls "$url" 2>&1)
[ "$got" = "$want" ] && ok "libsmbclient lists the mount" || fail "libsmbclient ls: $got"

# whole files with smbclient get, byte-exact against the library's own output
mkdir -p "$work/got" && same=1 count=0
for f in "$ref"/*.tif; do
  b=$(basename "$f")
  smb_get images "cd $n; get $b $work/got/$b" >/dev/null 2>&1
  cmp -s "$f" "$work/got/$b" || { same=0; fail "smbclient get $b: differs from the reference"; }
  count=$((count + 1))
done
[ $same = 1 ] && ok "smbclient get: $count files byte-identical to the reference"

# random ranges through libsmbclient
out=$(reader ranges "$url/$big" "$ref/$big" 200 7 2>&1)
[ "$out" = "ok 200" ] && ok "libsmbclient: 200 random ranges of $big byte-exact" ||
  fail "libsmbclient ranges of $big: $out"

# read-only: a put is refused
echo x >"$work/x.txt"
out=$(smb_get images "cd $n; put $work/x.txt x.txt" 2>&1)
grep -q NT_STATUS_ <<<"$out" && [ ! -e "$images/x.txt" ] &&
  ok "the share is read-only (put refused: $(grep -o -m1 'NT_STATUS_[A-Z_]*' <<<"$out"))" ||
  fail "put on the share was not refused: $out"

# a stalled source: every request waits 30 s; a read of a part not yet fetched is an SMB
# error within the bound (timeout 2 s, no retry), not a hung client; then reads work again
sref="$work/sref"; reference "$stalled" "$sref"
sfile=$(cd "$sref" && ls -S | head -1) ssize=$(stat -c %s "$sref/$sfile")
nginx_set delay_ms=30000
surl="smb://127.0.0.1:$SMB_PORT/images/$stalled/$sfile"
out=$(timeout 60 $PY tests/integration/smb_reader.py read "$surl" $((ssize / 2)) 65536 2>&1)
nginx_set delay_ms=0
set -- $out
if [ "${1:-}" = error ] && awk -v t="${2:-99}" 'BEGIN { exit !(t < 12) }'; then
  ok "stalled source: the SMB client got an error after ${2}s (bound: timeout=2, retries=0)"
else
  fail "stalled source: expected an SMB error within 12 s, got: $out"
fi
sleep 5.5 # a chunk that failed fails at once for 5 s (chunk_cache.c), then is fetched again
out=$(timeout 60 $PY tests/integration/smb_reader.py read "$surl" $((ssize / 2)) 65536 2>&1)
reader ranges "$surl" "$sref/$sfile" 20 3 >/dev/null 2>&1 && [ "${out%% *}" = ok ] &&
  ok "after the stall: reads through the share work again, byte-exact" ||
  fail "after the stall: $out"

# throughput: the same smbd serving the same file from a local folder; best of three reads,
# each after a first read (omefs's caches and the page cache warm, as for a file read again)
reader time "$url/$big" 1 >/dev/null 2>&1; reader time "smb://127.0.0.1:$SMB_PORT/local/$big" 1 >/dev/null 2>&1
read -r bytes t_mount < <(reader time "$url/$big" 3)
read -r _ t_local < <(reader time "smb://127.0.0.1:$SMB_PORT/local/$big" 3)
ratio=$(awk -v a="${t_mount:-0}" -v b="${t_local:-0}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 999) }')
echo "note samba: $big ($bytes bytes): ${t_mount}s from the omefs mount, ${t_local}s from a local copy: ratio $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r != "" && r + 0 <= 3) }' &&
  ok "throughput through Samba: omefs mount / local copy = $ratio (bound 3)" ||
  fail "throughput through Samba: omefs mount / local copy = $ratio, above 3"
