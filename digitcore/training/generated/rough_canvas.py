"""Training-only rough canvas drawings: small, steeply slanted and written with a marker.

The plain canvas renderer draws 80-260 px tall with a pen at most 0.28 of the height; children
on a tablet also draw a 40 px digit in a corner with a finger-wide brush, slanted hard. Those
inputs were the model's weakest (thick 7s, 9s and flagged 1s), so part of the generated
training data is drawn this way. The ranges are this module's own; the test sets'
``digitcore.synthetic.hard_sets`` is not used.
"""

from __future__ import annotations

import math

import numpy as np

from ...synthetic.distort import distort
from ...synthetic.raster import fit_pen, ink_colour, stroke_mask
from ...synthetic.renderers import CANVAS_SIZE
from ...synthetic.strokes import StrokeShape


def slant(shape: StrokeShape, rng: np.random.Generator, max_shear: float = 0.4,
          max_turn_deg: float = 12.0) -> StrokeShape:
    """``shape`` sheared (italic either way) and turned a little, before the usual distortion."""
    theta = math.radians(rng.uniform(-max_turn_deg, max_turn_deg))
    shear = rng.uniform(-max_shear, max_shear)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    m = rot @ np.array([[1.0, -shear], [0.0, 1.0]])
    return StrokeShape(shape.label, tuple(np.asarray(s, float) @ m.T for s in shape.strokes), shape.source)


def render_rough_canvas(shape: StrokeShape, rng: np.random.Generator, *, turn_deg: float = 12.0) -> np.ndarray:
    """A 280x280 RGBA canvas drawing 28-140 px tall, pen 0.15-0.42 of the height, often in a corner.

    ``turn_deg`` bounds the extra rotation (keep it small for shapes that turned become a 1).
    """
    size = CANVAS_SIZE
    shape = slant(shape, rng, max_turn_deg=turn_deg)
    strokes, wn = distort(shape, rng, wobble=rng.uniform(0.004, 0.014) if rng.random() < 0.5 else 0.0)
    h = rng.uniform(28, 70) if rng.random() < 0.5 else rng.uniform(70, 140)
    pen = rng.uniform(0.15, 0.42) * h
    avail = size - pen - 8
    h = min(h, avail, avail / max(wn, 1e-6))
    w = wn * h
    if shape.source.startswith("train:blob"):
        pen = max(pen, 0.2 * h)
    else:
        pen = fit_pen([s * h for s in strokes], pen, 3.0)
    lo_x, hi_x = pen / 2 + 4, max(pen / 2 + 4, size - w - pen / 2 - 4)
    lo_y, hi_y = pen / 2 + 4, max(pen / 2 + 4, size - h - pen / 2 - 4)
    if rng.random() < 0.4:
        x0 = lo_x if rng.random() < 0.5 else hi_x
        y0 = lo_y if rng.random() < 0.5 else hi_y
    else:
        x0, y0 = rng.uniform(lo_x, hi_x + 1e-9), rng.uniform(lo_y, hi_y + 1e-9)
    cov = stroke_mask([s * h + (x0, y0) for s in strokes], (size, size), pen)
    img = np.zeros((size, size, 4), np.uint8)
    if rng.random() < 0.55:  # opaque black canvas, light strokes
        img[..., :3] = np.round(cov[..., None] * 255).astype(np.uint8)
        img[..., 3] = 255
    else:  # transparent canvas, dark (sometimes coloured) strokes fading in alpha only
        a8 = np.round(cov * 255).astype(np.uint8)
        colour = ink_colour(rng) if rng.random() < 0.3 else np.zeros(3, np.float32)
        img[..., :3] = np.where(a8[..., None] > 0, colour.astype(np.uint8), 0)
        img[..., 3] = a8
    return img
