#!/bin/sh
# Regenerates the decoder test data in this directory. Run from this directory.
# Needs ImageMagick 6 (`convert`, libjpeg inside), python3 (standard library only) and, for the
# YUYV reference, an ffmpeg binary in $FFMPEG (any build; e.g. the one in PyPI `imageio-ffmpeg`).
set -eu
FACE=../../assets/face.jpg

# 1. A 96x64 test card of uniform 16x16 patches (MCU-aligned), known RGB values (see tests).
convert -size 96x64 xc:black \
  -draw "fill rgb(255,255,255) rectangle 0,0 15,15" -draw "fill rgb(255,0,0) rectangle 16,0 31,15" \
  -draw "fill rgb(0,255,0) rectangle 32,0 47,15" -draw "fill rgb(0,0,255) rectangle 48,0 63,15" \
  -draw "fill rgb(255,255,0) rectangle 64,0 79,15" -draw "fill rgb(0,255,255) rectangle 80,0 95,15" \
  -draw "fill rgb(255,0,255) rectangle 0,16 15,31" -draw "fill rgb(128,128,128) rectangle 16,16 31,31" \
  -draw "fill rgb(64,64,64) rectangle 32,16 47,31" -draw "fill rgb(192,192,192) rectangle 48,16 63,31" \
  -draw "fill rgb(224,172,140) rectangle 64,16 79,31" -draw "fill rgb(141,85,36) rectangle 80,16 95,31" \
  -draw "fill rgb(190,30,45) rectangle 0,32 47,47" -draw "fill rgb(30,80,170) rectangle 48,32 95,47" \
  -draw "fill rgb(0,0,0) rectangle 0,48 31,63" -draw "fill rgb(255,128,0) rectangle 32,48 63,63" \
  -draw "fill rgb(0,128,255) rectangle 64,48 95,63" -depth 8 card.png
# 4:2:2 (H2V1, as UVC webcams send), quality 95, the standard Huffman tables of ITU T.81 Annex K.
convert card.png -sampling-factor 2x1 -quality 95 -define jpeg:optimize-coding=false -strip card_422_q95.jpg

# 2. A photo: the simulator's portrait, 4:2:0, optimised (non-standard) Huffman tables.
convert "$FACE" -crop 360x360+20+0 +repage -resize 160x160 -sampling-factor 2x2 -quality 85 -strip face_420_q85.jpg

# 3. A photo, 4:2:2, standard tables, then with every DHT segment removed, as many UVC cameras
#    send MJPEG (the decoder must supply the Annex K tables itself).
convert "$FACE" -crop 360x360+20+0 +repage -resize 160x160 -crop 160x120+0+20 +repage -sampling-factor 2x1 -quality 80 \
  -define jpeg:optimize-coding=false -strip face_422_q80.jpg
python3 - <<'PY'
import struct
for src, dst in [("face_422_q80.jpg", "face_422_q80_nodht.jpg"), ("card_422_q95.jpg", "card_422_q95_nodht.jpg")]:
    b = open(src, "rb").read()
    out, i = bytearray(b[:2]), 2
    while True:
        marker = b[i + 1]
        if marker == 0xDA:  # start of scan: copy the rest unchanged
            out += b[i:]
            break
        length = struct.unpack(">H", b[i + 2:i + 4])[0]
        if marker != 0xC4:  # drop DHT, keep every other segment
            out += b[i:i + 2 + length]
        i += 2 + length
    open(dst, "wb").write(bytes(out))
PY

# 4. libjpeg's own decode of each JPEG (reference to compare against; ImageMagick uses libjpeg).
for f in card_422_q95 face_420_q85 face_422_q80; do convert $f.jpg -depth 8 $f.libjpeg.png; done
rm card.png

# 5. YUYV: 64x64 pixels of seeded random bytes (every byte value, out-of-range Y and chroma
#    included) and ffmpeg's conversion of it to RGB (swscale, BT.601 limited range default).
python3 -c "import random; r = random.Random(2024); open('random_64x64.yuyv', 'wb').write(bytes(r.randrange(256) for _ in range(64 * 64 * 2)))"
"$FFMPEG" -v error -y -f rawvideo -pix_fmt yuyv422 -s 64x64 -i random_64x64.yuyv \
  -f rawvideo -pix_fmt rgb24 random_64x64.ffmpeg.rgb
