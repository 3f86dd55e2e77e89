#!/usr/bin/env bash
# Installs what building and testing Rekam needs on Debian/Ubuntu; safe to run again (idempotent).
# Sourced by kiosk.sh and test.sh. Uses sudo when not root.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# System packages: a C compiler for the bundled SQLite; util-linux (unshare, mount) for the disk
# fault tests. Later device drivers add theirs here.
PACKAGES=(build-essential pkg-config util-linux mount ca-certificates curl)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "rekam: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Rust >= 1.89 (edition 2024, File::try_lock). Distributions ship older compilers, so take
# rustup from the distribution (or its installer) and the stable toolchain from it.
need_rust() {
  command -v cargo >/dev/null 2>&1 || return 0
  local v; v=$(rustc --version | awk '{print $2}')
  [ "$(printf '%s\n' "1.89.0" "$v" | sort -V | head -1)" != "1.89.0" ]
}
if need_rust; then
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
if need_rust; then
  echo "rekam: installing the Rust toolchain (rustup, stable)" >&2
  if apt-cache show rustup >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rustup >/dev/null
    rustup default stable
  else
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
fi
