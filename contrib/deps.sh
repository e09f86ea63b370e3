#!/usr/bin/env bash
# Installs every Debian package omefs needs to build and test. Idempotent; quiet when all is
# present. Run as root (or with sudo available).
set -euo pipefail
PKGS=(
  build-essential pkg-config
  fuse3 libfuse3-dev libcurl4-openssl-dev libblosc-dev libzstd-dev liblz4-dev zlib1g-dev
  liblzma-dev libbz2-dev
  libjansson-dev libtiff-dev libcmocka-dev
  nginx libnginx-mod-http-lua openssl curl
  python3-zarr python3-numcodecs python3-numpy python3-tifffile python3-fsspec python3-aiohttp
  python3-gdal
  bc bsdutils
  libtiff-tools libvips-tools imagej default-jdk-headless
  clang valgrind groff-base
)
# node and npm for the JavaScript judges (zarrita): Debian's, unless a node is already there
command -v npm >/dev/null || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "make deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm packages into the repository, exactly as pinned by the lock file
js="$(cd "$(dirname "$0")/.." && pwd)/tests/js"
if [ ! -d "$js/node_modules" ] || [ "$js/package-lock.json" -nt "$js/node_modules" ]; then
  echo "make deps: npm ci in tests/js"
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) && touch "$js/node_modules"
fi
