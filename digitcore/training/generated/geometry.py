"""Small path helpers for the training templates (splines, arcs, lines), shapes ~0.6 wide, 1 tall, y down.

Kept apart from ``digitcore.synthetic.templates`` on purpose: the training data must not share
the test sets' shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Strokes = list[np.ndarray]


def spline(points: Sequence[Sequence[float]], closed: bool = False, n: int = 12) -> np.ndarray:
    """Uniform Catmull-Rom spline through ``points`` (closed: back to the first point)."""
    p = np.asarray(points, float)
    if closed:
        p = np.vstack([p[-1:], p, p[:2]])
    else:
        p = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(p[-2][None])
    return np.vstack(out)


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> np.ndarray:
    """Elliptic arc from angle ``a0`` to ``a1`` (degrees; 0 = right, 90 = down)."""
    n = max(8, int(abs(a1 - a0) / 5))
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def line(*pts: Sequence[float]) -> np.ndarray:
    """A polyline through the given points."""
    return np.asarray(pts, float)


def join(*parts: np.ndarray) -> np.ndarray:
    """Concatenate paths into one stroke (a repeated joint point is dropped)."""
    out = [parts[0]]
    for p in parts[1:]:
        out.append(p[1:] if np.allclose(p[0], out[-1][-1]) else p)
    return np.vstack(out)


def jitter_points(rng: np.random.Generator, pts: Sequence[Sequence[float]], amount: float) -> list[tuple[float, float]]:
    """Control points moved independently by up to ``amount`` (shape units)."""
    return [(float(x + rng.uniform(-amount, amount)), float(y + rng.uniform(-amount, amount))) for x, y in pts]
