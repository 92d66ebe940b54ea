"""The input of the pair reader: a candidate part of a number as a 28x56 picture at its own aspect.

Unlike the single-digit MNIST form, which squeezes any part into a 20x20 box and so makes
two touching digits look like one odd digit, this keeps the part's width: a 20 px tall
picture of "91" is about twice as wide as one of "9". The pen's width is evened out first
(about a ninth of the height), so a hairline photo and a marker drawing look alike, and
training pictures (MNIST strokes, generated styles) and the app's parts go through the
same function.
"""

from __future__ import annotations

import cv2
import numpy as np

from .joined_shade import stroke_width_of

__all__ = ["PAIR_SHAPE", "pair_input"]

#: (height, width) of the pair reader's input.
PAIR_SHAPE = (28, 56)
#: The part is drawn this tall (px) inside the input, and at most this wide.
_INNER_H, _INNER_W = 22, 52
#: Working height at which the pen's width is evened out, and the pen's width there.
_WORK_H = 72
_PEN = 8.0


def pair_input(mask: np.ndarray) -> np.ndarray | None:
    """``mask`` (ink > 0, any size) as the pair reader's float32 (28, 56) input in 0..1, or None without ink."""
    m = (np.asarray(mask) > 0).astype(np.uint8) * 255
    x, y, w, h = cv2.boundingRect(m)
    if w == 0 or h == 0:
        return None
    m = m[y : y + h, x : x + w]
    f = _WORK_H / h
    ww = max(1, round(w * f))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    work = (cv2.resize(m, (ww, _WORK_H), interpolation=interp) >= 128).astype(np.uint8) * 255
    pad = 12
    work = cv2.copyMakeBorder(work, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    sw = stroke_width_of(work) if work.any() else _PEN
    k = int(round((_PEN - sw) / 2))
    if k > 0:
        work = cv2.dilate(work, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
    elif k < 0:
        # Thinning a fat marker stroke, but never to nothing, nor much: where strokes overlap in a
        # blob the median width overstates the pen, and a deep erosion would wipe out a loop.
        k = min(-k, 3, max(0, int((sw - 3) // 2)))
        if k:
            work = cv2.erode(work, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
    x, y, w, h = cv2.boundingRect(work)
    if w == 0 or h == 0:
        return None
    work = work[y : y + h, x : x + w]
    s = min(_INNER_H / h, _INNER_W / w)
    tw, th = max(1, round(w * s)), max(1, round(h * s))
    small = cv2.resize(work, (tw, th), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    out = np.zeros(PAIR_SHAPE, np.float32)
    oy, ox = (PAIR_SHAPE[0] - th) // 2, (PAIR_SHAPE[1] - tw) // 2
    out[oy : oy + th, ox : ox + tw] = small
    return out
