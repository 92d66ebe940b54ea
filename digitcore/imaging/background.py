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


def edge_preserving_background(g: np.ndarray, side: int = 500) -> np.ndarray:
    """Paper brightness that keeps hard shadow edges sharp: a median of the dilated picture.

    A dilation (max filter) fills thin pen strokes, then a median over ~8 % of the
    picture fills what is left of wider ones, and an erosion moves the shadow's edge
    back where the dilation pushed it. A median keeps a straight step (a shadow's
    edge) where it is, so the lit paper's level does not spread into the shadow as
    it does under :func:`background`'s broad closing. Strokes wider than ~5 % of the
    picture are not filled: pictures are routed here only when :func:`has_hard_shadow`.
    Computed on a copy whose longer side is ``side`` px.
    """
    h, w = g.shape
    f = min(1.0, side / max(h, w))
    small = cv2.resize(g, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else g
    s = max(small.shape)
    d = max(3, (round(0.012 * s) // 2) * 2 + 1)
    k = min(255, max(5, (round(0.08 * s) // 2) * 2 + 1))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d, d))
    out = cv2.erode(cv2.medianBlur(cv2.dilate(small, disk), k), disk)
    if f < 1:
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def has_hard_shadow(g: np.ndarray) -> bool:
    """True when the paper has a long sharp step in brightness: the edge of a hard shadow.

    Strokes are removed first (dilation + median on a 200 px copy), so only
    brightness changes of the paper itself remain; a gradient, a vignette or a soft
    shadow changes too slowly to count.
    """
    h, w = g.shape
    if max(h, w) < 600:
        # Scans and crops: bold strokes fill too much of a small picture to tell them from a step.
        return False
    f = min(1.0, 200 / max(h, w))
    small = cv2.resize(g, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else g
    if min(small.shape) < 20:
        return False
    # The median (15 % of the picture) also removes bold strokes, whose outlines are steps too.
    m = cv2.medianBlur(cv2.dilate(small, np.ones((3, 3), np.uint8)), 31)
    k = np.ones((3, 3), np.uint8)
    step = cv2.subtract(cv2.dilate(m, k), cv2.erode(m, k))
    paper = float(np.percentile(m, 90))
    # A shadow leaves the paper some light (ink is far darker): both sides of the step are paper.
    strong = (step >= max(12.0, 0.14 * paper)) & (cv2.erode(m, np.ones((11, 11), np.uint8)) >= 0.3 * paper)
    # Away from the picture's border (the median and the reduction distort it).
    strong[:3], strong[-3:], strong[:, :3], strong[:, -3:] = False, False, False, False
    return int(np.count_nonzero(strong)) >= 0.5 * max(small.shape)
