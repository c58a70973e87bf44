#!/usr/bin/env bash
# README command 2, and what CI runs (.ci/run): installs what the build and the tests need, then
#   1. checks the formatting of src/, tests/ and bench/ with clang-format,
#   2. builds Release with warnings as errors into build/ and runs every test suite (ctest),
#   3. builds with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs them
#      again,
# and prints a summary. Exits non-zero when any step fails. Needs root or sudo for apt-get when
# packages are missing. The build directories and their options are the presets `release` and
# `asan` in CMakePresets.json (the sanitizer options ASAN_OPTIONS/UBSAN_OPTIONS are set there too).
set -uo pipefail  # no -e: a failed step is recorded and the summary decides the exit status
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root" || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/shopd-test.XXXXXX")
service_pids=()  # whatever this script starts in the background; stopped on exit

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
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
  for dir in src tests bench; do
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
  return "$status"
}

# ---- Services the store and API tests need ----------------------------------------------------
# NEXT ISSUE (PostgreSQL backend, Redis cache) starts here: install postgresql and redis-server
# through the `test` group of scripts/install-deps.sh, then start a private PostgreSQL (initdb into
# "$work/pg" as a non-root user, since PostgreSQL refuses to run as root; pg_ctl start with
# -k "$work" -h 127.0.0.1 and a free port) and a private redis-server (--port <free port>
# --bind 127.0.0.1 --save '' --appendonly no), wait until both answer, export their URLs for the
# suites (e.g. SHOPD_TEST_POSTGRES_URL, SHOPD_TEST_REDIS_URL), and append their pids to
# service_pids so that cleanup() stops them. Tests must skip, not fail, when a URL is unset.
start_test_services() {
  :
}
# -----------------------------------------------------------------------------------------------

started_at=$SECONDS

if ! step "install dependencies" bash scripts/install-deps.sh build test; then
  echo "test.sh: cannot install the dependencies; stopping" >&2
  exit 1
fi
start_test_services || { echo "test.sh: cannot start the test services; stopping" >&2; exit 1; }
step "format check (clang-format)" check_format || true

if step "release build (build/, -Werror)" build release; then
  step "release tests" run_tests release || true
  if step "sanitizer build (build-asan/, ASan+UBSan, -Werror)" build asan; then
    step "sanitizer tests" run_tests asan || true
  else
    record "sanitizer tests" "skipped (build failed)" 0
  fi
else
  # The same sources would fail to compile again: skip the sanitizer build rather than wait for it.
  record "release tests" "skipped (build failed)" 0
  record "sanitizer build (build-asan/, ASan+UBSan, -Werror)" "skipped (release build failed)" 0
  record "sanitizer tests" "skipped (release build failed)" 0
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
echo "tests: $tests_passed passed, $tests_failed failed"
exit "$failed"
