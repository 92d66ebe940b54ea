"""Step 5: bring the stroke thickness to MNIST's proportions (thin pens thickened, markers thinned)."""

from __future__ import annotations

import cv2
import numpy as np

from .ink import transitions

#: Stroke width / box longer side, measured with the same estimator on MNIST:
#: 1st percentile 0.053, 5th 0.065, median 0.098, 95th 0.154, 99th 0.190.
STROKE_TARGET = 0.09
_STROKE_DILATE_BELOW = 0.06
_STROKE_ERODE_ABOVE = 0.20
_STROKE_ERODE_TO = 0.16


def stroke_change(core: np.ndarray, box_side: int) -> tuple[float, float]:
    """(ratio, change): stroke width / box side, and the radius in px to grow (+) or shrink (-)."""
    area = int(np.count_nonzero(core))
    t = transitions(core)
    if area == 0 or t == 0 or box_side <= 0:
        return 0.0, 0.0
    width = 2.0 * area / t
    ratio = width / box_side
    if ratio < _STROKE_DILATE_BELOW:
        d = (STROKE_TARGET * box_side - width) / (2.0 * (1.0 - STROKE_TARGET))
        return ratio, d if d >= 0.5 else 0.0
    if ratio > _STROKE_ERODE_ABOVE:
        e = (width - _STROKE_ERODE_TO * box_side) / (2.0 * (1.0 - _STROKE_ERODE_TO))
        e = min(e, 0.3 * width)  # gently: never wipe out the thinner parts
        return ratio, -e if e >= 0.5 else 0.0
    return ratio, 0.0


def apply_stroke_change(soft: np.ndarray, change: float) -> np.ndarray:
    """Grow (change > 0) or shrink the soft strokes by ``change`` px, anti-aliased."""
    if change > 0:
        # Faint thin lines at this scale still count as strokes, hence the low cut.
        base = (soft >= 0.25).view(np.uint8) * np.uint8(255)
        dist = cv2.distanceTransform(cv2.bitwise_not(base), cv2.DIST_L2, 5)
        return np.maximum(soft, np.clip(change + 0.5 - dist, 0.0, 1.0))
    base = (soft >= 0.5).view(np.uint8) * np.uint8(255)
    dist = cv2.distanceTransform(base, cv2.DIST_L2, 5)
    return np.minimum(soft, np.clip(dist + change + 0.5, 0.0, 1.0))
