#!/usr/bin/env python3
"""Makes the simulated face camera's portrait asset from scikit-image's astronaut.png.

Source: scikit-image `skimage/data/astronaut.png` (NASA photo of astronaut Eileen Collins,
public domain). Get it with:
    pip download scikit-image --no-deps -d /tmp/ski && cd /tmp/ski && unzip -o *.whl skimage/data/astronaut.png
Run in a throwaway venv (`pip install opencv-python-headless numpy`):
    python make_face_asset.py /tmp/ski/skimage/data/astronaut.png ..

Writes `face.jpg` (the head-and-shoulders crop with its original, busy studio background) and
`face_mask.png` (8-bit alpha: 255 person, 0 background). The outline below was traced by hand on
4x zoomed views of the photo; OpenCV's GrabCut then refines the boundary inside a narrow band
around it (hair edges), and the edge is softened by one pixel so compositing has no jaggies.
"""
import sys

import cv2
import numpy as np

# Crop of the 512x512 photo (x, y, width, height): head and shoulders, and the full width of the
# studio background for the simulator's "busy background" mode.
CROP = (0, 0, 512, 360)

# Hand-traced outline in photo coordinates, clockwise from the top of the hair. It follows the
# hair, the face and neck ring, the shoulders of the suit, and closes along the crop's bottom.
OUTLINE = [
    (230, 16), (255, 19), (275, 29), (286, 40), (294, 52), (298, 65), (299, 80), (297, 95),
    (293, 108), (286, 120), (277, 130), (268, 137), (257, 143), (253, 152), (251, 165),
    (252, 173), (260, 180), (270, 190), (282, 200), (295, 220), (304, 240), (306, 246),
    (320, 250), (330, 255), (340, 262), (345, 270), (350, 285), (355, 300), (358, 320),
    (360, 340), (362, 361),
    (24, 361), (25, 350), (27, 340), (30, 330), (32, 320), (35, 310), (37, 300), (40, 290),
    (42, 280), (47, 270), (52, 260), (60, 250), (70, 240), (80, 232), (90, 225), (100, 215),
    (110, 206), (113, 200), (117, 188), (126, 178), (140, 165), (160, 154), (181, 147),
    (176, 140), (170, 130), (164, 120), (159, 110), (156, 100), (154, 90), (153, 80),
    (154, 70), (157, 60), (165, 50), (180, 40), (193, 30), (210, 21),
]

# Width of the band (pixels) around the traced outline that GrabCut may reassign.
BAND = 6


def main() -> None:
    src, out_dir = sys.argv[1], sys.argv[2]
    photo = cv2.imread(src, cv2.IMREAD_COLOR)
    assert photo is not None and photo.shape[:2] == (512, 512), "expected the 512x512 astronaut.png"

    poly = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(poly, [np.array(OUTLINE, np.int32)], 255)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * BAND + 1, 2 * BAND + 1))
    inner = cv2.erode(poly, kernel)
    outer = cv2.dilate(poly, kernel)

    labels = np.full(photo.shape[:2], cv2.GC_BGD, np.uint8)
    labels[outer > 0] = cv2.GC_PR_BGD
    labels[poly > 0] = cv2.GC_PR_FGD
    labels[inner > 0] = cv2.GC_FGD
    # The lower body (suit, name patch, zipper) runs off the crop's bottom edge: all person.
    # GrabCut would otherwise take the white patch next to the white helmet for background.
    body = np.zeros_like(poly)
    body[300:, 60:340] = 255
    labels[(poly > 0) & (body > 0)] = cv2.GC_FGD
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.grabCut(photo, labels, None, bgd, fgd, 8, cv2.GC_INIT_WITH_MASK)
    person = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)

    # Keep the largest connected region (drops specks GrabCut may leave in the band).
    count, comp, stats, _ = cv2.connectedComponentsWithStats(person)
    if count > 1:
        largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        person = np.where(comp == largest, 255, 0).astype(np.uint8)
    # Fill holes (dark collar parts GrabCut might take for background).
    holes = person.copy()
    ff = np.zeros((514, 514), np.uint8)
    cv2.floodFill(holes, ff, (0, 0), 255)
    person = person | cv2.bitwise_not(holes)

    alpha = cv2.GaussianBlur(person, (3, 3), 0.8)

    x, y, w, h = CROP
    cv2.imwrite(f"{out_dir}/face.jpg", photo[y:y + h, x:x + w], [cv2.IMWRITE_JPEG_QUALITY, 90])
    cv2.imwrite(f"{out_dir}/face_mask.png", alpha[y:y + h, x:x + w], [cv2.IMWRITE_PNG_COMPRESSION, 9])


if __name__ == "__main__":
    main()
