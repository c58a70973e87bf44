#!/usr/bin/env bash
# Logins per second at the configured Argon2id cost (19 MiB, 2 passes), and what a login flood
# does to everything else: GET /healthz throughput idle and while logins flood (the target: at
# least half of idle, because hashing runs on its own bounded pool). See bench/README.md.
#
# Knobs (environment): BENCH_SECONDS (10), LOGIN_CONNECTIONS (32), SHOPD_BENCH_PORT (18090),
# SHOPD_BIN (a shopd binary to measure instead of building build/shopd), BENCH_STRICT=1 (exit 1
# when the target is missed).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
cd "$repo_root"

seconds=${BENCH_SECONDS:-10}
login_connections=${LOGIN_CONNECTIONS:-32}
port=${SHOPD_BENCH_PORT:-18090}

bash scripts/install-deps.sh build bench
if [[ -n ${SHOPD_BIN:-} ]]; then
  shopd_bin=$(realpath "$SHOPD_BIN")
else
  configure_preset release
  build_preset release --target shopd
  shopd_bin=$repo_root/build/shopd
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shopd-login-bench.XXXXXX")
shopd_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $shopd_pid ]] && kill -0 "$shopd_pid" 2>/dev/null; then
    kill -TERM "$shopd_pid" 2>/dev/null || true
    wait "$shopd_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One request over bash's /dev/tcp (no curl on a minimal system); prints the raw answer.
http() {  # method path [json body]
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" \
      "$2" "$3" "${#4}" "$4" >&3
    cat <&3' _ "$port" "$1" "$2" "${3:-}" 2>/dev/null
}

# The per-address login limit is off (one address sends everything); the per-account limit
# counts failures only, and every login here succeeds.
mkdir -p "$tmp/shopd"
(cd "$tmp/shopd" && exec env -i PATH="$PATH" HOST=127.0.0.1 PORT="$port" RATE_LIMIT_MAX=0 \
  AUTH_RATE_LIMIT_MAX=0 LOG_LEVEL=warn "$shopd_bin" serve >"$tmp/shopd.log" 2>&1) &
shopd_pid=$!
for ((i = 0; i < 100; i++)); do
  [[ $(http GET /healthz) == "HTTP/1.1 200 "* ]] && break
  sleep 0.1
done

body='{"name":"Bench","email":"bench@example.com","password":"correct horse battery"}'
[[ $(http POST /api/users/register "$body") == "HTTP/1.1 201 "* ]] || {
  echo "login.sh: could not register the bench user" >&2
  exit 1
}
cat >"$tmp/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email":"bench@example.com","password":"correct horse battery"}'
wrk.headers["Content-Type"] = "application/json"
LUA

rate() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }
non2xx() { sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$1"; }

wrk -t1 -c16 -d"${seconds}s" "http://127.0.0.1:$port/healthz" >"$tmp/idle.txt"
# The flood runs a little longer than the healthz measurement inside it.
wrk -t1 -c"$login_connections" -d"$((seconds + 4))s" -s "$tmp/login.lua" \
  "http://127.0.0.1:$port/api/users/login" >"$tmp/login.txt" &
flood=$!
sleep 2
wrk -t1 -c16 -d"${seconds}s" "http://127.0.0.1:$port/healthz" >"$tmp/busy.txt"
wait "$flood"

idle=$(rate "$tmp/idle.txt")
busy=$(rate "$tmp/busy.txt")
login_total=$(sed -n 's/^ *\([0-9]*\) requests in \([0-9.]*\)s.*/\1 \2/p' "$tmp/login.txt")
refused=$(non2xx "$tmp/login.txt")
refused=${refused:-0}
read -r login_requests login_seconds <<<"$login_total"
awk -v idle="$idle" -v busy="$busy" -v n="$login_requests" -v s="$login_seconds" \
  -v refused="$refused" -v c="$login_connections" 'BEGIN {
  printf "=== logins: %d connections POSTing /api/users/login (Argon2id m=19 MiB, t=2)\n", c
  printf "successful logins/s       %10.1f\n", (n - refused) / s
  printf "refused (503, pool full)  %10d of %d\n", refused, n
  printf "=== GET /healthz (wrk -t1 -c16)\n"
  printf "idle req/s                %10.0f\n", idle
  printf "during the login flood    %10.0f\n", busy
  ratio = idle > 0 ? busy / idle : 0
  printf "ratio                     %10.2f (target >= 0.50: %s)\n", ratio, (ratio >= 0.5 ? "met" : "MISSED")
}'
if [[ ${BENCH_STRICT:-0} == 1 ]]; then
  awk -v i="$idle" -v b="$busy" 'BEGIN { exit !(b >= 0.5 * i) }'
fi
