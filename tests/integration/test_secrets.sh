#!/usr/bin/env bash
# Secrets stay out of what other users can see: a mount given a URL password, a query (a
# token) and a proxy password on its command line shows none of them in /proc/PID/cmdline read
# as another user, in the foreground and as a daemon, while it still uses them (the server gets
# the token, the proxy its password); $OMERO_PASSWORD is gone from the daemon's environment.
# -o credentials=FILE gives them without the command line: refused when others can read the
# file, used when it is private (0600).
source "$(dirname "$0")/../lib/integration.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  echo "skip secrets: reading another user's process as nobody needs root and setpriv"; exit 0
fi
mount_test_start secrets
export ASAN_OPTIONS=detect_leaks=0
hostport=${OMEFS_TEST_HTTP#http://}
src="http://alice:pw-SECRET1@$hostport/axes_2d.zarr?token=tok-SECRET2"
proxy="http://bob:px-SECRET3@$hostport"

# cmdline_as_nobody PID → the process's command line as user nobody reads it, NULs as spaces
cmdline_as_nobody() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups cat "/proc/$1/cmdline" | tr '\0' ' '
}
# check_hidden NAME PID: the secrets are absent, the rest is there
check_hidden() {
  local line
  line=$(cmdline_as_nobody "$2")
  if [[ "$line" == *"$hostport/axes_2d.zarr?"* && "$line" == *"proxy=http://bob:"* ]] &&
    ! grep -q SECRET <<<"$line"; then
    ok "secrets $1: /proc/PID/cmdline as nobody shows no secret: '$line'"
  else
    fail "secrets $1: /proc/PID/cmdline as nobody: '$line'"
  fi
}
# check_used NAME MNT: the mount reads, the server got the token and the proxy's password
check_used() {
  local before
  before=$(log_lines)
  if [ "$(head -c 4096 "$2/axes_2d_L0.tif" | wc -c)" = 4096 ] &&
    log_since "$before" | grep -q "token=tok-SECRET2"; then
    ok "secrets $1: the mount still sends the token"
  else
    fail "secrets $1: the token did not reach the server ($(ls "$2" 2>&1 | head -3))"
  fi
}

if do_mount fg "$src" -o "proxy=$proxy,cache_dir=none"; then
  check_hidden "foreground" "$mnt_pid"
  check_used "foreground" "$mnt"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "secrets foreground: did not mount: $(tail -2 "$work/fg.log")"
fi

# a daemon: found by its mount point, which stays in its command line
dmnt="$work/mnt-daemon"
mkdir -p "$dmnt"
mounts+=("$dmnt")
if OMERO_PASSWORD=om-SECRET4 "$OMEFS" "$src" "$dmnt" -o "proxy=$proxy,cache_dir=none" \
    2>"$work/daemon.log"; then
  dpid=$(pgrep -f -- "$dmnt" | head -1)
  if [ -n "$dpid" ]; then
    check_hidden "daemon" "$dpid"
    tr '\0' '\n' <"/proc/$dpid/environ" | grep -q SECRET &&
      fail "secrets daemon: \$OMERO_PASSWORD is still in its environment" ||
      ok "secrets daemon: \$OMERO_PASSWORD is not in its environment"
  else
    fail "secrets daemon: no process holds $dmnt"
  fi
  check_used "daemon" "$dmnt"
  fusermount3 -u "$dmnt"
else
  fail "secrets daemon: did not mount: $(tail -2 "$work/daemon.log")"
fi

# -o credentials=FILE: the same secrets in a file only its user can read
cred="$work/creds"
printf '# the lab server\npassword=pw-SECRET5\nquery=token=tok-SECRET6\nproxy_password=px-SECRET7\n' >"$cred"
csrc="http://alice@$hostport/record/axes_2d.zarr"
mkdir -p "$work/mp"
for mode in 644 640 604; do
  chmod "$mode" "$cred"
  out=$("$OMEFS" -o "credentials=$cred,proxy=http://bob@$hostport,cache_dir=none" "$csrc" \
    "$work/mp" 2>&1); rc=$?
  [ $rc = 2 ] && grep -qF "credentials=$cred can be read by others (mode 0$mode): make it private first: chmod 600 $cred" <<<"$out" &&
    ok "secrets credentials file of mode $mode refused: '$(head -1 <<<"$out")'" ||
    fail "secrets credentials file of mode $mode: rc=$rc '$out'"
done
grep -q " $work/mp fuse" /proc/mounts && fusermount3 -u "$work/mp"
chmod 600 "$cred"
if do_mount cred "$csrc" -o "credentials=$cred,proxy=http://bob@$hostport,cache_dir=none"; then
  before=$(log_lines)
  head -c 4096 "$mnt/axes_2d_L0.tif" >/dev/null
  got=$(curl -s "$OMEFS_TEST_HTTP/_control/get?key=record")
  want_auth="Basic $(printf 'alice:pw-SECRET5' | base64)Basic $(printf 'bob:px-SECRET7' | base64)"
  line=$(cmdline_as_nobody "$mnt_pid")
  [ "$got" = "$want_auth" ] && log_since "$before" | grep -q "token=tok-SECRET6" &&
    ! grep -q SECRET <<<"$line" &&
    ok "secrets credentials file of mode 600: password, token and proxy password used" ||
    fail "secrets credentials file: server got '$got' (want '$want_auth'), cmdline '$line'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "secrets credentials file of mode 600: did not mount: $(tail -2 "$work/cred.log")"
fi
printf 'pasword=x\n' >"$cred"
out=$("$OMEFS" -o "credentials=$cred" "$csrc" "$work/mp" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "credentials=$cred, line 1: not NAME=VALUE" <<<"$out" &&
  ok "secrets credentials file with an unknown name: '$(head -1 <<<"$out")'" ||
  fail "secrets credentials file with an unknown name: rc=$rc '$out'"
