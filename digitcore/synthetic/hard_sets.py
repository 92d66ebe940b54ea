"""Harder test sets: European digit styles and non-digits, drawn rougher than the realistic sets.

Two families (:data:`FAMILIES`), each in the kinds ``canvas``, ``scan`` and ``photo``:

* ``european``: the styles of :mod:`.european` (balanced labels 0-9);
* ``non_digits``: the drawings of :mod:`.non_digits` (label 10 = not a digit), categories in turn.

"Harder" on purpose: before the usual renderer distortion every shape gets a strong slant
(shear up to 0.45), an extra rotation (up to 15 degrees for digits, 40 for non-digits, 8 for
lines, minus and equals signs, which turned further would read as a 1) and,
for half of them, a hand wobble; the canvas renderer here draws from 30 px (a small drawing in a
corner) to 260 px tall, with pens from a 3 px hairline to a 45 px marker, pushed to a corner
half of the time. Deterministic for a seed; different seed streams from :mod:`.sets`, whose
sets and ``SET_VERSION`` this module leaves alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .distort import distort
from .european import european_shape
from .non_digits import CATEGORIES, NOT_A_DIGIT, non_digit_shape
from .raster import fit_pen, ink_colour, stroke_bbox, stroke_mask
from .renderers import CANVAS_SIZE, render_photo_full, render_scan_full
from .sets import Sample, _encode_png_rgba
from .strokes import StrokeShape

__all__ = ["FAMILIES", "HARD_SET_VERSION", "KINDS", "harden", "iter_hard_samples", "make_hard_set",
           "render_canvas_hard"]

FAMILIES: tuple[str, ...] = ("european", "non_digits")
KINDS: tuple[str, ...] = ("canvas", "scan", "photo")
#: Bumped whenever a change alters the images a seed gives.
HARD_SET_VERSION = 1
_CODES = {("european", "canvas"): 101, ("european", "scan"): 102, ("european", "photo"): 103,
          ("non_digits", "canvas"): 201, ("non_digits", "scan"): 202, ("non_digits", "photo"): 203}


def harden(shape: StrokeShape, rng: np.random.Generator) -> StrokeShape:
    """``shape`` slanted, turned and (half the time) wobbled well beyond the realistic sets."""
    digit = shape.label != NOT_A_DIGIT
    allp = np.vstack(shape.strokes)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    size = max(float((hi - lo).max()), 1e-6)
    # A line turned far is a 1 (or a 7's stroke): lines, minus and equals stay nearly level.
    level = shape.source.startswith(("line:", "symbol:minus", "symbol:equals"))
    turn = 15 if digit else 8 if level else 40
    theta = math.radians(rng.uniform(-turn, turn))
    shear = rng.uniform(-0.45, 0.45)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    m = rot @ np.array([[1.0, -shear], [0.0, 1.0]])
    wob = rng.random() < 0.5
    amp, freq, phase = rng.uniform(0.01, 0.03) * size, rng.uniform(4, 9) / size, rng.uniform(0, 2 * np.pi, 2)
    out = []
    for s in shape.strokes:
        q = (s - lo) @ m.T
        if wob:
            t = np.arange(len(q))[:, None] / max(len(q), 1) * freq * size
            q = q + amp * np.sin(2 * np.pi * t + phase)
        out.append(q)
    return StrokeShape(shape.label, tuple(out), shape.source)


def render_canvas_hard(shape: StrokeShape, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 280x280 RGBA canvas drawing, 30-260 px tall, hairline to marker pen; (image, ink bbox)."""
    size = CANVAS_SIZE
    strokes, wn = distort(shape, rng, wobble=rng.uniform(0.004, 0.015) if rng.random() < 0.5 else 0.0)
    dot = shape.source.startswith("dot:")
    h = rng.uniform(2, 6) if dot else (rng.uniform(30, 80) if rng.random() < 0.35 else rng.uniform(80, 260))
    r = rng.random()
    pen = rng.uniform(3, 6) if r < 0.25 else rng.uniform(28, 45) if r < 0.5 else rng.uniform(8, 28)
    if dot:
        pen = rng.uniform(10, 30)
    avail = size - pen - 8
    h = min(h, avail, avail / max(wn, 1e-6))
    w = wn * h
    if shape.source.startswith("blob:"):
        pen = max(pen, 0.2 * h)  # a marker wide enough to fill the patch
    else:
        pen = fit_pen([s * h for s in strokes], min(pen, max(3.0, 0.4 * h)) if not dot else pen, 3.0)
    lo_x, hi_x = pen / 2 + 4, max(pen / 2 + 4, size - w - pen / 2 - 4)
    lo_y, hi_y = pen / 2 + 4, max(pen / 2 + 4, size - h - pen / 2 - 4)
    if rng.random() < 0.5:  # in a corner
        x0 = lo_x if rng.random() < 0.5 else hi_x
        y0 = lo_y if rng.random() < 0.5 else hi_y
    else:
        x0, y0 = rng.uniform(lo_x, hi_x + 1e-9), rng.uniform(lo_y, hi_y + 1e-9)
    px = [s * h + (x0, y0) for s in strokes]
    cov = stroke_mask(px, (size, size), pen)
    img = np.zeros((size, size, 4), np.uint8)
    if rng.random() < 0.5:
        img[..., :3] = np.round(cov[..., None] * 255).astype(np.uint8)
        img[..., 3] = 255
    else:
        a8 = np.round(cov * 255).astype(np.uint8)
        colour = ink_colour(rng) if rng.random() < 0.3 else np.zeros(3, np.float32)
        img[..., :3] = np.where(a8[..., None] > 0, colour.astype(np.uint8), 0)
        img[..., 3] = a8
    return img, stroke_bbox(px, pen / 2, (size, size))


def iter_hard_samples(family: str, kind: str, n: int, seed: int,
                      categories: tuple[str, ...] | None = None) -> Iterator[Sample]:
    """Yield ``n`` samples of ``family`` ("european", "non_digits") drawn as ``kind``.

    ``categories`` limits the non-digits to those categories (taken in turn). Output depends only
    on the arguments.
    """
    if (family, kind) not in _CODES:
        raise ValueError(f"unknown hard set {family!r}/{kind!r}; families {FAMILIES}, kinds {KINDS}")
    if n < 0:
        raise ValueError("n must be >= 0")
    cats = tuple(categories) if categories else CATEGORIES
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _CODES[(family, kind)], HARD_SET_VERSION])
    order = np.random.default_rng(ss).permutation(n)
    for i, child in zip(order, ss.spawn(n)):
        r = np.random.default_rng(child)
        if family == "european":
            shape = european_shape(int(i) % 10, r)
        else:
            shape = non_digit_shape(r, cats[int(i) % len(cats)])
        shape = harden(shape, r)
        if kind == "canvas":
            img, bbox = render_canvas_hard(shape, r)
            data, ext = _encode_png_rgba(img), "png"
        elif kind == "scan":
            img, bbox, data = render_scan_full(shape, r)
            ext = "jpg"
        else:
            img, bbox, data = render_photo_full(shape, r)
            ext = "jpg"
        yield Sample(img, shape.label, kind, shape.source, bbox, data, ext)


def make_hard_set(family: str, kind: str, n: int, seed: int,
                  categories: tuple[str, ...] | None = None) -> list[tuple[np.ndarray, int]]:
    """``n`` (image, label) pairs; see :func:`iter_hard_samples`."""
    return [(s.image, s.label) for s in iter_hard_samples(family, kind, n, seed, categories)]
