#!/usr/bin/env bash
# GET /healthz on shopd beside nginx serving the same 15-byte body, both driven by wrk over
# keep-alive connections on loopback. Prints req/s for both, the ratio shopd/nginx, p99 latency,
# and shopd's resident memory idle before the run and after it. See bench/README.md.
#
# Knobs (environment): BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_THREADS (2),
# BENCH_CONNECTIONS (64), SHOPD_BENCH_PORT (18080), NGINX_BENCH_PORT (18081), SHOPD_BIN (a shopd
# binary to measure instead of building build/shopd), IO_THREADS and WORKER_THREADS (passed on to
# shopd), BENCH_STRICT=1 (exit 1 when a target is missed), BENCH_KEEP_TMP=1 (keep the logs).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo_root"

seconds=${BENCH_SECONDS:-10}
warmup_seconds=${BENCH_WARMUP_SECONDS:-3}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-64}
shopd_port=${SHOPD_BENCH_PORT:-18080}
nginx_port=${NGINX_BENCH_PORT:-18081}
for n in "$seconds" "$warmup_seconds" "$threads" "$connections" "$shopd_port" "$nginx_port"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "healthz.sh: \"$n\" is not a whole number" >&2; exit 2; }
done

bash scripts/install-deps.sh build bench
if [[ -n ${SHOPD_BIN:-} ]]; then
  shopd_bin=$(realpath "$SHOPD_BIN")
else
  configure_preset release
  build_preset release --target shopd
  shopd_bin=$repo_root/build/shopd
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)  # /usr/sbin is not on every user's PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shopd-bench.XXXXXX")
shopd_pid=""
nginx_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$shopd_pid" 12
  stop "$nginx_pid" 5
  if [[ ${BENCH_KEEP_TMP:-0} == 1 ]]; then
    echo "logs kept in $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for port in "$shopd_port" "$nginx_port"; do
  if port_in_use "$port"; then
    echo "healthz.sh: 127.0.0.1:$port is already in use; set SHOPD_BENCH_PORT / NGINX_BENCH_PORT" >&2
    exit 1
  fi
done

# shopd: a clean environment and its own working directory, so neither a .env nor a ./data of the
# repository is used. Every middleware stays on; the rate limit is raised so that it counts but
# never refuses; LOG_LEVEL=info writes an access line per request to the log file.
mkdir -p "$tmp/shopd"
shopd_env=(PATH="$PATH" HOST=127.0.0.1 PORT="$shopd_port" RATE_LIMIT_MAX=1000000000 LOG_LEVEL=info)
[[ -n ${IO_THREADS:-} ]] && shopd_env+=(IO_THREADS="$IO_THREADS")
[[ -n ${WORKER_THREADS:-} ]] && shopd_env+=(WORKER_THREADS="$WORKER_THREADS")
(cd "$tmp/shopd" && exec env -i "${shopd_env[@]}" "$shopd_bin" serve >"$tmp/shopd.log" 2>&1) &
shopd_pid=$!

# nginx: everything under the temp dir, in the foreground (daemon off) so that $! is its master.
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/client_body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /healthz {
      default_type application/json;
      return 200 '{"status":"ok"}';
    }
  }
}
EOF
nginx_args=(-p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log")
"$nginx_bin" -t -q "${nginx_args[@]}"
"$nginx_bin" "${nginx_args[@]}" &
nginx_pid=$!

wait_until_healthy shopd "$shopd_pid" "$shopd_port" "$tmp/shopd.log"
wait_until_healthy nginx "$nginx_pid" "$nginx_port" "$tmp/nginx/error.log"

shopd_answer=$(http_get "$shopd_port" /healthz)
nginx_answer=$(http_get "$nginx_port" /healthz)
shopd_body=${shopd_answer#*$'\r\n\r\n'}
nginx_body=${nginx_answer#*$'\r\n\r\n'}
if [[ $shopd_body != "$nginx_body" ]]; then
  echo "healthz.sh: the bodies differ: shopd '$shopd_body', nginx '$nginx_body'" >&2
  exit 1
fi

sleep 1
idle_rss=$(rss_kb "$shopd_pid" VmRSS)

run_wrk() {  # port seconds output
  timeout $(($2 + 30)) wrk -t"$threads" -c"$connections" -d"$2s" --latency \
    "http://127.0.0.1:$1/healthz" >"$3"
}

echo "warming up and measuring nginx (${warmup_seconds}s + ${seconds}s)"
run_wrk "$nginx_port" "$warmup_seconds" "$tmp/nginx-warmup.txt"
run_wrk "$nginx_port" "$seconds" "$tmp/nginx-wrk.txt"
echo "warming up and measuring shopd (${warmup_seconds}s + ${seconds}s)"
run_wrk "$shopd_port" "$warmup_seconds" "$tmp/shopd-warmup.txt"
run_wrk "$shopd_port" "$seconds" "$tmp/shopd-wrk.txt"

sleep 1
after_rss=$(rss_kb "$shopd_pid" VmRSS)
peak_rss=$(rss_kb "$shopd_pid" VmHWM)

for name in nginx shopd; do
  printf '\n--- wrk against %s\n' "$name"
  cat "$tmp/$name-wrk.txt"
done

nginx_rps=$(req_per_s "$tmp/nginx-wrk.txt")
shopd_rps=$(req_per_s "$tmp/shopd-wrk.txt")
if [[ -z $nginx_rps || -z $shopd_rps ]]; then
  echo "healthz.sh: wrk printed no Requests/sec line" >&2
  exit 1
fi
ratio=$(awk -v s="$shopd_rps" -v n="$nginx_rps" 'BEGIN { printf "%.2f", (n > 0 ? s / n : 0) }')
ratio_met=$(awk -v r="$ratio" 'BEGIN { print ((r >= 0.6) ? "met" : "MISSED") }')
rss_met=$(awk -v k="$idle_rss" 'BEGIN { print ((k < 20 * 1024) ? "met" : "MISSED") }')

printf '\n=== GET /healthz: wrk -t%s -c%s -d%ss --latency, on %s cores shared by wrk and the server\n' \
  "$threads" "$connections" "$seconds" "$(nproc)"
printf '%-7s %12s %10s %16s %14s\n' server 'req/s' 'p99' 'response bytes' 'bad answers'
printf '%-7s %12s %10s %16s %14s\n' nginx "$nginx_rps" "$(p99 "$tmp/nginx-wrk.txt")" \
  "${#nginx_answer}" "$(bad_answers "$tmp/nginx-wrk.txt")"
printf '%-7s %12s %10s %16s %14s\n' shopd "$shopd_rps" "$(p99 "$tmp/shopd-wrk.txt")" \
  "${#shopd_answer}" "$(bad_answers "$tmp/shopd-wrk.txt")"
printf 'ratio shopd/nginx: %s (target >= 0.60: %s)\n' "$ratio" "$ratio_met"
printf 'shopd RSS: idle before %s MB (target < 20 MB: %s), after %s MB, peak %s MB\n' \
  "$(mb "$idle_rss")" "$rss_met" "$(mb "$after_rss")" "$(mb "$peak_rss")"
printf 'shopd log (access lines): %s MB\n' "$(mb $(($(stat -c %s "$tmp/shopd.log") / 1024)))"

if [[ $(bad_answers "$tmp/shopd-wrk.txt") != 0 ]]; then
  echo "warning: shopd gave non-2xx answers or socket errors; its figure is not comparable" >&2
fi
if [[ ${BENCH_STRICT:-0} == 1 && ($ratio_met != met || $rss_met != met) ]]; then
  exit 1
fi
