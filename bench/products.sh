#!/usr/bin/env bash
# The catalog under load, on SQLite: 10,000 demo products (shopd seed-demo), then wrk with 64
# keep-alive connections on GET /healthz, the product list with the cache warm, one product's
# detail, the same two with the cache in a private Redis (REDIS_URL, as several instances would
# share it), and the list with the cache off (CACHE_MAX_MB=0), plain and with a search term and a
# category filter. Prints req/s, p99, and shopd's memory. See bench/README.md.
#
# Knobs (environment): BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# BENCH_PRODUCTS (10000), SHOPD_BENCH_PORT (18090), BENCH_REDIS_PORT (18092), SHOPD_BIN (a shopd
# binary to measure instead of building build/shopd), BENCH_STRICT=1 (exit 1 when a target is
# missed), BENCH_KEEP_TMP=1.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo_root"

seconds=${BENCH_SECONDS:-10}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-64}
products=${BENCH_PRODUCTS:-10000}
port=${SHOPD_BENCH_PORT:-18090}
redis_port=${BENCH_REDIS_PORT:-18092}
for n in "$seconds" "$threads" "$connections" "$products" "$port" "$redis_port"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "products.sh: \"$n\" is not a whole number" >&2; exit 2; }
done

bash scripts/install-deps.sh build bench
if [[ -n ${SHOPD_BIN:-} ]]; then
  shopd_bin=$(realpath "$SHOPD_BIN")
else
  configure_preset release
  build_preset release --target shopd
  shopd_bin=$repo_root/build/shopd
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shopd-bench.XXXXXX")
shopd_pid=""
trap_cleanup_of_shopd_and_tmp

if port_in_use "$port"; then
  echo "products.sh: 127.0.0.1:$port is already in use; set SHOPD_BENCH_PORT" >&2
  exit 1
fi
if port_in_use "$redis_port"; then
  echo "products.sh: 127.0.0.1:$redis_port is already in use; set BENCH_REDIS_PORT" >&2
  exit 1
fi

# A clean environment and working directory: no .env or ./data of the repository is used. The
# rate limit counts but never refuses; LOG_LEVEL=info writes an access line per request.
shopd_env=(PATH="$PATH" HOST=127.0.0.1 PORT="$port" RATE_LIMIT_MAX=1000000000 LOG_LEVEL=info)
echo "seeding $products demo products"
seed_start=$(date +%s.%N)
(cd "$tmp" && env -i "${shopd_env[@]}" "$shopd_bin" seed-demo --products "$products")
seed_seconds=$(awk -v a="$seed_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

start_shopd() {  # extra env assignments...
  (cd "$tmp" && exec env -i "${shopd_env[@]}" "$@" "$shopd_bin" serve >>"$tmp/shopd.log" 2>&1) &
  shopd_pid=$!
  wait_until_healthy shopd "$shopd_pid" "$port" "$tmp/shopd.log"
}

run_wrk() {  # name path
  local out="$tmp/$1.txt"
  timeout $((seconds + 30)) wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
    "http://127.0.0.1:$port$2" >"$out"
  printf '%-22s %10s %9s %6s   %s\n' "$1" "$(req_per_s "$out")" "$(p99 "$out")" \
    "$(bad_answers "$out")" "$2"
}

list=/api/products?page=1\&limit=10
filtered=/api/products?page=1\&limit=10\&category=Electronics\&search=wireless
start_shopd
idle_rss=$(rss_kb "$shopd_pid" VmRSS)
answer=$(http_get "$port" "$list")
id=$(grep -o '"_id":"[0-9a-f]*"' <<<"$answer" | head -1 | cut -d'"' -f4)
total=$(grep -o '"total":[0-9]*' <<<"$answer" | head -1 | cut -d: -f2)
[[ -n $id && $total == "$products" ]] || {
  echo "products.sh: the list did not show $products products: ${answer:0:300}" >&2
  exit 1
}
[[ $(http_get "$port" "$filtered") == "HTTP/1.1 200 "* ]] || { echo "products.sh: filtered list failed" >&2; exit 1; }

printf '\n=== %s products on SQLite; wrk -t%s -c%s -d%ss, %s cores shared by wrk and shopd\n' \
  "$products" "$threads" "$connections" "$seconds" "$(nproc)"
printf '%-22s %10s %9s %6s   %s\n' run 'req/s' p99 bad path
run_wrk healthz /healthz
run_wrk list-cached "$list"
run_wrk detail-cached "/api/products/$id"
run_wrk filtered-cached "$filtered"
cached_rss=$(rss_kb "$shopd_pid" VmRSS)
cached_peak=$(rss_kb "$shopd_pid" VmHWM)
stop "$shopd_pid" 12

start_redis "$redis_port" "$tmp/redis.log"
start_shopd REDIS_URL="redis://127.0.0.1:$redis_port"
http_get "$port" "$list" >/dev/null  # warm the shared cache
http_get "$port" "/api/products/$id" >/dev/null
run_wrk list-redis "$list"
run_wrk detail-redis "/api/products/$id"
stop "$shopd_pid" 12

start_shopd CACHE_MAX_MB=0
run_wrk list-uncached "$list"
run_wrk filtered-uncached "$filtered"
run_wrk detail-uncached "/api/products/$id"
uncached_peak=$(rss_kb "$shopd_pid" VmHWM)

healthz=$(req_per_s "$tmp/healthz.txt")
cached=$(req_per_s "$tmp/list-cached.txt")
filtered_uncached=$(req_per_s "$tmp/filtered-uncached.txt")
ratio=$(awk -v c="$cached" -v h="$healthz" 'BEGIN { printf "%.2f", (h > 0 ? c / h : 0) }')
ratio_met=$(awk -v r="$ratio" 'BEGIN { print ((r >= 0.8) ? "met" : "MISSED") }')
uncached_met=$(awk -v r="$filtered_uncached" 'BEGIN { print ((r >= 5000) ? "met" : "MISSED") }')
peak=$((cached_peak > uncached_peak ? cached_peak : uncached_peak))
rss_met=$(awk -v k="$peak" 'BEGIN { print ((k < 100 * 1024) ? "met" : "MISSED") }')
printf '\nseed-demo of %s products: %s s\n' "$products" "$seed_seconds"
printf 'cached list / healthz: %s (target >= 0.80: %s)\n' "$ratio" "$ratio_met"
printf 'cached list: in-process %s req/s, in Redis %s req/s (same run)\n' "$cached" \
  "$(req_per_s "$tmp/list-redis.txt")"
printf 'uncached list with search and category: %s req/s (target >= 5000: %s)\n' \
  "$filtered_uncached" "$uncached_met"
printf 'shopd RSS: idle %s MB; under load cached %s MB (peak %s MB), uncached peak %s MB (target < 100 MB: %s)\n' \
  "$(mb "$idle_rss")" "$(mb "$cached_rss")" "$(mb "$cached_peak")" "$(mb "$uncached_peak")" "$rss_met"
for f in "$tmp"/*.txt; do
  [[ $(bad_answers "$f") == 0 ]] || echo "warning: $(basename "$f" .txt) had non-2xx answers or socket errors" >&2
done
if [[ ${BENCH_STRICT:-0} == 1 && ($ratio_met != met || $uncached_met != met || $rss_met != met) ]]; then
  exit 1
fi
