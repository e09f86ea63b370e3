#!/usr/bin/env bash
# make bench: benchmarks (not timed tests). Prints tables; medians over repeated runs:
# the layout benchmark, then the I/O benchmark (io_bench.sh: sequential reads against parallel
# curl, the FUSE ceiling (ceiling_fs.c) and zarr-python), then reads as analysts do them and a
# plate walk (access_bench.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/bench
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Icore $(pkg-config --cflags jansson) tests/bench/layout_bench.c \
  -o build/bench/layout_bench build/libomefs.a \
  $(pkg-config --libs libcurl jansson blosc zlib libzstd liblz4) -llzma -lbz2 -lpthread -lm
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror $(pkg-config --cflags fuse3) tests/bench/ceiling_fs.c \
  -o build/bench/ceiling_fs $(pkg-config --libs fuse3)
echo "== virtual TIFF layout from metadata alone ($(nproc) cores, $(date -u +%F))"
build/bench/layout_bench
echo
tests/bench/io_bench.sh
echo
tests/bench/access_bench.sh
echo
tests/bench/samba_bench.sh
