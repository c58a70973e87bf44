# shellcheck shell=bash
# Shared by scripts/run.sh, scripts/test.sh, scripts/fuzz.sh and bench/ (sourced, not run).
# The build directories and their options live in CMakePresets.json: release -> build/,
# asan -> build-asan/, fuzz -> build-fuzz/ (clang), tsan -> build-tsan/.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_jobs=$(nproc 2>/dev/null || echo 2)
# ccache hits across checkouts in other folders (CI clones anew each run): paths below the
# repository are hashed relative to it.
export CCACHE_BASEDIR="$repo_root" CCACHE_NOHASHDIR=true

# Configures a preset's build directory (a no-op when nothing changed). A directory made earlier
# by hand with another generator is reset instead of failing.
configure_preset() {
  local preset=$1 dir
  case "$preset" in
    release) dir="$repo_root/build" ;;
    asan) dir="$repo_root/build-asan" ;;
    fuzz) dir="$repo_root/build-fuzz" ;;
    tsan) dir="$repo_root/build-tsan" ;;
    *) echo "unknown preset $preset" >&2; return 1 ;;
  esac
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
    echo "$dir was configured with another generator; starting it afresh"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  (cd "$repo_root" && cmake --preset "$preset" --log-level=WARNING)
}

# Builds a configured preset; extra arguments are passed on (e.g. --target shopd).
build_preset() {
  local preset=$1
  shift
  (cd "$repo_root" && cmake --build --preset "$preset" -j "$build_jobs" "$@")
}

# The libFuzzer targets of fuzz/ (seeds in fuzz/corpus/<target>/), and their extra options: a
# dictionary where one helps, larger inputs for images.
fuzz_targets=(fuzz_request fuzz_json_body fuzz_urlencoded fuzz_multipart fuzz_jwt fuzz_cookies
  fuzz_image)
fuzz_options() {  # target
  case "$1" in
    fuzz_request) echo "-dict=$repo_root/fuzz/dict/http.dict -max_len=8192" ;;
    fuzz_json_body) echo "-dict=$repo_root/fuzz/dict/json.dict" ;;
    fuzz_multipart) echo "-dict=$repo_root/fuzz/dict/multipart.dict" ;;
    fuzz_image) echo "-max_len=65536" ;;
    *) echo "" ;;
  esac
}
