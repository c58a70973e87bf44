#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: a figure that does not move with the
# machine's load, for comparing shopd binaries (a change against the previous binary) where req/s
# from wrk differ by 10 % between two runs of the same binary.
#
#   bench/instructions.sh [BIN ...]    (default: build/shopd, built first)
#
# For each binary, on SQLite with the cache off (CACHE_MAX_MB=0) and BENCH_PRODUCTS demo products
# (10000): the uncached product list (GET /api/products?page=1&limit=10) BENCH_SHORT (300) and
# BENCH_LONG (1500) times over one keep-alive connection; then one buyer looping "add to cart,
# place the order" (bench/order_load) for BENCH_ORDER_SECONDS (4, then 4 x 4). Each figure is the
# difference between the long and the short run divided by the requests (or orders) between them,
# so start-up, seeding and shutdown cancel out. Prints one row per binary and the ratio of each
# to the first. Everything runs on 127.0.0.1:SHOPD_BENCH_PORT (18093) and ends with the script.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo_root"

products=${BENCH_PRODUCTS:-10000}
short=${BENCH_SHORT:-300}
long=${BENCH_LONG:-1500}
order_seconds=${BENCH_ORDER_SECONDS:-4}
port=${SHOPD_BENCH_PORT:-18093}
for n in "$products" "$short" "$long" "$order_seconds" "$port"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "instructions.sh: \"$n\" is not a whole number" >&2; exit 2; }
done
((long > short)) || { echo "instructions.sh: BENCH_LONG must exceed BENCH_SHORT" >&2; exit 2; }

bash scripts/install-deps.sh build bench
configure_preset release
binaries=()
if [[ $# -eq 0 ]]; then
  build_preset release --target shopd order_load
  binaries=("$repo_root/build/shopd")
else
  build_preset release --target order_load
  for b in "$@"; do binaries+=("$(realpath "$b")"); done
fi
load_bin=$repo_root/build/bench/order_load

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shopd-bench.XXXXXX")
shopd_pid=""
trap_cleanup_of_shopd_and_tmp
if port_in_use "$port"; then
  echo "instructions.sh: 127.0.0.1:$port is already in use; set SHOPD_BENCH_PORT" >&2
  exit 1
fi

env_vars=(PATH="$PATH" HOST=127.0.0.1 PORT="$port" CACHE_MAX_MB=0 RATE_LIMIT_MAX=0
  AUTH_RATE_LIMIT_MAX=0 LOG_LEVEL=warn HOUSEKEEPING_INTERVAL=0 WORKER_THREADS=4 IO_THREADS=1
  JWT_SECRET=bench-secret-bench-secret-bench-secret
  JWT_REFRESH_SECRET=bench-refresh-secret-bench-refresh)

# Runs `bin serve` under callgrind in dir, runs the load command, stops shopd; prints the
# instructions the whole process executed.
counted() {  # bin dir load-command...
  local bin=$1 dir=$2
  shift 2
  (cd "$dir" && exec env -i "${env_vars[@]}" valgrind --tool=callgrind \
    --callgrind-out-file="$dir/callgrind.out" "$bin" serve >"$dir/shopd.log" 2>&1) &
  shopd_pid=$!
  local i
  for ((i = 0; i < 600; i++)); do  # valgrind starts slowly: up to 60 s
    [[ $(http_get "$port" /healthz) == "HTTP/1.1 200 "* ]] && break
    kill -0 "$shopd_pid" 2>/dev/null || { tail -n 20 "$dir/shopd.log" >&2; return 1; }
    sleep 0.1
  done
  "$@" >"$dir/load.txt"
  kill -INT "$shopd_pid"
  wait "$shopd_pid" || true
  shopd_pid=""
  awk '$1 == "summary:" { print $2 }' "$dir/callgrind.out"*
}

# A curl config that GETs the list n times over one connection.
list_requests() {  # n file
  local i
  for ((i = 0; i < $1; i++)); do
    printf 'url = "http://127.0.0.1:%s/api/products?page=1&limit=10"\noutput = "/dev/null"\n' \
      "$port"
  done >"$2"
}

fresh_data() {  # bin dir: a seeded SQLite database in dir/data
  mkdir -p "$2"
  (cd "$2" && env -i "${env_vars[@]}" "$1" seed-demo --products "$products" >/dev/null)
}

declare -a list_ir order_ir
list_requests "$short" "$tmp/short.curl"
list_requests "$long" "$tmp/long.curl"
for index in "${!binaries[@]}"; do
  bin=${binaries[$index]}
  echo "measuring $bin" >&2
  run="$tmp/$index"
  fresh_data "$bin" "$run/seed"
  for n in short long; do
    rm -rf "$run/$n" && cp -r "$run/seed" "$run/$n"
    printf -v "ir_$n" '%s' "$(counted "$bin" "$run/$n" curl -sf -K "$tmp/$n.curl")"
  done
  # shellcheck disable=SC2154 # set by printf -v
  list_ir[$index]=$(((ir_long - ir_short) / (long - short)))
  for n in short long; do
    secs=$order_seconds
    [[ $n == long ]] && secs=$((order_seconds * 4))
    dir="$run/orders-$n"
    fresh_data "$bin" "$dir"
    url="sqlite://$dir/data/shopd.db"
    printf -v "ir_$n" '%s' "$(counted "$bin" "$dir" "$load_bin" "$port" "$url" "$secs" 1)"
    printf -v "orders_$n" '%s' "$(awk '/orders placed:/ { print $3 }' "$dir/load.txt")"
  done
  # shellcheck disable=SC2154
  order_ir[$index]=$(((ir_long - ir_short) / (orders_long - orders_short)))
done

printf '\n=== instructions per request (callgrind, SQLite, %s products, cache off)\n' "$products"
printf '%-12s %-14s %-8s %-14s %-8s %s\n' "" "list page 1" "ratio" "add + order" "ratio" binary
for index in "${!binaries[@]}"; do
  printf '%-12s %-14s %-8s %-14s %-8s %s\n' "#$index" "${list_ir[$index]}" \
    "$(awk -v a="${list_ir[$index]}" -v b="${list_ir[0]}" 'BEGIN { printf "%.3f", a / b }')" \
    "${order_ir[$index]}" \
    "$(awk -v a="${order_ir[$index]}" -v b="${order_ir[0]}" 'BEGIN { printf "%.3f", a / b }')" \
    "${binaries[$index]}"
done
