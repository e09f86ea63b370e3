#!/usr/bin/env bash
# Many machines, one fetch: three mounts with disk caches of their own read the same image
# through one site cache — nginx configured from contrib/site-cache/omefs-site-cache.conf (the
# origin, port and cache path put in), in front of the test origin. The origin's log must show
# each chunk fetched once, and every byte must be right. A fourth mount reaches the origin's
# own address through the cache as a proxy (-o proxy=): nothing more reaches the origin.
# Requests with credentials are refused and never cached; metadata is cached and revalidated
# (kept a second here instead of a minute).
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start site-cache
export ASAN_OPTIONS=detect_leaks=0
n=seq_czyx
ref="$work/ref"; reference "$n" "$ref"
origin_log="$OMEFS_TEST_NGINX_DIR/access.log"

# the site cache: the shipped configuration, with this machine's origin, port and cache path
# (and metadata kept a second)
site="$work/site"; mkdir -p "$site/cache" "$site/tmp"
port=$($PY tests/lib/free_port.py 1)
user=""; [ "$(id -u)" = 0 ] && user="user root root;"
sed -e "s|https://livingobjects.ebi.ac.uk|$OMEFS_TEST_HTTP|g" -e "s|location /idr/ |location / |" \
    -e "s|listen 8080;|listen 127.0.0.1:$port;|" -e "s|/var/cache/nginx/omefs-site|$site/cache|" \
    -e "s|max_size=500g|max_size=1g|" -e "s|valid 200 404 1m;|valid 200 404 1s;|" \
    contrib/site-cache/omefs-site-cache.conf >"$site/site.conf"
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

# Requests with a credential are refused (403) before anything is fetched or cached. /private/
# on the origin serves an object only to a request with a credential; each case asks the cache
# for a fresh object with the credential, then without it.
mapfile -t objs < <(find "$fixtures/$n.zarr" -type f ! -name ".*" | sort | head -6)
secret=0mefsSecret7x
header() { grep -i "^$1:" | tr -d '\r' | awk '{print $2}'; }
private_case() { # NAME OBJECT-INDEX QUERY [CURL ARGUMENTS...]
  local name=$1 path="/private/${objs[$2]#"$fixtures"/}" query=$3; shift 3
  local start code reached hdr status cache
  start=$(wc -l <"$origin_log")
  code=$(curl -s -o "$work/cred.body" -w '%{http_code}' "$@" "$cache_url$path$query")
  sleep 0.2
  reached=$(tail -n +"$((start + 1))" "$origin_log" | grep -cF "GET $path")
  [ "$code" = 403 ] && grep -qi "public data only" "$work/cred.body" && [ "$reached" = 0 ] &&
    ok "site cache: a request with $name is refused, nothing reaches the origin" ||
    fail "site cache: a request with $name: $code from the cache, $reached at the origin"
  start=$(wc -l <"$origin_log")
  hdr=$(curl -s -D - -o /dev/null "$cache_url$path")
  sleep 0.2
  reached=$(tail -n +"$((start + 1))" "$origin_log" | grep -cF "GET $path ")
  status=$(head -1 <<<"$hdr" | awk '{print $2}') cache=$(header X-Cache-Status <<<"$hdr")
  if [ "$status" != 200 ] && [ "$cache" != HIT ] && [ "$reached" = 1 ] &&
     ! grep -rqF "$secret" "$site/cache"; then
    ok "site cache: after a request with $name, a plain one is not served from the cache"
  else
    fail "site cache: after a request with $name, a plain one: $status, X-Cache-Status $cache," \
         "$reached at the origin; cache files with the secret: $(grep -rlF "$secret" "$site/cache")"
  fi
}
private_case "an S3 signed query" 0 "?X-Amz-Credential=AKIA%2F$secret&X-Amz-Signature=$secret"
private_case "a signed query (sig=)" 1 "?sv=2022-11-02&sig=$secret"
private_case "Authorization" 2 "" -H "Authorization: Bearer $secret"
private_case "x-amz-security-token" 3 "" -H "x-amz-security-token: $secret"
private_case "X-OMERO-Session-Key" 4 "" -H "X-OMERO-Session-Key: $secret"
private_case "a Cookie" 5 "" -H "Cookie: sessionid=$secret"

# A path that nginx decodes to another (an escaped dot segment) is its own object at an origin
# that takes paths as sent (/literal/, as S3 does): its 404 must not be kept for the decoded
# path, which would make a chunk read as absent (fill value) for every node.
for obj in "${objs[@]:0:2}"; do
  rel=${obj#"$fixtures"/} path="/literal/${obj#"$fixtures"/}"
  odd="/literal/${rel%/*}/x/%2E%2E/${rel##*/}"
  curl -s -o /dev/null "$cache_url$odd"
  code=$(curl -s -o "$work/lit.body" -w '%{http_code}' "$cache_url$path")
  [ "$code" = 200 ] && cmp -s "$work/lit.body" "$obj" &&
    ok "site cache: ${rel##*/} asked with an escaped dot segment first is still served right" ||
    fail "site cache: $path after $odd: $code, $(cmp -s "$work/lit.body" "$obj" && echo same || echo other) bytes"
done

# Metadata: cached whole, kept a minute (a second here), then revalidated with the origin.
for path in "/$n.zarr/.zattrs" "/$n.zarr/0/.zarray" "/v05_sharded_end.zarr/zarr.json"; do
  curl -s -o /dev/null "$cache_url$path"
  hdr=$(curl -s -D - -o "$work/meta.body" "$cache_url$path")
  cache=$(header X-Cache-Status <<<"$hdr")
  [ "$cache" = HIT ] && cmp -s "$work/meta.body" "$fixtures$path" &&
    ok "site cache: $path asked twice is a HIT the second time" ||
    fail "site cache: $path asked twice: X-Cache-Status $cache the second time"
done
path="/$n.zarr/.zattrs"
if grep -q "proxy_cache_valid 200 404 1s;" "$site/site.conf"; then
  sleep 2.1
  start=$(wc -l <"$origin_log")
  cache=$(curl -s -D - -o "$work/meta.body" "$cache_url$path" | header X-Cache-Status)
  sleep 0.2
  asked=$(tail -n +"$((start + 1))" "$origin_log" | grep -cF "GET $path HTTP/1.1\" 304 ")
  [ "$cache" = REVALIDATED ] && [ "$asked" = 1 ] && cmp -s "$work/meta.body" "$fixtures$path" &&
    ok "site cache: $path expired is revalidated with the origin (304)" ||
    fail "site cache: $path expired: X-Cache-Status $cache, $asked 304 from the origin"
else
  fail "site cache: no 'proxy_cache_valid 200 404 1m;' for metadata in the configuration"
fi
