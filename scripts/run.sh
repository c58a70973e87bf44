#!/usr/bin/env bash
# README command 1: installs what the build needs, builds a Release shopd into build/ and runs it
# from the repository root on the embedded default (SQLite in ./data, port 8080; see README.md for
# the configuration). Needs root or sudo for apt-get when packages are missing.
#
# build/ is the `release` preset of CMakePresets.json, the same directory and options that
# scripts/test.sh uses (it also builds the tests there), so neither command undoes the other.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$repo_root"

bash scripts/install-deps.sh build
configure_preset release
build_preset release --target shopd
# The first run on the embedded default fills the catalog with the demo shop (200 products with
# pictures) and 300 demo orders over the past 90 days, so the catalog and the admin dashboard
# have something to show; SHOPD_NO_DEMO=1 skips it. Later runs leave it alone.
if [[ -z ${DATABASE_URL:-} && ! -e data/shopd.db && ${SHOPD_NO_DEMO:-0} != 1 ]] &&
    ! grep -qs '^[[:space:]]*DATABASE_URL=' .env; then
  "$repo_root/build/shopd" seed-demo --orders 300
  echo "run.sh: to sign in at /admin, make an admin first:" \
    "build/shopd create-admin --email you@example.com --password '...'"
fi
exec "$repo_root/build/shopd" serve
