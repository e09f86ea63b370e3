#!/usr/bin/env bash
# Starts or stops a real S3-compatible server (npm s3rver, pinned in tests/js) on 127.0.0.1 for
# the unit tests. Source it, then:
#   s3rver_start FIXTURES → exports OMEFS_TEST_S3 (its endpoint), with bucket "bucket" holding
#                           FIXTURES/seq_czyx.zarr under imgs/; returns 1 when s3rver is absent
#   s3rver_stop
_omefs_s3_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

s3rver_start() {
    local fixtures=$1 bin=$_omefs_s3_repo/tests/js/node_modules/.bin/s3rver
    [ -x "$bin" ] && [ -d "$fixtures/seq_czyx.zarr" ] || return 1
    OMEFS_TEST_S3_DIR=$(mktemp -d /tmp/omefs-s3rver-XXXXXX)
    local port
    port=$(/usr/bin/python3 "$_omefs_s3_repo/tests/lib/free_port.py" 1)
    NODE_OPTIONS=--openssl-legacy-provider "$bin" -d "$OMEFS_TEST_S3_DIR" -a 127.0.0.1 \
        -p "$port" --configure-bucket bucket --silent >"$OMEFS_TEST_S3_DIR.log" 2>&1 &
    OMEFS_TEST_S3_PID=$!
    local ep="http://127.0.0.1:$port" f
    for _ in $(seq 100); do curl -s -o /dev/null "$ep/bucket" && break; sleep 0.1; done
    (cd "$fixtures" && find seq_czyx.zarr -type f) | while read -r f; do
        curl -sf -X PUT --data-binary @"$fixtures/$f" "$ep/bucket/imgs/$f" -o /dev/null ||
            echo "s3rver: upload of $f failed" >&2
    done
    export OMEFS_TEST_S3="$ep" OMEFS_TEST_S3_PID OMEFS_TEST_S3_DIR
}

s3rver_stop() {
    if [ -n "${OMEFS_TEST_S3_PID:-}" ]; then
        kill "$OMEFS_TEST_S3_PID" 2>/dev/null
        wait "$OMEFS_TEST_S3_PID" 2>/dev/null
        OMEFS_TEST_S3_PID=
    fi
    [ -n "${OMEFS_TEST_S3_DIR:-}" ] && rm -rf "$OMEFS_TEST_S3_DIR" "$OMEFS_TEST_S3_DIR.log"
    OMEFS_TEST_S3_DIR=
}
