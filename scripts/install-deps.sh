#!/usr/bin/env bash
# Installs the Debian 12 packages shopd needs that are not installed yet.
#
#   scripts/install-deps.sh [build] [test] [bench]
#
# Groups: build (always included) is the compiler, CMake, Ninja and the -dev libraries; test adds
# what scripts/test.sh needs; bench adds wrk, nginx (bench/healthz.sh) and redis-server
# (bench/products.sh). Silent when nothing is missing. Runs apt-get as root, or through sudo when
# not root. Works on a minimal Debian 12 (debootstrap --variant=minbase): it needs only bash, dpkg
# and apt.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libssl-dev libvips-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
)
test_packages=(
  clang-format
  postgresql    # scripts/test.sh starts private clusters from its programs (initdb, pg_ctl)
  redis-server  # scripts/test.sh starts a private server; some tests start, stop and pause more
  nginx-light openssl  # scripts/test.sh checks deploy/nginx/shopd.conf with nginx -t
  clang libclang-rt-14-dev  # libFuzzer and the sanitizers for clang: the fuzz targets (fuzz/)
  libgs-common  # /usr/share/color/icc/ghostscript/a98.icc: the Adobe RGB fixture of an image test
)
bench_packages=(wrk nginx-light redis-server valgrind curl)

usage() {
  echo "usage: scripts/install-deps.sh [build] [test] [bench]" >&2
  exit 2
}

wanted=("${build_packages[@]}")
for group in "$@"; do
  case "$group" in
    build) ;;
    test) wanted+=("${test_packages[@]}") ;;
    bench) wanted+=("${bench_packages[@]}") ;;
    -h | --help) usage ;;
    *) echo "install-deps: unknown group \"$group\"" >&2; usage ;;
  esac
done

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for pkg in "${wanted[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: installing them needs root; run this as root or install sudo" >&2
    exit 1
  fi
fi

# postgresql, redis-server and nginx come with services that would start at once and stay up;
# the tests start private servers on loopback and stop them. While apt-get runs, a policy-rc.d
# refuses every service start (unless the machine has its own policy already).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# written by shopd scripts/install-deps.sh while it runs apt-get\nexit 101\n' |
    "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi

echo "install-deps: installing ${missing[*]}"
apt_options=(-q -o DPkg::Lock::Timeout=300)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y \
  --no-install-recommends "${missing[@]}"

still_missing=()
for pkg in "${missing[@]}"; do
  installed "$pkg" || still_missing+=("$pkg")
done
if [[ ${#still_missing[@]} -gt 0 ]]; then
  echo "install-deps: still not installed: ${still_missing[*]}" >&2
  exit 1
fi
