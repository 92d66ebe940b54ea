"""Realistic test images of whole numbers ("42", "2026", "007"): canvas drawings and phone photos.

Each digit is a shape from the usual sources (MNIST *test* traces, Hershey fonts,
templates; see :mod:`digitcore.synthetic.sets`) with its own distortion, size and
position: digits vary in height (+-15 %), sit on a line that may slope (up to 8
degrees), and are spaced apart or, now and then, pushed together until their boxes
overlap (touching digits). Digit shapes wider than 1.05 times their height are drawn
again (people rarely write them so; a lone one reads as two digits). Kinds:

* ``canvas``: a wide RGBA drawing (``NUMBER_CANVAS`` px) as the home page's number
  canvas returns it: white strokes on opaque black, sometimes dark strokes on a
  transparent background;
* ``photo``: the number photographed on paper (the single-digit photo renderer);
* ``photo_shadow``: the same with a hard or soft shadow across the page.

Deterministic for a given seed; ``NUMBER_SET_VERSION`` is bumped when a seed's images change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from .distort import distort
from .mnist_source import MnistSource, resolve_mnist
from .raster import fit_pen, stroke_mask
from .renderers import render_photo_full
from .sets import random_shape
from .strokes import StrokeShape

__all__ = ["NUMBER_CANVAS", "NUMBER_KINDS", "NUMBER_SET_VERSION", "NumberSample", "iter_numbers", "layout_number",
           "number_at", "random_number_text", "render_number_canvas", "render_number_canvas_strokes"]

NUMBER_KINDS: tuple[str, ...] = ("canvas", "photo", "photo_shadow")
NUMBER_SET_VERSION = 1
#: (width, height) of the number canvas drawing.
NUMBER_CANVAS = (720, 280)
_KIND_CODES = {"canvas": 44, "photo": 55, "photo_shadow": 66}


@dataclass
class NumberSample:
    """One rendered number. ``boxes`` are each digit's (x0, y0, x1, y1) where known (canvas)."""

    image: np.ndarray
    text: str
    kind: str
    boxes: list[tuple[int, int, int, int]] | None
    encoded: bytes
    ext: str
    # The pen strokes of a canvas drawing as (points N x 2, width) in pixels, as the canvas sends them.
    strokes: list[tuple[np.ndarray, float]] | None = None


def random_number_text(rng: np.random.Generator, lengths: tuple[int, int] = (2, 4)) -> str:
    """A random number of ``lengths[0]..lengths[1]`` digits (leading zeros now and then)."""
    n = int(rng.integers(lengths[0], lengths[1] + 1))
    return "".join(str(int(d)) for d in rng.integers(0, 10, n))


def layout_number(
    text: str, rng: np.random.Generator, mnist=None, touching: float = 0.15,
    shape_of: Callable[[int, np.random.Generator], StrokeShape] | None = None,
) -> tuple[list[list[np.ndarray]], float]:
    """Each digit's strokes in units of the writing's height (y down), left to right, and the total width.

    ``touching``: chance that a digit is pushed against the previous one. ``shape_of(digit, rng)``
    gives each digit's shape (default: the test-set sources, MNIST test traces among them).
    """
    slope = math.tan(math.radians(rng.uniform(-8, 8)))
    x = 0.0
    out = []
    for ch in text:
        for _ in range(10):  # people rarely write a digit wider than it is tall
            shape = shape_of(int(ch), rng) if shape_of else random_shape(int(ch), rng, None, mnist)
            strokes, wn = distort(shape, rng)
            if wn <= 1.05:
                break
        s = rng.uniform(0.85, 1.15)
        if out:
            gap = -rng.uniform(0.0, 0.03) if rng.random() < touching else rng.uniform(0.15, 0.45)
            x += gap
        dy = slope * x + rng.uniform(-0.05, 0.05) + (1.0 - s) * rng.uniform(0.2, 0.8)
        out.append([st * s + (x, dy) for st in strokes])
        x += wn * s
    allp = np.vstack([p for d in out for p in d])
    lo = allp.min(axis=0)
    out = [[st - lo for st in d] for d in out]
    return out, float(np.ptp(allp[:, 0]))


def render_number_canvas(
    text: str, rng: np.random.Generator, mnist=None, size: tuple[int, int] = NUMBER_CANVAS,
    shape_of: Callable[[int, np.random.Generator], StrokeShape] | None = None,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """An RGBA canvas drawing of ``text`` and each digit's ink box (x0, y0, x1, y1)."""
    img, boxes, _ = _number_canvas(text, rng, mnist, size, shape_of)
    return img, boxes


def render_number_canvas_strokes(
    text: str, rng: np.random.Generator, shape_of: Callable[[int, np.random.Generator], StrokeShape],
    size: tuple[int, int] = NUMBER_CANVAS,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]], list[tuple[np.ndarray, float]]]:
    """An RGBA canvas drawing of ``text`` with shapes from ``shape_of``, each digit's ink box and the pen strokes."""
    return _number_canvas(text, rng, None, size, shape_of)


def _number_canvas(
    text: str, rng: np.random.Generator, mnist, size: tuple[int, int],
    shape_of: Callable[[int, np.random.Generator], StrokeShape] | None = None,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]], list[tuple[np.ndarray, float]]]:
    """:func:`render_number_canvas`, and the pen strokes it drew (as the canvas would send them)."""
    W, H = size
    digits, wn = layout_number(text, rng, mnist, shape_of=shape_of)
    height = float(np.ptp(np.vstack([p for d in digits for p in d])[:, 1]))
    h = rng.uniform(0.35, 0.7) * H
    pen = rng.uniform(max(8.0, 0.06 * h), min(30.0, 0.18 * h))
    avail_w, avail_h = W - pen - 16, H - pen - 16
    k = min(h, avail_h / max(height, 1e-6), avail_w / max(wn, 1e-6))  # pixels per height unit
    pen = min(pen, max(4.0, 0.18 * k))
    pen = fit_pen([p * k for d in digits for p in d], pen, 4.0)
    x0 = rng.uniform(pen / 2 + 8, max(pen / 2 + 8, W - wn * k - pen / 2 - 8))
    y0 = rng.uniform(pen / 2 + 8, max(pen / 2 + 8, H - height * k - pen / 2 - 8))
    px = [[p * k + (x0, y0) for p in d] for d in digits]
    cov = stroke_mask([p for d in px for p in d], (H, W), pen)
    img = np.zeros((H, W, 4), np.uint8)
    if rng.random() < 0.7:
        img[..., :3] = np.round(cov * 255).astype(np.uint8)[..., None]
        img[..., 3] = 255
    else:
        img[..., 3] = np.round(cov * 255).astype(np.uint8)
    boxes = []
    for d in px:
        allp = np.vstack(d)
        bx0, by0 = np.floor(allp.min(axis=0) - pen / 2).astype(int)
        bx1, by1 = np.ceil(allp.max(axis=0) + pen / 2).astype(int)
        boxes.append((max(0, int(bx0)), max(0, int(by0)), min(W, int(bx1)), min(H, int(by1))))
    return img, boxes, [(np.asarray(p, np.float64), float(pen)) for d in px for p in d]


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
    if not ok:  # pragma: no cover
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def iter_numbers(
    kind: str, n: int, seed: int, mnist_test_images: MnistSource = None, lengths: tuple[int, int] = (2, 4)
) -> Iterator[NumberSample]:
    """Yield ``n`` rendered numbers of ``kind`` (see :data:`NUMBER_KINDS`); depends only on the arguments."""
    mnist = resolve_mnist(mnist_test_images)
    for child in _children(kind, seed, n):
        yield _render_number(kind, child, mnist, lengths)


def number_at(kind: str, index: int, seed: int, mnist_test_images: MnistSource = None,
              lengths: tuple[int, int] = (2, 4)) -> NumberSample:
    """The ``index``-th number of ``iter_numbers(kind, n, seed)`` (any ``n`` > ``index``), rendered alone."""
    return _render_number(kind, _children(kind, seed, index + 1)[index], resolve_mnist(mnist_test_images), lengths)


def _children(kind: str, seed: int, n: int) -> list[np.random.SeedSequence]:
    if kind not in _KIND_CODES:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(NUMBER_KINDS)}")
    # A child's stream depends on its index only, so the i-th number is the same whatever n.
    return np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _KIND_CODES[kind]]).spawn(n)


def _render_number(kind: str, child: np.random.SeedSequence, mnist, lengths: tuple[int, int]) -> NumberSample:
    r = np.random.default_rng(child)
    text = random_number_text(r, lengths)
    if kind == "canvas":
        img, boxes, strokes = _number_canvas(text, r, mnist, NUMBER_CANVAS)
        return NumberSample(img, text, kind, boxes, _png(img), "png", strokes)
    digits, _ = layout_number(text, r, mnist)
    shape = StrokeShape(-1, tuple(p for d in digits for p in d), "number")
    img, _, data = render_photo_full(shape, r, shadow="any" if kind == "photo_shadow" else None)
    return NumberSample(img, text, kind, None, data, "jpg")
