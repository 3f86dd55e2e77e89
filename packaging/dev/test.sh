#!/usr/bin/env bash
# Quick start: install what the tests need and run them all (formatting, lints, unit, integration
# and fault tests). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/../.."
. packaging/dev/deps.sh
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
ICED_TEST_BACKEND=tiny-skia cargo test --workspace --locked
