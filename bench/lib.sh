# Helpers shared by the bench scripts (sourced, not run).

stop() {  # pid seconds: TERM, then KILL if it is still there after that long
  local pid=$1 limit=$2 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# One HTTP/1.1 request over bash's /dev/tcp (no curl on a minimal system); prints the raw answer.
http_get() {  # port path
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "$2" >&3
    cat <&3' _ "$1" "$2" 2>/dev/null
}

port_in_use() {  # port
  timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

wait_until_healthy() {  # name pid port log
  local i answer
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "bench: $1 exited during start; its log:" >&2
      tail -n 20 "$4" >&2
      return 1
    fi
    answer=$(http_get "$3" /healthz) || true
    [[ $answer == "HTTP/1.1 200 "* ]] && return 0
    sleep 0.1
  done
  echo "bench: $1 did not answer /healthz on 127.0.0.1:$3 within 10 s" >&2
  return 1
}

rss_kb() {  # pid field (VmRSS or VmHWM)
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

mb() {  # kB -> MB with one decimal
  awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

req_per_s() { awk '$1 == "Requests/sec:" { print $2 }' "$1"; }
p99() { awk '$1 == "99%" { print $2 }' "$1"; }
bad_answers() {  # non-2xx answers plus socket errors, as one number
  awk '/Non-2xx or 3xx responses:/ { n += $NF }
       /Socket errors:/ { for (i = 3; i <= NF; i += 2) { gsub(",", "", $(i + 1)); n += $(i + 1) } }
       END { print n + 0 }' "$1"
}

# On exit (also Ctrl-C or an error): stops $shopd_pid and whatever is in the array other_pids,
# and removes $tmp, unless BENCH_KEEP_TMP=1.
other_pids=()
trap_cleanup_of_shopd_and_tmp() {
  cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    stop "$shopd_pid" 12
    for pid in "${other_pids[@]}"; do
      stop "$pid" 5
    done
    if [[ ${BENCH_KEEP_TMP:-0} == 1 ]]; then echo "logs kept in $tmp"; else rm -rf "$tmp"; fi
    exit "$status"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Starts a private redis-server on 127.0.0.1:$1 without persistence, logging into $2; adds it to
# other_pids and waits until it accepts connections.
start_redis() {  # port log
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --logfile "$2" &
  other_pids+=($!)
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q "Ready to accept connections" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: redis-server did not start on 127.0.0.1:$1; its log:" >&2
  tail -n 20 "$2" >&2
  return 1
}
