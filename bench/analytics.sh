#!/usr/bin/env bash
# The admin sales report (GET /api/admin/analytics, without the socket) on a shop of BENCH_ORDERS
# orders (100000) over the past 90 days: milliseconds per report (median, p95, max, and the CPU
# time of the process, which SQLite's work is part of) for the default 30 days, a time zone, 90
# days and the maximum 366 days, BENCH_REPEATS (20) times each. Runs on SQLite, and also on
# PostgreSQL when BENCH_POSTGRES_URL names an empty database (filled, then left filled).
# See bench/README.md.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$repo_root"

orders=${BENCH_ORDERS:-100000}
repeats=${BENCH_REPEATS:-20}
for n in "$orders" "$repeats"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "analytics.sh: \"$n\" is not a whole number" >&2; exit 2; }
done

bash scripts/install-deps.sh build
configure_preset release
build_preset release --target analytics_report
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shopd-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "=== SQLite, $orders orders, $(nproc) cores"
build/bench/analytics_report "sqlite://$tmp/shopd.db" "$orders" "$repeats"
if [[ -n ${BENCH_POSTGRES_URL:-} ]]; then
  echo
  echo "=== PostgreSQL, $orders orders"
  build/bench/analytics_report "$BENCH_POSTGRES_URL" "$orders" "$repeats"
fi
