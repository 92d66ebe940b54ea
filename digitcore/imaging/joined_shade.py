"""Shade joined to the strokes (photos of numbers): a hand's shadow touching the digits it falls on.

When a shadow's patch touches the writing, the ink mask makes one piece of both, and
no rule about whole pieces (:func:`~digitcore.imaging.ink.shade_like`) can take the
shade away without the digits. Here the piece is taken apart by width: the parts far
wider than the pen's strokes are a patch, whose own ink level is measured; near the
patch only what is clearly darker than it (the strokes written in the shade) stays.
"""

from __future__ import annotations

import cv2
import numpy as np

#: A patch is this many stroke widths wide (an opening of that size keeps it, and no stroke).
PATCH_WIDER = 2.5
#: A patch is shade only when the strokes' ink (90th percentile) is at least this far above the
#: patch's (0..255): a filled blob of ink or a marker's junction is as dark as the strokes.
SHADE_GAP = 40
#: ... and the patch's ink is at most this share of the strokes'.
SHADE_SHARE = 0.75
#: Near a patch a pixel stays ink when it is this far from the patch's level towards the strokes'.
KEEP_AT = 0.45


def stroke_width_of(mask: np.ndarray) -> float:
    """Typical pen width (px): twice the median distance to the background along the pieces' ridges.

    The ridges of a wide patch are short next to the strokes' whole length, so a patch
    barely moves the median (twice area over outline, as elsewhere, would).
    """
    dt = cv2.distanceTransform(cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0), cv2.DIST_L2, 3)
    dt = dt[1:-1, 1:-1]
    ridge = (dt >= 1.0) & (dt >= cv2.dilate(dt, np.ones((3, 3), np.uint8)) - 1e-3)
    vals = dt[ridge]
    return 2.0 * float(np.median(vals)) if vals.size else 1.0


def without_joined_shade(mask: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """``mask`` (uint8, 0/255) with the shade patches joined to strokes re-thresholded against their own level."""
    m = (mask > 0).view(np.uint8)
    if not m.any():
        return mask
    sw = stroke_width_of(m)
    k = max(5, int(round(PATCH_WIDER * sw)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    wide = cv2.morphologyEx(m, cv2.MORPH_OPEN, kernel)
    if int(np.count_nonzero(wide)) < 2 * k * k:
        return mask
    near = cv2.dilate(wide, kernel) & m
    thin = (m > 0) & (near == 0)
    if int(np.count_nonzero(thin)) < 4 * k:
        return mask  # nothing but the patch: no strokes to compare it with
    stroke_level = float(np.percentile(ink[thin], 90))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(wide, connectivity=8)
    out = m.copy()
    changed = False
    for i in range(1, n):
        if stats[i, 4] < 2 * k * k:
            continue
        x, y, w, h = (int(v) for v in stats[i, :4])
        pad = k
        x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(m.shape[1], x + w + pad), min(m.shape[0], y + h + pad)
        patch = labels[y0:y1, x0:x1] == i
        level = float(np.median(ink[y0:y1, x0:x1][patch]))
        if stroke_level - level < SHADE_GAP or level > SHADE_SHARE * stroke_level:
            continue
        region = (cv2.dilate(patch.view(np.uint8), kernel) > 0) & (m[y0:y1, x0:x1] > 0)
        keep = ink[y0:y1, x0:x1] >= level + KEEP_AT * (stroke_level - level)
        sub = out[y0:y1, x0:x1]
        sub[region & ~keep] = 0
        changed = True
    if not changed:
        return mask
    return out * np.uint8(255)
