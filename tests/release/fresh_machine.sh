#!/usr/bin/env bash
# The README's two set-up commands on a fresh machine, as a user runs them: a minimal Debian 12
# root (debootstrap --variant=minbase bookworm), /dev, /proc and /sys bound in, this repository
# cloned inside, then `make demo` and `make test` in a clean environment (only the tools a user
# installs first to get the code: git and make). Run as root before every release; it takes
# about half an hour and needs the Debian archive and the npm registry. Not part of make test.
# Usage: tests/release/fresh_machine.sh [WORKDIR]   (default: a new directory under /var/tmp)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-$(mktemp -d /var/tmp/omefs-fresh-XXXXXX)}/root
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap and chroot)"; exit 2; }
mkdir -p "$root"
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
cleanup() {
  for m in sys proc dev/pts dev; do umount -l "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
if [ ! -x "$root/bin/bash" ]; then
  echo "== debootstrap bookworm (minbase) into $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -20 "$root.debootstrap.log"; exit 1; }
fi
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# what a booted Debian has and a bare root lacks (systemd-tmpfiles makes it): fusermount3 needs it
[ -e "$root/etc/mtab" ] || ln -s ../proc/self/mounts "$root/etc/mtab"
# this machine's CA certificates, so that npm reaches its registry through this network
mkdir -p "$root/usr/local/share/ca-certificates"
cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/ca-this-machine.crt" 2>/dev/null || true
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/ssl/ca-this-machine.crt DEBIAN_FRONTEND=noninteractive "$@"; }
echo "== what a user installs to get the code: git, make"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends git make ca-certificates >/dev/null
rm -rf "$root/src/omefs"
mkdir -p "$root/src"
git clone -q "$repo" "$root/src/omefs"
echo "== make demo (first try)"
in_root bash -c 'cd /src/omefs && make demo' 2>&1 | tail -25
echo "== make test"
in_root bash -c 'cd /src/omefs && make test' 2>&1 | tail -5
