#!/usr/bin/env bash
# Checkout under load: BENCH_BUYERS buyers (64), each on its own connection, each looping "add a
# random in-stock product to the cart, place the order" for BENCH_SECONDS (10), with the
# durability settings of production (SQLite synchronous=FULL; PostgreSQL synchronous_commit on).
# Prints orders per second and checks that units sold + stock left == stock at the start.
# Runs on SQLite, and also on PostgreSQL when BENCH_POSTGRES_URL names an empty database.
#
# With BENCH_PAYMENTS=stripe, shopd takes payments through a fake Stripe that the load generator
# serves on loopback (SHOPD_BENCH_STRIPE_PORT, 18092), and every order is paid and its signed
# webhook delivered: the figure is then orders placed and paid per second.
#
# Knobs: BENCH_SECONDS, BENCH_BUYERS, BENCH_PRODUCTS (2000), SHOPD_BENCH_PORT (18091),
# BENCH_POSTGRES_URL, WORKER_THREADS and DATABASE_POOL_SIZE (passed on to shopd), BENCH_KEEP_TMP=1,
# SHOPD_BIN (a shopd binary to measure instead of building build/shopd).
# See bench/README.md.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo_root"

seconds=${BENCH_SECONDS:-10}
buyers=${BENCH_BUYERS:-64}
products=${BENCH_PRODUCTS:-2000}
port=${SHOPD_BENCH_PORT:-18091}
stripe_port=${SHOPD_BENCH_STRIPE_PORT:-18092}
payments=${BENCH_PAYMENTS:-manual}
case $payments in
  manual | stripe) ;;
  *) echo "orders.sh: BENCH_PAYMENTS is manual or stripe, not \"$payments\"" >&2; exit 2 ;;
esac
for n in "$seconds" "$buyers" "$products" "$port" "$stripe_port"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "orders.sh: \"$n\" is not a whole number" >&2; exit 2; }
done

bash scripts/install-deps.sh build bench
configure_preset release
if [[ -n ${SHOPD_BIN:-} ]]; then
  shopd_bin=$(realpath "$SHOPD_BIN")  # e.g. the previous release, to compare in one session
  build_preset release --target order_load
else
  build_preset release --target shopd order_load
  shopd_bin=$repo_root/build/shopd
fi
load_bin=$repo_root/build/bench/order_load

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shopd-bench.XXXXXX")
shopd_pid=""
trap_cleanup_of_shopd_and_tmp

if port_in_use "$port"; then
  echo "orders.sh: 127.0.0.1:$port is already in use; set SHOPD_BENCH_PORT" >&2
  exit 1
fi
load_args=()
if [[ $payments == stripe ]]; then
  if port_in_use "$stripe_port"; then
    echo "orders.sh: 127.0.0.1:$stripe_port is already in use; set SHOPD_BENCH_STRIPE_PORT" >&2
    exit 1
  fi
  load_args=("$stripe_port")
fi

run_backend() {  # name database_url
  local name=$1 url=$2 dir="$tmp/$1"
  mkdir -p "$dir"
  local env_vars=(PATH="$PATH" HOST=127.0.0.1 PORT="$port" DATABASE_URL="$url"
    JWT_SECRET=bench-secret-bench-secret-bench-secret JWT_REFRESH_SECRET=bench-refresh-secret-bench-refresh
    RATE_LIMIT_MAX=0 AUTH_RATE_LIMIT_MAX=0 LOG_LEVEL=info)
  [[ -n ${WORKER_THREADS:-} ]] && env_vars+=(WORKER_THREADS="$WORKER_THREADS")
  [[ -n ${DATABASE_POOL_SIZE:-} ]] && env_vars+=(DATABASE_POOL_SIZE="$DATABASE_POOL_SIZE")
  (cd "$dir" && env -i "${env_vars[@]}" "$shopd_bin" seed-demo --products "$products" >/dev/null)
  local serve_vars=()
  if [[ $payments == stripe ]]; then  # the keys the fake in order_load expects
    serve_vars=(PAYMENT_PROVIDER=stripe STRIPE_SECRET_KEY=sk_test_fake_0123456789
      STRIPE_WEBHOOK_SECRET=whsec_fake_0123456789 STRIPE_API_BASE="http://127.0.0.1:$stripe_port")
  fi
  (cd "$dir" && exec env -i "${env_vars[@]}" "${serve_vars[@]}" "$shopd_bin" serve >"$dir/shopd.log" 2>&1) &
  shopd_pid=$!
  wait_until_healthy shopd "$shopd_pid" "$port" "$dir/shopd.log"
  printf '\n=== %s: %s buyers, %s s, %s products, payments %s, %s cores shared by the load and shopd\n' \
    "$name" "$buyers" "$seconds" "$products" "$payments" "$(nproc)"
  (cd "$dir" && "$load_bin" "$port" "$url" "$seconds" "$buyers" "${load_args[@]}") | tee "$tmp/$name.txt"
  printf 'shopd peak RSS: %s MB\n' "$(mb "$(rss_kb "$shopd_pid" VmHWM)")"
  stop "$shopd_pid" 12
  shopd_pid=""
}

run_backend sqlite "sqlite://$tmp/sqlite/data/shopd.db"
if [[ -n ${BENCH_POSTGRES_URL:-} ]]; then
  run_backend postgres "$BENCH_POSTGRES_URL"
else
  echo "(PostgreSQL skipped: set BENCH_POSTGRES_URL to an empty database to run it too)"
fi
