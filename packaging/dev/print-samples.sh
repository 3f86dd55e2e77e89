#!/usr/bin/env bash
# Writes the sample printouts (proof of recording, a crowded proof, a return slip) and renders
# them to PNG at 150 dpi with poppler, as in docs/screenshots/print-*.png:
#   ./packaging/dev/print-samples.sh [OUT_DIR]   (default: target/print-samples)
set -euo pipefail
cd "$(dirname "$0")/../.."
. packaging/dev/deps.sh
out="${1:-target/print-samples}"
cargo run -q --example print_samples -- "$out"
for f in proof proof-en proof-long slip; do
  pdftoppm -r 150 -png -singlefile "$out/$f.pdf" "$out/$f"
done
ls "$out"
