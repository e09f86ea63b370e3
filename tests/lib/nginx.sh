#!/usr/bin/env bash
# Starts or stops the test nginx. Source it, then:
#   nginx_start ROOT   → exports OMEFS_TEST_HTTP, OMEFS_TEST_HTTPS, OMEFS_TEST_CA,
#                        OMEFS_TEST_NGINX_DIR (logs); registers nginx_stop for EXIT
#   nginx_stop
# The server listens on 127.0.0.1 only, on free ports, and is killed by PID.

_omefs_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

nginx_start() {
    local root=$1
    OMEFS_TEST_NGINX_DIR=$(mktemp -d /tmp/omefs-nginx-XXXXXX)
    local dir=$OMEFS_TEST_NGINX_DIR
    mkdir -p "$dir/tmp"
    local ports
    ports=$(/usr/bin/python3 "$_omefs_repo/tests/lib/free_port.py" 2)
    local http_port=${ports% *} https_port=${ports#* }
    # A test CA and a server certificate for 127.0.0.1 signed by it.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=omefs test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" >/dev/null 2>&1
    local user=""
    [ "$(id -u)" = 0 ] && user="user root root;"
    sed -e "s|@DIR@|$dir|g" -e "s|@ROOT@|$root|g" -e "s|@REPO@|$_omefs_repo|g" -e "s|@HTTP_PORT@|$http_port|g" \
        -e "s|@HTTPS_PORT@|$https_port|g" -e "s|@USER@|$user|g" \
        "$_omefs_repo/contrib/nginx/test-server.conf.in" >"$dir/nginx.conf"
    nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/stdout.log" 2>&1 &
    OMEFS_TEST_NGINX_PID=$!
    local i
    for i in $(seq 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$http_port/_control/set"; then break; fi
        if ! kill -0 "$OMEFS_TEST_NGINX_PID" 2>/dev/null; then
            echo "nginx failed to start:" >&2
            cat "$dir/stdout.log" "$dir/error.log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.05
    done
    export OMEFS_TEST_HTTP="http://127.0.0.1:$http_port"
    export OMEFS_TEST_HTTPS="https://127.0.0.1:$https_port"
    export OMEFS_TEST_CA="$dir/ca.crt"
    export OMEFS_TEST_NGINX_DIR OMEFS_TEST_NGINX_PID
}

nginx_stop() {
    if [ -n "${OMEFS_TEST_NGINX_PID:-}" ]; then
        kill "$OMEFS_TEST_NGINX_PID" 2>/dev/null
        wait "$OMEFS_TEST_NGINX_PID" 2>/dev/null
        OMEFS_TEST_NGINX_PID=
    fi
    if [ -n "${OMEFS_TEST_NGINX_DIR:-}" ] && [ -d "$OMEFS_TEST_NGINX_DIR" ]; then
        rm -rf "$OMEFS_TEST_NGINX_DIR"
        OMEFS_TEST_NGINX_DIR=
    fi
}

# Restarts the server on the same ports (a crash and restart, as seen by clients).
nginx_restart() {
    kill -TERM "$OMEFS_TEST_NGINX_PID" 2>/dev/null
    wait "$OMEFS_TEST_NGINX_PID" 2>/dev/null
    sleep "${1:-1}"
    nginx -c "$OMEFS_TEST_NGINX_DIR/nginx.conf" -p "$OMEFS_TEST_NGINX_DIR" \
        >>"$OMEFS_TEST_NGINX_DIR/stdout.log" 2>&1 &
    OMEFS_TEST_NGINX_PID=$!
    local i
    for i in $(seq 100); do
        curl -s -o /dev/null "$OMEFS_TEST_HTTP/_control/set" && return 0
        sleep 0.05
    done
    return 1
}

# Sets fault/latency knobs (see contrib/nginx/test-server.conf.in), e.g.
#   nginx_set mode=down | mode=none | delay_ms=50 | "fault=e503&p=30" | rate=100000
nginx_set() {
    curl -s -o /dev/null "$OMEFS_TEST_HTTP/_control/set?$1"
}
