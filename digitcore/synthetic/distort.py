"""Random geometry that makes a shape look hand-drawn: rotation, shear and aspect, a smooth
elastic field and, for canvas drawings, a hand wobble."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .hershey import ITALIC_FONTS
from .strokes import StrokeShape, Strokes, resample

__all__ = ["distort"]


def _fourier_field(
    rng: np.random.Generator, amplitude: float, freq: tuple[float, float], k: int = 4
) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth random displacement field (sum of ``k`` plane waves), in shape units."""
    dirs = rng.uniform(0, 2 * np.pi, k)
    f = rng.uniform(*freq, k)[:, None] * np.stack([np.cos(dirs), np.sin(dirs)], axis=1)
    phase = rng.uniform(0, 2 * np.pi, k)
    amp = rng.normal(0, 1, (k, 2)) * amplitude / math.sqrt(k)

    def field(p: np.ndarray) -> np.ndarray:
        return np.sin(2 * np.pi * (p @ f.T) + phase) @ amp

    return field


def _normalise(strokes: Sequence[np.ndarray]) -> tuple[Strokes, float]:
    """Shift/scale so the bounding box starts at (0, 0) and is 1 tall; returns width too."""
    allp = np.vstack(strokes)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    h = max(hi[1] - lo[1], 1e-6)
    return [(s - lo) / h for s in strokes], float((hi[0] - lo[0]) / h)


@dataclass(frozen=True)
class _Jitter:
    rotate: float  # degrees, +-
    shear: float  # +-
    aspect: tuple[float, float]
    elastic: tuple[float, float]  # amplitude range, fraction of height
    wobble: tuple[float, float] = (0.0, 0.0)


_JITTER_MNIST = _Jitter(rotate=8, shear=0.15, aspect=(0.85, 1.15), elastic=(0.005, 0.02))
_JITTER_DRAWN = _Jitter(rotate=12, shear=0.25, aspect=(0.78, 1.2), elastic=(0.015, 0.035))


def distort(shape: StrokeShape, rng: np.random.Generator, wobble: float = 0.0) -> tuple[Strokes, float]:
    """Random affine + elastic (+ optional hand-wobble) of a shape: (strokes 1 tall, their width).

    A 1 whose flag the distortion has laid down flat reads as a 7, so such draws are
    redrawn (the shape itself was checked to be a fair 1).
    """
    for _ in range(20):
        strokes, wn = _distort_once(shape, rng, wobble)
        if shape.label != 1 or not _flag_like_a_seven(strokes):
            break
    return strokes, wn


def _flag_like_a_seven(strokes: Sequence[np.ndarray]) -> bool:
    """True when the top third of a (1-tall) digit reaches far left of its highest point,
    or reaches left at a shallow angle: a 7's bar rather than a 1's flag."""
    allp = np.vstack(strokes)
    top = allp[np.argmin(allp[:, 1])]
    upper = allp[allp[:, 1] < 0.35]
    left = upper[np.argmin(upper[:, 0])]
    extent = float(top[0] - left[0])
    angle = math.degrees(math.atan2(left[1] - top[1], max(extent, 1e-9)))
    return extent > 0.3 or (extent > 0.08 and angle < 32)


def _distort_once(shape: StrokeShape, rng: np.random.Generator, wobble: float) -> tuple[Strokes, float]:
    jit = _JITTER_MNIST if shape.source.startswith("mnist") else _JITTER_DRAWN
    strokes, _ = _normalise(shape.strokes)
    strokes = [resample(s, 0.01) for s in strokes]
    field = _fourier_field(rng, rng.uniform(*jit.elastic), (0.4, 1.5))
    strokes = [s + field(s) for s in strokes]
    theta = math.radians(rng.uniform(-jit.rotate, jit.rotate))
    shear = rng.uniform(-jit.shear, jit.shear)
    if shape.source.split(":")[-1] in ITALIC_FONTS:
        shear = rng.uniform(-jit.shear, 0.05)  # already slanted: do not double the slant
    ax = rng.uniform(*jit.aspect)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    m = rot @ np.array([[ax, -shear], [0.0, 1.0]])  # -shear: x moves left as y goes down
    strokes = [s @ m.T for s in strokes]
    if wobble > 0:
        w = _fourier_field(rng, wobble, (3.0, 7.0), k=6)
        strokes = [s + w(s) for s in strokes]
    return _normalise(strokes)
