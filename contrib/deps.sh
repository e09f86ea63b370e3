#!/usr/bin/env bash
# Installs the Debian packages omefs needs, for one of:
#   runtime  running omefs (the shared libraries and fusermount3)
#   build    building it (runtime, the compiler and the -dev packages)
#   demo     make demo (build, and the Python readers the demo shows; ImageJ when present)
#   all      building and every test (the default: make deps)
# Idempotent; quiet when all is present. Run as root (or with sudo available).
set -euo pipefail
what=${1:-all}
RUNTIME=(fuse3 libfuse3-3 libcurl4 libblosc1 libjansson4 libzstd1 liblz4-1 liblzma5 libbz2-1.0
         zlib1g ca-certificates)
BUILD=(build-essential pkg-config libfuse3-dev libcurl4-openssl-dev libblosc-dev libzstd-dev
       liblz4-dev zlib1g-dev liblzma-dev libbz2-dev libjansson-dev)
DEMO=(python3-zarr python3-numcodecs python3-numpy python3-tifffile)
TESTS=(libtiff-dev libcmocka-dev nginx libnginx-mod-http-lua openssl curl zstd brotli
       python3-fsspec python3-aiohttp python3-gdal bc bsdutils
       libtiff-tools libvips-tools imagej default-jdk-headless clang valgrind groff-base
       libxml2-utils samba samba-vfs-modules smbclient python3-smbc)
case $what in
  runtime) PKGS=("${RUNTIME[@]}") ;;
  build) PKGS=("${RUNTIME[@]}" "${BUILD[@]}") ;;
  demo) PKGS=("${RUNTIME[@]}" "${BUILD[@]}" "${DEMO[@]}") ;;
  all) PKGS=("${RUNTIME[@]}" "${BUILD[@]}" "${DEMO[@]}" "${TESTS[@]}")
    # node and npm for the JavaScript judges (zarrita): Debian's, unless a node is there
    command -v npm >/dev/null || PKGS+=(nodejs npm) ;;
  *) echo "usage: $0 [runtime|build|demo|all]" >&2; exit 2 ;;
esac
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
[ "$what" = all ] || exit 0
# npm packages into the repository, exactly as pinned by the lock file
js="$(cd "$(dirname "$0")/.." && pwd)/tests/js"
if [ ! -d "$js/node_modules" ] || [ "$js/package-lock.json" -nt "$js/node_modules" ]; then
  echo "make deps: npm ci in tests/js"
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) && touch "$js/node_modules"
fi
