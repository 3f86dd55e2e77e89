#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each (default 600), one after the
# other, on its committed corpus (fuzz/corpus/<target>), with the address sanitizer. New inputs
# that cover more are kept in the corpus; a crash ends that target's run and leaves the input
# in fuzz/artifacts/<target>/, the next target runs, and the script exits non-zero. Prints, for
# each target, executions, coverage and corpus size (the figures docs/SECURITY.md records).
# Installs what it needs: the nightly toolchain (rustup) and cargo-fuzz.
# FUZZ_BUILD picks the build: -O (default: optimised, for the long runs docs/SECURITY.md records)
# or --dev (unoptimised, quicker to build: CI's short runs).
# Usage: packaging/dev/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-600}
BUILD=${FUZZ_BUILD:--O}
shift || true
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
# The build's system packages (the C compiler, OpenSSL, libclang and PC/SC for the drivers).
. packaging/dev/deps.sh >/dev/null

# The large seeds (a whole packet, a decrypted record) are made from a simulated training day
# when missing: they are not committed (fuzz/.gitignore).
if [ ! -f fuzz/corpus/batch_packet/seed-packet ] || [ ! -f fuzz/corpus/batch_record/seed-record ]; then
  command -v age >/dev/null 2>&1 || { ${SUDO:-} apt-get install -y -qq age >/dev/null; }
  [ -x target/debug/rekam ] || cargo build --bin rekam
  REKAM=target/debug/rekam fuzz/seeds.sh
fi

cd fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build "$BUILD"
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log=$(mktemp)
  # -rss_limit_mb: a parser that allocates beyond this on some input is a finding.
  if cargo +nightly fuzz run "$BUILD" "$t" "corpus/$t" -- -max_total_time="$SECONDS_EACH" \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    verdict="no crash"
  else
    verdict="CRASH (input in fuzz/artifacts/$t/)"
    status=1
    tail -40 "$log"
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || echo '?')
  files=$(find "corpus/$t" -type f | wc -l)
  printf '%-14s %6ss  %10s executions  %-22s corpus %5s files  %s\n' \
    "$t" "$SECONDS_EACH" "$execs" "$cov" "$files" "$verdict"
  rm -f "$log"
done
exit $status
