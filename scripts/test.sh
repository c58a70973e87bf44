#!/usr/bin/env bash
# README command 2, and what CI runs (.ci/run): installs what the build and the tests need, starts
# private PostgreSQL and Redis servers for their test cases (stopped and removed at exit), then
#   1. checks the formatting of src/, tests/, bench/ and fuzz/ with clang-format, and the example
#      load balancer configuration with nginx -t,
#   2. builds Release with warnings as errors into build/ and runs every test suite (ctest),
#   3. builds with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs them
#      again,
#   4. builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/, replays each seed
#      corpus (fuzz/corpus/) and fuzzes each target for FUZZ_SECONDS (default 5),
#   5. builds the concurrency tests (core, cache, storage, the HTTP server, password hashing) with
#      ThreadSanitizer into build-tsan/ and runs them,
#   6. lints docs/openapi.json with Redocly CLI, then runs the JavaScript tests against the
#      Release build/shopd with node's test runner: the contract tests (tests/js/contract/: every
#      operation of the OpenAPI document, generated requests, each answer checked against the
#      document) and the browser tests (tests/js/browser/: /admin and /docs in headless Debian
#      Chromium; screenshots in build/artifacts/screenshots/),
# and prints a summary. Exits non-zero when any step fails. With CI=true a test skipped in a ctest
# run (GTEST_SKIP) fails that run unless tests/skips-allowed.txt allows it with a reason, and
# PostgreSQL or Redis failing to start stops the script. Needs root or sudo for apt-get when
# packages are missing. The build directories and their options are the presets `release` and
# `asan` in CMakePresets.json (the sanitizer options ASAN_OPTIONS/UBSAN_OPTIONS are set there too).
set -uo pipefail  # no -e: a failed step is recorded and the summary decides the exit status
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root" || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/shopd-test.XXXXXX")
service_pids=()  # whatever this script starts in the background; stopped on exit
pg_stop_scripts=()  # private PostgreSQL clusters: their control scripts, run with `stop` on exit

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid script
  for script in "${pg_stop_scripts[@]}"; do
    bash "$script" stop >/dev/null 2>&1
  done
  for pid in "${service_pids[@]}" $(jobs -p); do
    kill "$pid" 2>/dev/null
  done
  for pid in "${service_pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ulimit -c 0  # a sanitizer abort must not leave core files behind

step_names=()
step_results=()
step_seconds=()
tests_passed=0
tests_failed=0
tests_skipped=0
skips_allowed_file=tests/skips-allowed.txt

record() {  # name result seconds
  step_names+=("$1")
  step_results+=("$2")
  step_seconds+=("$3")
}

banner() {
  printf '\n==> %s\n' "$*"
}

# Runs one step, prints its output as it goes and records whether it passed.
step() {
  local name=$1
  shift
  banner "$name"
  local started=$SECONDS
  if "$@"; then
    record "$name" ok $((SECONDS - started))
    return 0
  fi
  record "$name" FAILED $((SECONDS - started))
  return 1
}

check_format() {
  local files=()
  local dir
  for dir in src tests bench fuzz; do
    [[ -d $dir ]] || continue
    while IFS= read -r -d '' f; do files+=("$f"); done < <(
      find "$dir" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) \
        -print0 | sort -z)
  done
  echo "clang-format: checking ${#files[@]} files"
  [[ ${#files[@]} -eq 0 ]] || clang-format --dry-run -Werror "${files[@]}"
}

build() {  # preset
  configure_preset "$1" && build_preset "$1"
}

# The tests a ctest log lists as skipped (GTEST_SKIP), one name a line: the "(Skipped)" lines of
# its closing section "The following tests did not run:", without the "  # GetParam() = ..."
# that ctest's names of parameterized tests end with.
skipped_tests() {  # log
  sed -n '/^The following tests did not run:/,$ {
    s/^[[:space:]]*[0-9][0-9]* - \(.*\) (Skipped)$/\1/p
  }' "$1" | sed 's/  # GetParam() = .*//'
}

# True when tests/skips-allowed.txt allows that test to be skipped: a line "PATTERN REASON" whose
# shell pattern matches the whole name. A line without a reason allows nothing.
skip_allowed() {  # test name
  local pattern reason
  [[ -f $skips_allowed_file ]] || return 1
  while read -r pattern reason; do
    [[ -z $pattern || $pattern == \#* || -z $reason ]] && continue
    # shellcheck disable=SC2053 # a glob on purpose
    [[ $1 == $pattern ]] && return 0
  done <"$skips_allowed_file"
  return 1
}

# CI skip policy: with CI=true, a skipped test that tests/skips-allowed.txt does not allow fails
# the run (a missing package, service or fixture is fixed by installing it, not by skipping).
check_skips() {  # preset log
  local name skipped=() refused=()
  while IFS= read -r name; do
    skipped+=("$name")
    skip_allowed "$name" || refused+=("$name")
  done < <(skipped_tests "$2")
  tests_skipped=$((tests_skipped + ${#skipped[@]}))
  [[ ${#refused[@]} -gt 0 ]] || return 0
  if [[ ${CI:-} != true ]]; then
    echo "test.sh: note: ${#refused[@]} $1 tests were skipped; with CI=true that fails the run" >&2
    return 0
  fi
  echo "test.sh: CI=true and these $1 tests were skipped, which $skips_allowed_file does not" \
    "allow:" >&2
  printf '  %s\n' "${refused[@]}" >&2
  echo "test.sh: make them run (scripts/install-deps.sh installs what tests need) or, if a" \
    "skip is right on CI, add a line 'NAME-PATTERN REASON' to $skips_allowed_file" >&2
  return 1
}

# Runs every ctest suite of a preset and adds its counts to the totals.
run_tests() {  # preset
  local log="$work/ctest-$1.log"
  ctest --preset "$1" -j "$build_jobs" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local counts
  counts=$(sed -n 's/.* \([0-9][0-9]*\) tests* failed out of \([0-9][0-9]*\).*/\1 \2/p' "$log" | tail -n 1)
  if [[ -n $counts ]]; then
    local failed=${counts% *} total=${counts#* }
    tests_failed=$((tests_failed + failed))
    tests_passed=$((tests_passed + total - failed))
  elif [[ $status -eq 0 ]]; then
    status=1  # ctest succeeded without its closing line: treat as "ran nothing"
  fi
  check_skips "$1" "$log" || status=1
  return "$status"
}

# Every fuzz target over its seeds, then briefly from them (new inputs go to a scratch folder).
fuzz_replay() {
  local target status=0 seconds=${FUZZ_SECONDS:-5}
  for target in "${fuzz_targets[@]}"; do
    local bin="build-fuzz/fuzz/$target" scratch="$work/fuzz/$target"
    mkdir -p "$scratch"
    # shellcheck disable=SC2046 # the options are words
    if "$bin" -runs=0 "fuzz/corpus/$target" >"$scratch.replay.log" 2>&1 &&
        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
          -artifact_prefix="$scratch/" $(fuzz_options "$target") "$scratch" \
          "fuzz/corpus/$target" >"$scratch.log" 2>&1; then
      echo "$target: $(ls "fuzz/corpus/$target" | wc -l) seeds replayed, fuzzed ${seconds} s:" \
        "$(grep -o 'Done [0-9]* runs' "$scratch.log" | tail -n 1)"
    else
      status=1
      echo "$target FAILED:" >&2
      tail -n 40 "$scratch.replay.log" "$scratch.log" >&2 2>/dev/null
    fi
  done
  return "$status"
}

# ---- Services the store and API tests need ----------------------------------------------------
# PostgreSQL: two private clusters in "$work/pg" on 127.0.0.1 (a free port each), run by a non-root
# user (postgres when this script runs as root; PostgreSQL refuses to run as root). "main" serves
# the store and API suites (SHOPD_TEST_POSTGRES_URL; every test makes a schema of its own);
# "outage" is stopped and started by the API outage test (SHOPD_TEST_PG_FAULT_URL and
# SHOPD_TEST_PG_FAULT_CTL, a script taking stop|start), so tests running beside it are not
# disturbed. cleanup() stops both. Without CI=true a PostgreSQL that cannot start only skips the
# PostgreSQL cases; with CI=true it stops the run.
# Redis: one private redis-server on 127.0.0.1 (a free port, no persistence) for the tests that
# share one (SHOPD_TEST_REDIS_URL; every test uses a key prefix of its own); tests that kill, pause
# and restart Redis start their own from SHOPD_TEST_REDIS_SERVER. cleanup() stops it. Like
# PostgreSQL: without CI=true a Redis that cannot start only skips those cases.
pg_bin=""
pg_user=""     # "" runs the clusters as the current user
pg_status="not started"

# Runs a PostgreSQL program as the cluster owner, from / (the owner may not read our cwd).
as_pg_user() {
  if [[ -n $pg_user ]]; then
    (cd / && runuser -u "$pg_user" -- "$@")
  else
    (cd / && "$@")
  fi
}

find_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z $pg_bin || ! -x $pg_bin/pg_ctl ]]; then
    echo "postgres: no server programs under /usr/lib/postgresql/*/bin (package postgresql)" >&2
    return 1
  fi
  if [[ $(id -u) -eq 0 ]]; then
    pg_user=postgres
    if ! id "$pg_user" >/dev/null 2>&1; then
      echo "postgres: user $pg_user does not exist" >&2
      return 1
    fi
    chmod 711 "$work"  # the cluster owner must reach its folder inside
  fi
}

# Makes, starts and fills one cluster; sets pg_url (postgres://shopd:PASSWORD@127.0.0.1:PORT/
# shopd_test) and pg_ctl_script (a script taking stop|start).
start_postgres_cluster() {  # name
  local dir="$work/pg/$1"
  mkdir -p "$dir"
  [[ -z $pg_user ]] || chown "$pg_user" "$work/pg" "$dir"
  chmod 700 "$dir"
  if ! as_pg_user "$pg_bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$work/pg-$1-initdb.log" 2>&1; then
    echo "postgres: initdb failed:" >&2
    tail -n 20 "$work/pg-$1-initdb.log" >&2
    return 1
  fi
  # No fsync (the machine does not crash under the tests), but synchronous_commit stays on: the
  # outage test stops the server with -m immediate, which would lose commits still in WAL buffers.
  cat >>"$dir/data/postgresql.conf" <<CONF
# scripts/test.sh: a throwaway cluster for tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 200
include_if_exists = 'port.conf'
CONF
  local ctl="$dir/ctl.sh"
  local run_as=""
  [[ -z $pg_user ]] || run_as="runuser -u $pg_user --"
  cat >"$ctl" <<CTL
#!/usr/bin/env bash
# Stops or starts the private PostgreSQL cluster "$1" of one scripts/test.sh run.
set -euo pipefail
cd /
case "\${1:-}" in
  stop) exec $run_as "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop ;;
  start) exec $run_as "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CTL
  # A random high port; taken ones make the start fail, so try a few.
  local port attempt started=0
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    echo "port = $port" >"$dir/data/port.conf"
    [[ -z $pg_user ]] || chown "$pg_user" "$dir/data/port.conf"
    if bash "$ctl" start >/dev/null 2>&1; then
      started=1
      break
    fi
  done
  if [[ $started -eq 0 ]]; then
    echo "postgres: the $1 cluster did not start; its log says:" >&2
    tail -n 20 "$dir/server.log" >&2 2>/dev/null
    return 1
  fi
  pg_stop_scripts+=("$ctl")
  local password
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  if ! as_pg_user "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres \
      -d postgres -c "CREATE ROLE shopd LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE shopd_test OWNER shopd" >/dev/null; then
    echo "postgres: cannot create the test role and database in the $1 cluster" >&2
    return 1
  fi
  pg_url="postgres://shopd:$password@127.0.0.1:$port/shopd_test"
  pg_ctl_script=$ctl
  echo "postgres: $1 cluster on 127.0.0.1:$port ($("$pg_bin/postgres" --version))"
}

start_postgres() {
  find_postgres || return 1
  start_postgres_cluster main || return 1
  export SHOPD_TEST_POSTGRES_URL=$pg_url
  start_postgres_cluster outage || return 1
  export SHOPD_TEST_PG_FAULT_URL=$pg_url SHOPD_TEST_PG_FAULT_CTL=$pg_ctl_script
}

redis_status="not started"

start_redis() {
  local program
  if ! program=$(command -v redis-server); then
    echo "redis: redis-server is not installed (package redis-server)" >&2
    return 1
  fi
  mkdir -p "$work/redis"
  local attempt port pid log i
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    log="$work/redis/server-$attempt.log"
    "$program" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
      --dir "$work/redis" --logfile "$log" &
    pid=$!
    for i in $(seq 50); do
      if grep -q "Ready to accept connections" "$log" 2>/dev/null; then
        service_pids+=("$pid")
        export SHOPD_TEST_REDIS_URL="redis://127.0.0.1:$port" SHOPD_TEST_REDIS_SERVER="$program"
        echo "redis: private server on 127.0.0.1:$port ($("$program" --version | cut -d' ' -f1-3))"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  echo "redis: the server did not start; its log says:" >&2
  tail -n 20 "$log" >&2 2>/dev/null
  return 1
}

# A service that cannot start fails the run with CI=true (its tests must not be skipped);
# otherwise its tests are skipped with a warning.
service_missing() {  # name
  if [[ ${CI:-} == true ]]; then
    echo "test.sh: $1 could not be started and CI=true: its tests must not be skipped" >&2
    return 1
  fi
  echo "test.sh: warning: $1 could not be started; its test cases will be skipped" >&2
}

start_test_services() {
  banner "test services (PostgreSQL, Redis)"
  if start_postgres; then
    pg_status="ran against private clusters"
  else
    unset SHOPD_TEST_POSTGRES_URL SHOPD_TEST_PG_FAULT_URL SHOPD_TEST_PG_FAULT_CTL
    pg_status="SKIPPED (PostgreSQL could not be started)"
    service_missing PostgreSQL || return 1
  fi
  if start_redis; then
    redis_status="ran against a private server"
  else
    unset SHOPD_TEST_REDIS_URL SHOPD_TEST_REDIS_SERVER
    redis_status="SKIPPED (Redis could not be started)"
    service_missing Redis || return 1
  fi
}

# The example load balancer configuration of the README (deploy/nginx/shopd.conf) must be valid:
# nginx -t on it inside a minimal main configuration, with a throwaway certificate in place of
# the real one.
check_deploy_config() {
  local dir="$work/nginx"
  mkdir -p "$dir/tls" "$dir/logs"
  if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=shop.example \
      -keyout "$dir/tls/privkey.pem" -out "$dir/tls/fullchain.pem" >/dev/null 2>&1; then
    echo "cannot make a test certificate with openssl" >&2
    return 1
  fi
  sed "s#/etc/shopd/tls/#$dir/tls/#g" deploy/nginx/shopd.conf >"$dir/shopd.conf"
  cat >"$dir/nginx.conf" <<CONF
pid $dir/nginx.pid;
error_log stderr;
events {}
http {
  access_log off;
  include $dir/shopd.conf;
}
CONF
  local nginx_bin
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)  # /usr/sbin is not on every PATH
  "$nginx_bin" -t -q -e stderr -p "$dir" -c "$dir/nginx.conf" &&
    echo "deploy/nginx/shopd.conf: nginx -t passed"
}
# The OpenAPI document, checked by a real validator (Redocly CLI; rules in tests/js/redocly.yaml).
lint_openapi() {
  tests/js/node_modules/.bin/redocly lint --config tests/js/redocly.yaml docs/openapi.json
}

# One folder of JavaScript tests, run by node's test runner against build/shopd; its pass, fail
# and skip counts join the totals (with CI=true a skipped test fails the run).
run_js_tests() {  # folder
  local log="$work/node-$(basename "$1").log"
  SHOPD_BIN="$repo_root/build/shopd" SHOPD_ARTIFACTS="$repo_root/build/artifacts" \
    CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" node --test --test-reporter=tap "$1" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local pass fail skipped
  pass=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
  fail=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
  skipped=$(sed -n 's/^# skipped \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
  tests_passed=$((tests_passed + ${pass:-0}))
  tests_failed=$((tests_failed + ${fail:-0}))
  tests_skipped=$((tests_skipped + ${skipped:-0}))
  if [[ ${CI:-} == true && ${skipped:-0} -gt 0 ]]; then
    echo "test.sh: CI=true and ${skipped} tests in $1 were skipped" >&2
    return 1
  fi
  [[ $status -eq 0 && -n $pass ]]
}

# -----------------------------------------------------------------------------------------------

started_at=$SECONDS

if ! step "install dependencies" bash scripts/install-deps.sh build test; then
  echo "test.sh: cannot install the dependencies; stopping" >&2
  exit 1
fi
start_test_services || { echo "test.sh: cannot start the test services; stopping" >&2; exit 1; }
step "format check (clang-format)" check_format || true
step "load balancer example (nginx -t deploy/nginx/shopd.conf)" check_deploy_config || true

if step "release build (build/, -Werror)" build release; then
  step "release tests" run_tests release || true
  step "OpenAPI lint (redocly lint docs/openapi.json)" lint_openapi || true
  step "contract tests (tests/js/contract/, against build/shopd)" \
    run_js_tests tests/js/contract || true
  step "browser tests (tests/js/browser/, headless Chromium)" run_js_tests tests/js/browser || true
  if step "sanitizer build (build-asan/, ASan+UBSan, -Werror)" build asan; then
    step "sanitizer tests" run_tests asan || true
  else
    record "sanitizer tests" "skipped (build failed)" 0
  fi
  if step "fuzz build (build-fuzz/, clang, ASan+UBSan, -Werror)" build fuzz; then
    step "fuzz corpus replay and short fuzzing" fuzz_replay || true
  else
    record "fuzz corpus replay and short fuzzing" "skipped (build failed)" 0
  fi
  if step "thread sanitizer build (build-tsan/, core, cache, storage, http, outbound, hashing)" build tsan; then
    step "thread sanitizer tests" run_tests tsan || true
  else
    record "thread sanitizer tests" "skipped (build failed)" 0
  fi
else
  # The same sources would fail to compile again: skip the sanitizer build rather than wait for it.
  record "release tests" "skipped (build failed)" 0
  record "contract and browser tests" "skipped (build failed)" 0
  record "sanitizer build (build-asan/, ASan+UBSan, -Werror)" "skipped (release build failed)" 0
  record "sanitizer tests" "skipped (release build failed)" 0
  record "fuzz corpus replay and short fuzzing" "skipped (release build failed)" 0
  record "thread sanitizer tests" "skipped (release build failed)" 0
fi

failed=0
banner "summary"
for i in "${!step_names[@]}"; do
  printf '  %-55s %-30s %5ss\n' "${step_names[$i]}" "${step_results[$i]}" "${step_seconds[$i]}"
  [[ ${step_results[$i]} == ok ]] || failed=1
done
printf '  total time %ss\n\n' $((SECONDS - started_at))
if [[ $failed -eq 0 ]]; then
  echo "test.sh: all steps passed"
else
  echo "test.sh: FAILED"
fi
echo "tests: $tests_passed passed (of which $tests_skipped skipped), $tests_failed failed"
echo "postgres cases: $pg_status"
echo "redis cases: $redis_status"
exit "$failed"
