"""Step 3: estimate the paper's level everywhere (uneven light, shadows) so ink can be measured against it."""

from __future__ import annotations

import cv2
import numpy as np

#: Longer side of the thumbnail used to estimate the paper background.
_BG_THUMB_SIDE = 96
#: Noisy pictures at least this big (working pixels) are photos, whose ink polarity thin marks decide
#: (every picture over 1000 px is worked on at more than 500; scans of a digit are smaller, and their
#: bold strokes leave narrow gaps that look like light marks).
PHOTO_MIN_SIDE = 500
#: Noisy pictures at least this big (working pixels) take their paper level from
#: :func:`step_preserving_background`, which follows shadows (scans of a digit are smaller, and
#: their bold strokes fill too much of the picture for a closing that size).
SHADOW_MIN_SIDE = PHOTO_MIN_SIDE

#: With no thin dark marks, light marks must still be this much stronger than dark ones at the wide
#: size to be chalk (a fat marker's strokes on paper: about as strong; chalk's board enclosed by a 4's
#: loop: 0.8 of the chalk's).
CHALK_WIDE = 1.1


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


def step_preserving_background(g: np.ndarray, frac: float = 0.06) -> np.ndarray:
    """Paper brightness that keeps a hard shadow's edge where it is: a closing at moderate size.

    A closing (max then min filter) with a kernel ~6 % of the picture fills every dark mark
    narrower than that (pen strokes) yet returns any monotone brightness profile unchanged, so a
    straight shadow edge, however sharp, stays a step in the background and never becomes "ink".
    (:func:`background`'s thumbnail and wide kernel would spread the lit paper's level into the
    shadow.) Done at full working size (a reduced copy would blur the step back into a line of
    "ink" along the edge), on a 3x3 median so single noisy pixels do not lift the estimate.
    Every photo is worked on with it (``SHADOW_MIN_SIDE``); a hand's soft shadow is wider than
    any stroke too, so it stays paper.
    """
    k = max(5, (round(frac * max(g.shape)) // 2) * 2 + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))  # separable: ~5 ms at 1000 px
    return cv2.morphologyEx(cv2.medianBlur(g, 3), cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)


def _mark_strengths(small: np.ndarray, frac: float) -> tuple[float, float]:
    """How dark / how light the strongest marks narrower than ``frac`` of the picture are."""
    k = max(5, (round(frac * max(small.shape)) // 2) * 2 + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    dark_marks = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel, borderType=cv2.BORDER_REPLICATE)
    light_marks = cv2.morphologyEx(small, cv2.MORPH_TOPHAT, kernel, borderType=cv2.BORDER_REPLICATE)
    return float(np.percentile(dark_marks, 99.7)), float(np.percentile(light_marks, 99.7))


def stroke_polarity(g: np.ndarray, side: int = 400) -> bool | None:
    """Are the strokes darker than the paper (True), lighter (False), or is it unclear (None)?

    Judged by thin marks, not by brightness: a black-hat (closing minus picture) finds dark lines
    narrower than ~3 % of the picture, a top-hat light ones. A shadow's edge or a dark half of
    the page is a step, which neither responds to, so it cannot flip the decision the way it
    moves the picture's median or its border. A second, wider kernel (8 %) sees marker strokes
    too bold for the first; it is not trusted alone for light marks, as the lit corner of a
    shadow looks like one at that size.
    """
    h, w = g.shape
    f = min(1.0, side / max(h, w))
    small = cv2.resize(g, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else g
    if min(small.shape) < 20:
        return None
    small = cv2.GaussianBlur(small, (3, 3), 0)
    d, li = _mark_strengths(small, 0.03)
    if d >= 12 and d >= 1.5 * li:
        return True
    d_wide, li_wide = _mark_strengths(small, 0.08)
    # Light strokes on dark paper are rare in photos; and between thick dark strokes the paper's
    # narrow gaps look like light marks: ask for clear evidence, at both sizes.
    # (No thin dark marks at all is clear enough, as the wide kernel also fills the board enclosed
    # by chalk, unless the wide kernel finds dark marks as strong as the light ones: a fat marker's
    # strokes, too wide for the narrow kernel, with narrow gaps of paper between them.)
    if li >= 24 and li >= 2.5 * d and ((d < 0.1 * li and li_wide >= CHALK_WIDE * d_wide) or li_wide >= 1.5 * d_wide):
        return False
    if d_wide >= 24 and d_wide >= 1.2 * li_wide:
        return True
    return None
