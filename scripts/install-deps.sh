#!/usr/bin/env bash
# Installs the Debian 12 packages shopd needs that are not installed yet.
#
#   scripts/install-deps.sh [build] [test] [bench]
#
# Groups: build (always included) is the compiler, CMake, Ninja, the -dev libraries and Node.js
# with the front-end's npm packages (web/, pinned by its package-lock.json); test adds what
# scripts/test.sh needs: the servers, Chromium and the JavaScript test tools (tests/js/); bench
# adds wrk, nginx (bench/healthz.sh) and redis-server (bench/products.sh). Silent when nothing is
# missing. The npm packages are installed with `npm ci --ignore-scripts` (no install script of a
# package runs; nothing is downloaded beyond the registry's packages) whenever a lockfile changed. Runs apt-get as root, or through sudo when
# not root. Works on a minimal Debian 12 (debootstrap --variant=minbase): it needs only bash, dpkg
# and apt.
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libhiredis-dev libsodium-dev libssl-dev libvips-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
)
# Node.js and npm: Debian's packages, unless the machine has both commands already (another
# packaging of Node.js brings its own npm, which Debian's npm package would conflict with).
node_packages=(nodejs npm)
test_packages=(
  chromium fonts-dejavu-core  # the browser tests of /admin and /docs (tests/js/browser/), headless
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
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  wanted+=("${node_packages[@]}")
fi
npm_dirs=(web)
for group in "$@"; do
  case "$group" in
    build) ;;
    test) wanted+=("${test_packages[@]}"); npm_dirs+=(tests/js) ;;
    bench) wanted+=("${bench_packages[@]}") ;;
    -h | --help) usage ;;
    *) echo "install-deps: unknown group \"$group\"" >&2; usage ;;
  esac
done

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# npm ci in each folder whose node_modules was not installed from its current package-lock.json
# (a stamp in node_modules keeps the lockfile's checksum).
npm_install() {
  local repo dir
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for dir in "${npm_dirs[@]}"; do
    local lock="$repo/$dir/package-lock.json" stamp="$repo/$dir/node_modules/.shopd-lock-sha256"
    local sum
    sum=$(sha256sum "$lock" | cut -d' ' -f1)
    [[ -f $stamp && $(cat "$stamp") == "$sum" ]] && continue
    echo "install-deps: npm ci in $dir/"
    (cd "$repo/$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || return 1
    echo "$sum" >"$stamp"
  done
}

missing=()
for pkg in "${wanted[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  npm_install
  exit
fi

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
npm_install
