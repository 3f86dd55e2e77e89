#!/usr/bin/env bash
# Starts the real kiosk window under Xvfb on a fresh training station with simulated devices,
# walks the whole procedure with the keyboard as an operator would (xdotool), and saves a
# screenshot of every screen in docs/screenshots/ (or the directory given as $1).
#
#   ./packaging/dev/screenshots.sh [OUT_DIR]
#
# Needs: xvfb, xdotool, imagemagick (packaging/dev/deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
. packaging/dev/deps.sh
OUT=${1:-docs/screenshots}
mkdir -p "$OUT"
cargo build --quiet --bin rekam
BIN=target/debug/rekam

WORK=$(mktemp -d)
DISPLAY_NUM=:96
cleanup() {
  [ -n "${KIOSK:-}" ] && kill "$KIOSK" 2>/dev/null || true
  [ -n "${XVFB:-}" ] && kill "$XVFB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

Xvfb "$DISPLAY_NUM" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
export DISPLAY=$DISPLAY_NUM
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# A training station: every device simulated, no spoken calls.
mkdir -p "$WORK/data"
cat > "$WORK/data/devices.toml" <<'TOML'
[fingerprint]
mode = "simulated"
[face_camera]
mode = "simulated"
[iris_camera]
mode = "simulated"
[smartcard]
mode = "simulated"
[signature_pad]
mode = "simulated"
[kiosk]
announce = false
TOML

XDG_RUNTIME_DIR="$WORK" ICED_BACKEND=tiny-skia \
  "$BIN" --data-dir "$WORK/data" --key-file "$WORK/station.key" kiosk --windowed --fast-devices \
  >"$WORK/kiosk.log" 2>&1 &
KIOSK=$!

WINDOW=""
for _ in $(seq 100); do
  WINDOW=$(xdotool search --name "Rekam" 2>/dev/null | head -1 || true)
  [ -n "$WINDOW" ] && break
  sleep 0.1
done
[ -n "$WINDOW" ] || { echo "the kiosk window did not appear" >&2; cat "$WORK/kiosk.log" >&2; exit 1; }
xdotool windowfocus --sync "$WINDOW" 2>/dev/null || true

shot() { sleep "${2:-1}"; import -window root "$OUT/$1.png"; echo "  $OUT/$1.png"; }
key() { xdotool key --delay 60 "$@"; }
typ() { xdotool type --delay 30 "$1"; }
PW=latihan-rekam

echo "rekam: walking the procedure"
sleep 2
typ 331301; key Tab Tab; typ kasi; key Tab; typ "Sri Wahyuni"; key Tab; typ $PW; key Tab; typ $PW
shot 01-setup-filled 0.5
key Return
shot 02-login 3
typ kasi; key Tab; typ $PW; key Return
sleep 2
key t t t
sleep 1
key space
shot 03-queue 1.5
key Return
sleep 1.5
key F7
shot 04-intake 1
key ctrl+Return
sleep 3
typ kasi; key Tab; typ $PW; key Return
shot 05-verify 2
key Return
sleep 1
shot 06-face 1.2
shot 06-face-taken 2
key Return
shot 07-fingerprints 4
key Return; sleep 4; key Return; sleep 4; key Return
shot 08-iris 4
key Return; sleep 4; key Return
shot 09-signature 5
key Return
shot 10-review 5
key Return
shot 11-finish 5
key F12
shot 11-finish-applicant-panel 1
key F12; key Return
sleep 2
key F8
shot 12-register 2
key Escape d
shot 12-day-view 1.5
key F9
shot 13-devices 3
key F2 F5
shot 14-queue-english 1.5
echo "rekam: screenshots in $OUT"
