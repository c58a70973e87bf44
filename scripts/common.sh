# shellcheck shell=bash
# Shared by scripts/run.sh, scripts/test.sh and bench/healthz.sh (sourced, not run).
# The build directories and their options live in CMakePresets.json: release -> build/,
# asan -> build-asan/.

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
