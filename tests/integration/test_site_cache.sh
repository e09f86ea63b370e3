#!/usr/bin/env bash
# Many machines, one fetch: three mounts with disk caches of their own read the same image
# through one site cache — nginx configured from contrib/site-cache/omefs-site-cache.conf (the
# origin, port and cache path put in), in front of the test origin. The origin's log must show
# each chunk fetched once, and every byte must be right. A fourth mount reaches the origin's
# own address through the cache as a proxy (-o proxy=): nothing more reaches the origin.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start site-cache
export ASAN_OPTIONS=detect_leaks=0
n=seq_czyx
ref="$work/ref"; reference "$n" "$ref"
origin_log="$OMEFS_TEST_NGINX_DIR/access.log"

# the site cache: the shipped configuration, with this machine's origin, port and cache path
site="$work/site"; mkdir -p "$site/cache" "$site/tmp"
port=$($PY tests/lib/free_port.py 1)
user=""; [ "$(id -u)" = 0 ] && user="user root root;"
sed -e "s|https://uk1s3.embassy.ebi.ac.uk|$OMEFS_TEST_HTTP|g" -e "s|location /idr/ |location / |" \
    -e "s|listen 8080;|listen 127.0.0.1:$port;|" -e "s|/var/cache/nginx/omefs-site|$site/cache|" \
    -e "s|max_size=500g|max_size=1g|" contrib/site-cache/omefs-site-cache.conf >"$site/site.conf"
cat >"$site/nginx.conf" <<CONF
$user
daemon off;
pid $site/nginx.pid;
error_log $site/error.log warn;
events { worker_connections 256; }
http {
    access_log $site/access.log;
    client_body_temp_path $site/tmp;
    proxy_temp_path $site/tmp;
    include $site/site.conf;
}
CONF
nginx -c "$site/nginx.conf" -p "$site" >"$site/stdout.log" 2>&1 &
site_pid=$!
trap 'mount_cleanup; kill $site_pid 2>/dev/null; nginx_stop; rm -rf "$work"' EXIT INT TERM
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
cache_url="http://127.0.0.1:$port"

start=$(wc -l <"$origin_log")
for i in 1 2 3; do
  if do_mount "node$i" "$cache_url/$n.zarr" -o cache_dir="$work/cache-$i"; then
    same=1
    for f in "$ref"/*.tif; do cmp -s "$f" "$mnt/$(basename "$f")" || same=0; done
    [ $same = 1 ] && ok "site cache: node $i reads every byte right" || fail "site cache: node $i: bytes differ"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "site cache: node $i mount: $(tail -2 "$work/node$i.log")"
  fi
done
sleep 0.3
chunks=$(tail -n +"$((start + 1))" "$origin_log" | grep -oE "GET /$n.zarr/[0-9]+/[0-9.]+ " | sort)
total=$(grep -c . <<<"$chunks") twice=$(uniq -d <<<"$chunks" | grep -c .)
expected=$(find "$fixtures/$n.zarr" -type f ! -name ".*" | wc -l)
[ "$total" = "$expected" ] && [ "$twice" = 0 ] &&
  ok "site cache: the origin served each of the $expected chunks once for 3 nodes" ||
  fail "site cache: origin chunk requests $total (expected $expected), repeated $twice"

# the same through the cache as a proxy: the mount names the origin, the cache answers
start=$(wc -l <"$origin_log") site_start=$(wc -l <"$site/access.log")
if do_mount proxied "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir="$work/cache-4",proxy="$cache_url"; then
  cmp -s "$ref/${n}_L0.tif" "$mnt/${n}_L0.tif" && ok "site cache as -o proxy: bytes right" ||
    fail "site cache as -o proxy: bytes differ"
  do_unmount "$mnt" "$mnt_pid"
  sleep 0.3
  via=$(tail -n +"$((site_start + 1))" "$site/access.log" | grep -c "GET http://127.0.0.1")
  direct=$(tail -n +"$((start + 1))" "$origin_log" | grep -cE "GET /$n.zarr/[0-9]+/[0-9.]+ ")
  [ "$via" -gt 0 ] && [ "$direct" = 0 ] &&
    ok "site cache as -o proxy: $via requests went through it, no chunk from the origin" ||
    fail "site cache as -o proxy: $via through the proxy, $direct chunks from the origin"
else
  fail "site cache: proxied mount: $(tail -2 "$work/proxied.log")"
fi
