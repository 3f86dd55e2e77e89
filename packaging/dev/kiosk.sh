#!/usr/bin/env bash
# Quick start: build and run the Rekam kiosk. Extra arguments go to `rekam`
# (e.g. --data-dir DIR, --lang en, or a subcommand such as `nik 3174075508950001`).
set -euo pipefail
cd "$(dirname "$0")/../.."
. packaging/dev/deps.sh
exec cargo run --release --quiet --bin rekam -- "$@"
