"""Step 3: estimate the paper's level everywhere (uneven light, shadows) so ink can be measured against it."""

from __future__ import annotations

import cv2
import numpy as np

#: Longer side of the thumbnail used to estimate the paper background.
_BG_THUMB_SIDE = 96


def local_noise_floor(g: np.ndarray, denom: np.ndarray) -> np.ndarray:
    """Ink level (0..255 map) that local noise alone reaches: 3.5 sigma.

    Noise is measured as the mean absolute difference from a 7x7 blur (JPEG
    noise is blotchy, not just pixel-sized), in
    cells of ~16 px; a median over neighbouring cells ignores the few cells a
    pen stroke passes through.
    """
    h, w = g.shape
    res = cv2.absdiff(g, cv2.blur(g, (7, 7)))
    cw, ch = max(1, w // 16), max(1, h // 16)
    cells = cv2.resize(res, (cw, ch), interpolation=cv2.INTER_AREA)
    if min(cw, ch) >= 5:
        cells = cv2.medianBlur(cells, 5)
    sigma = cv2.resize(cells, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) * 1.25
    # Pixel noise sigma -> ink units (the ink map divides by the local paper level).
    return np.clip(3.5 * sigma * 255.0 / denom.astype(np.float32), 0, 255).astype(np.uint8)


def background(g: np.ndarray) -> np.ndarray:
    """Paper brightness everywhere (ink is dark here): closing on a small thumbnail.

    A closing with a kernel wider than any pen stroke fills the strokes in
    while following slow light changes and shadows.
    """
    h, w = g.shape
    f = min(1.0, _BG_THUMB_SIDE / max(h, w))
    tw, th = max(1, round(w * f)), max(1, round(h * f))
    thumb = cv2.resize(g, (tw, th), interpolation=cv2.INTER_AREA) if f < 1 else g
    # The closing's max filter would ride on noise peaks and overestimate the
    # paper (noise in the shadows turns into "ink"); smooth the thumbnail first.
    if min(tw, th) >= 5:
        thumb = cv2.GaussianBlur(cv2.medianBlur(thumb, 3), (5, 5), 0)
    k = max(3, (round(max(tw, th) / 5) // 2) * 2 + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    # Point-reflect the picture at its edges so brightness trends (vignetting,
    # a shadow reaching the edge) continue outward; a plain replicated or
    # mirrored border would let the closing flatten them near the edge.
    p = min(k // 2 + 1, tw - 1, th - 1)
    if p >= 1:
        refl = cv2.copyMakeBorder(thumb, p, p, p, p, cv2.BORDER_REFLECT_101).astype(np.int16)
        edge = cv2.copyMakeBorder(thumb, p, p, p, p, cv2.BORDER_REPLICATE).astype(np.int16)
        padded = np.clip(2 * edge - refl, 0, 255).astype(np.uint8)
        closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
        closed = closed[p:-p, p:-p]
    else:
        closed = cv2.morphologyEx(thumb, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    closed = cv2.blur(closed, (3, 3))
    if f < 1:
        closed = cv2.resize(closed, (w, h), interpolation=cv2.INTER_LINEAR)
    return closed
