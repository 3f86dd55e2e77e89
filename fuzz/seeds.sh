#!/usr/bin/env bash
# Makes the seed corpora of the fuzz targets (fuzz/corpus/<target>/seed-*), once; the corpora
# are committed, so running the targets never needs this. The device seeds are written from the
# protocol documents (docs/devices/*.md) by an implementation of their own here (Python), not by
# our encoders; the camera seeds come from ImageMagick's JPEG encoder; the batch packet, its
# records and manifest and the acknowledgement come from a real training station (`rekam setup`,
# `simulate-day`, `export`, `verify-batch --ack-out`) with age's own tools for the keys.
# Needs: a built `rekam` (REKAM=path, default target/debug/rekam), python3, age, ImageMagick.
set -euo pipefail
cd "$(dirname "$0")/.."
REKAM=${REKAM:-target/debug/rekam}
C=fuzz/corpus
mkdir -p "$C"/{hid,isdv4,apdu,vpcd,mjpeg,yuyv,batch_packet,batch_record,ack,settings}

python3 - "$C" <<'PY'
import struct, sys, zlib, os
C = sys.argv[1]
def put(target, name, data):
    open(os.path.join(C, target, "seed-" + name), "wb").write(data)

# --- HID scanner (docs/devices/fingerprint.md): status 0x21, chunk 0x30, records [u16 len][report]
def status(seq, state, fingers, expected, image_id, mode, contact=90):
    b = bytes([0x21, seq, state, fingers, expected]) + struct.pack("<H", image_id) + bytes([mode, contact])
    return b.ljust(64, b"\0")
def chunk(mode, image_id, index, count, w, h, image_crc, payload):
    head = bytes([0x30, mode]) + struct.pack("<HHHHHHH", image_id, index, count, w, h, len(payload), 0) + struct.pack("<I", image_crc)
    crc = zlib.crc32(head[1:20] + payload) & 0xFFFFFFFF
    b = head + struct.pack("<I", crc) + payload
    return b.ljust(1024, b"\0")
def rec(report):
    return struct.pack("<H", len(report)) + report
sizes = {2: (40, 30), 3: (40, 30), 4: (32, 30), 1: (24, 20)}
for sel, mode in [(0, 2), (1, 3), (2, 4), (3, 1)]:
    w, h = sizes[mode]
    image = bytes((x * 7 + y * 3) & 0xFF for y in range(h) for x in range(w))
    crc = zlib.crc32(image) & 0xFFFFFFFF
    parts = [image[i:i + 1000] for i in range(0, len(image), 1000)]
    expected = {1: 1, 2: 4, 3: 4, 4: 2}[mode]
    s = bytes([sel]) + rec(b"") + rec(b"")
    s += rec(status(1, 1, 0, expected, 0, mode)) + rec(status(1, 2, expected, expected, 9, mode))
    s += rec(status(1, 3, expected, expected, 9, mode))
    for i, p in enumerate(parts):
        s += rec(chunk(mode, 9, i, len(parts), w, h, crc, p))
    s += rec(b"") + rec(status(1, 4, expected, expected, 9, mode)) + rec(b"")
    put("hid", f"mode{mode}", s)
    put("hid", f"mode{mode}-error", bytes([sel]) + rec(b"") + rec(b"") + rec(bytes([0x22, 1, 1]).ljust(64, b"\0")))

# --- Signature pad (docs/devices/signature.md): 11-byte query reply, 9-byte pen packets
def coords(x, y, p, tx, ty):
    return bytes([(x >> 9) & 0x7F, (x >> 2) & 0x7F, (y >> 9) & 0x7F, (y >> 2) & 0x7F, p & 0x7F,
                  ((x & 3) << 5) | ((y & 3) << 3) | ((p >> 7) & 7), tx & 0x7F, ty & 0x7F])
query = bytes([0xC0]) + coords(15200, 9500, 1023, 60, 60) + bytes([0, 0x2A])
pen = b""
for i in range(40):
    tip = 1 if 5 <= i < 35 else 0
    pen += bytes([0x80 | 0x20 | tip]) + coords(2000 + 100 * i, 3000 + (i * 37) % 900, 300 + 10 * i, 10, 12)
pen += bytes([0x80]) + coords(0, 0, 0, 0, 0)
put("isdv4", "query-and-stroke", bytes([7]) + query + pen)
put("isdv4", "noise", bytes([0]) + b"\x7f\x13\x80\x81" + pen[:20] + query[:5] + pen[20:])

# --- Smartcard responses (docs/devices/smartcard.md): records [len][data SW1 SW2]
def r(data=b"", sw=0x9000):
    b = data + struct.pack(">H", sw)
    return bytes([len(b)]) + b
def tlv(tag, v):
    n = len(v)
    head = bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + head + v
def pieces(data, sw_last=0x9000, size=200):
    """`data` as a card answers it: 61xx while more is left (GET RESPONSE), then sw_last."""
    parts = [data[i:i + size] for i in range(0, len(data), size)] or [b""]
    out = b""
    for i, p in enumerate(parts):
        left = len(data) - sum(len(q) for q in parts[:i + 1])
        out += r(p, sw_last if left == 0 else 0x6100 | min(left, 0xFF) if left < 256 else 0x6100)
    return out
# The PIV officer card (docs/devices/smartcard.md; NIST SP 800-73-4): the certificate of the
# fixed fuzz card, its containers, an ECDSA-Sig-Value shaped answer.
import json
card = json.load(open(os.path.join(C, "..", "vpcd-card.json")))
cert = bytes.fromhex(card["certificate"])
guid = bytes.fromhex(card["guid"])
apt = tlv(0x61, tlv(0x4F, bytes.fromhex("000010000100")) + tlv(0x79, tlv(0x4F, bytes.fromhex("A000000308"))) + tlv(0xAC, tlv(0x80, b"\x11") + tlv(0x06, b"")))
cert_obj = tlv(0x53, tlv(0x70, cert) + tlv(0x71, b"\x00") + tlv(0xFE, b""))
chuid = tlv(0x53, tlv(0x34, guid) + tlv(0x35, b"20991231") + tlv(0x3E, b"") + tlv(0xFE, b""))
sig = tlv(0x30, tlv(0x02, b"\x01" * 32) + tlv(0x02, b"\x02" * 32))
ga = tlv(0x7C, tlv(0x82, sig))
applicant = tlv(0x70, tlv(0x80, b"3313014508950002") + tlv(0x81, b"SITI AMINAH"))
put("apdu", "identify", bytes([0]) + r(b"", 0x6A82) + r(apt))
put("apdu", "piv-login", bytes([1]) + r(apt) + r() + pieces(cert_obj) + r(chuid) + r(ga))
put("apdu", "piv-wrong-le", bytes([1]) + r(apt) + r() + r(b"", 0x6C00) + pieces(cert_obj) + r(b"", 0x6A82) + r(ga))
put("apdu", "piv-rsa-refused", bytes([1]) + r(apt) + r() + pieces(cert_obj) + r(chuid) + r(b"", 0x6A80))
put("apdu", "wrong-pin", bytes([1]) + r(apt) + r(b"", 0x63C2))
put("apdu", "applicant", bytes([2]) + r() + r() + r(applicant) + r(applicant))

# --- vpcd stream (docs/devices/smartcard.md): [u16 BE len][message]
def f(m):
    return struct.pack(">H", len(m)) + m
piv_aid = bytes.fromhex("A00000030800001000")
stream = f(b"\x01") + f(b"\x04")
stream += f(bytes([0, 0xA4, 4, 0, len(piv_aid)]) + piv_aid + b"\x00")
stream += f(bytes([0, 0x20, 0, 0x80, 8]) + b"246813\xff\xff")
stream += f(bytes([0, 0xCB, 0x3F, 0xFF, 5, 0x5C, 3, 0x5F, 0xC1, 0x05, 0])) + f(bytes([0, 0xC0, 0, 0, 0]))
stream += f(bytes([0, 0xCB, 0x3F, 0xFF, 5, 0x5C, 3, 0x5F, 0xC1, 0x02, 0]))
stream += f(bytes([0, 0x87, 0x11, 0x9A, 0x26, 0x7C, 0x24, 0x82, 0x00, 0x81, 0x20]) + bytes(range(32)) + b"\x00")
stream += f(bytes([0, 0xC0, 0, 0, 0]))
aid = bytes([0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D])
stream += f(bytes([0, 0xA4, 4, 0, 7]) + aid + b"\x02\x00") + f(bytes([0, 0xA4, 2, 0x0C, 2, 2, 1]))
stream += f(bytes([0, 0xB0, 0, 0, 0x80])) + f(b"\x02") + f(b"\x00")
put("vpcd", "login-and-read", bytes([3]) + stream)

# --- YUYV (docs/devices/camera.md): w byte 31 -> 64 px, h byte 47 -> 48 rows
w, h = 64, 48
put("yuyv", "gradient", bytes([31, 47]) + bytes(((x * 4) & 0xFF) if x % 2 == 0 else 128 for y in range(h) for x in range(2 * w)))
put("yuyv", "short", bytes([31, 47]) + bytes(100))
PY

# --- MJPEG: small frames from ImageMagick's encoder (w byte 7 -> 64 px, h byte 5 -> 48 rows)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
convert -size 64x48 gradient:red-blue -quality 85 "$tmp/a.jpg"
convert -size 64x48 plasma:fractal -seed 3 -sampling-factor 4:2:2 -quality 60 "$tmp/b.jpg"
for n in a b; do { printf '\x07\x05'; cat "$tmp/$n.jpg"; } > "$C/mjpeg/seed-$n"; done

# --- A real training station's day: packet, its decrypted record and manifest, an ack.
d="$tmp/station"
r() { "$REKAM" --data-dir "$d/data" --key-file "$d/keys/station.key" "$@"; }
# simulate-day makes its own training station (supervisor "kasi-latihan", password "latihan-rekam").
r simulate-day --applicants 1 >/dev/null
age-keygen -o "$tmp/receiver.age" 2>/dev/null
recipient=$(age-keygen -y "$tmp/receiver.age")
mkdir -p "$tmp/out"
echo "latihan-rekam" | r export --out "$tmp/out" --user kasi-latihan --recipient "$recipient" >/dev/null
packet=$(ls "$tmp"/out/*.rkb)
# The acknowledgement seed and the receiver key it is signed with (the ack target pins it) are
# committed together; made anew only when the seed is missing.
if [ ! -f "$C/ack/seed-ack" ]; then
  r receiver-keygen --out "$tmp/ack.key" | grep -Eo '[0-9a-f]{64}' | head -1 > fuzz/receiver-key.txt
  r verify-batch "$packet" --identity "$tmp/receiver.age" --ack-key "$tmp/ack.key" --ack-out "$tmp/ack.json" >/dev/null
  cp "$tmp/ack.json" "$C/ack/seed-ack"
fi
registry=$(r station-key | grep -Eo '^[0-9]{6} [^ ]+ [0-9a-f]{64}' | head -1)
{ echo "$registry"; grep AGE-SECRET-KEY "$tmp/receiver.age"; printf '\0'; cat "$packet"; } > "$C/batch_packet/seed-packet"
{ printf '\0'; cat "$packet"; } > "$C/batch_packet/seed-unregistered"
mkdir "$tmp/x" && tar -xf "$packet" -C "$tmp/x"
{ printf '\x00'; age -d -i "$tmp/receiver.age" "$tmp/x/records/0001.age"; } > "$C/batch_record/seed-record"
{ printf '\x01'; age -d -i "$tmp/receiver.age" "$tmp/x/manifest.age"; } > "$C/batch_record/seed-manifest"
cp "$d/data/devices.toml" "$C/settings/seed-devices" 2>/dev/null || true
printf '[kiosk]\nidle_logout_minutes = 5\ndesk = 2\n\n[face_camera]\nmode = "auto"\n' > "$C/settings/seed-small"
echo "seeds written under $C"
