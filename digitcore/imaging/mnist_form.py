"""Step 6: crop, scale the longer side to 20 px and centre by mass in 28x28, as MNIST did."""

from __future__ import annotations

import cv2
import numpy as np

# MNIST's mean centre of mass, in pixel-index coordinates, is (14.0, 14.0).
_MNIST_COM = 14.0
BOX = 20
_SIDE = 28


def scale_and_centre(soft: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Tight crop -> longer side 20 px -> 28x28 with the centre of mass at MNIST's."""
    # The box of clearly inked pixels; the faintest anti-aliasing may fall outside.
    x, y, w, h = cv2.boundingRect((soft > 0.1).view(np.uint8))
    if w == 0 or h == 0:
        return None
    crop = soft[y : y + h, x : x + w]
    s = BOX / max(w, h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    small = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
    # MNIST digits always peak at 255; thin strokes come out grey after shrinking.
    top = float(small.max())
    if top <= 1e-6:
        return None
    small = np.clip(small * (1.0 / top), 0.0, 1.0)
    # Not cv2.moments: it reads an (N, 2) float array as a list of points.
    mass = float(small.sum())
    if mass <= 1e-6:
        return None
    cx = float(small.sum(axis=0) @ np.arange(nw, dtype=np.float32)) / mass
    cy = float(small.sum(axis=1) @ np.arange(nh, dtype=np.float32)) / mass
    # Integer shifts, as MNIST did (its centres of mass scatter by +-0.5 px).
    ox = min(max(round(_MNIST_COM - cx), 0), _SIDE - nw)
    oy = min(max(round(_MNIST_COM - cy), 0), _SIDE - nh)
    out = np.zeros((_SIDE, _SIDE), np.float32)
    out[oy : oy + nh, ox : ox + nw] = small
    return small, out
