#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (preset fuzz: clang, ASan + UBSan, build-fuzz/) and
# fuzzes each for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET (60)] [TARGET...]     e.g. scripts/fuzz.sh 600 fuzz_jwt
#
# FUZZ_JOBS=N fuzzes N targets at a time (default 1).
#
# Seeds are read from fuzz/corpus/<target>/ and never written; the inputs a run adds are kept in
# build-fuzz/corpus/<target>/ for the next run. A crash, a leak or a hang stops the run with exit
# code 1 and leaves its input in build-fuzz/findings/<target>/ (reproduce with
# build-fuzz/fuzz/<target> <file>; then add it as a regression test before fixing it). Each run's
# time is appended to build-fuzz/fuzz-time.log.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root"

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: \"$seconds\" is not a number of seconds" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
targets=("${@:-${fuzz_targets[@]}}")

bash scripts/install-deps.sh build test
configure_preset fuzz
build_preset fuzz

# Fuzzes one target; its output goes to build-fuzz/<target>.log. Returns 1 on a finding.
fuzz_one() {  # target
  local target=$1 started=$SECONDS result=ok status=0
  local bin=build-fuzz/fuzz/$target
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/findings/$target"
  echo "==> $target for $seconds s"
  # shellcheck disable=SC2046 # the options are words
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/findings/$target/" $(fuzz_options "$target") \
      "build-fuzz/corpus/$target" "fuzz/corpus/$target" 2>"build-fuzz/$target.log"; then
    status=1
    result=FOUND
    echo "fuzz.sh: $target FOUND something; see build-fuzz/$target.log and build-fuzz/findings/$target/" >&2
    tail -n 40 "build-fuzz/$target.log" >&2
  fi
  echo "$target: $(grep -E '^stat::number_of_executed_units' "build-fuzz/$target.log" | tail -n 1)"
  echo "$(date -u +%FT%TZ) $target $((SECONDS - started)) s $result" >>build-fuzz/fuzz-time.log
  return "$status"
}

for target in "${targets[@]}"; do
  [[ -x build-fuzz/fuzz/$target && -d fuzz/corpus/$target ]] ||
    { echo "fuzz.sh: unknown target $target" >&2; exit 2; }
done
# FUZZ_JOBS targets at a time (default 1; each fuzzer uses one core).
jobs_at_once=${FUZZ_JOBS:-1}
status=0
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs_at_once)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit "$status"
