"""The pen strokes a drawing canvas sends, as polylines: where one digit's ink ends and the next one's begins.

A picture of "86" whose digits overlap is one blob of ink, but the canvas also knows
each stroke the pen drew. :func:`strokes_from_canvas` reads the objects of
``streamlit-drawable-canvas`` (fabric.js paths: ``M``, ``L``, ``Q`` and ``C``
commands in canvas pixels) into :class:`Stroke` polylines, leaving out eraser
strokes; :func:`stroke_masks` draws each one alone, so that segmentation can offer
"these strokes on the left, those on the right" as a cut that shares the ink where
two digits cross.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import cv2
import numpy as np

__all__ = ["Stroke", "as_strokes", "stroke_masks", "strokes_from_canvas"]


@dataclass(frozen=True)
class Stroke:
    """One pen stroke: points (N x 2, x and y in the picture's pixels) drawn ``width`` pixels wide."""

    points: np.ndarray
    width: float


def as_strokes(items: Iterable[Any]) -> list[Stroke]:
    """:class:`Stroke` objects from strokes or (points, width) pairs (as the number generator gives them)."""
    return [s if isinstance(s, Stroke) else Stroke(np.asarray(s[0], np.float64).reshape(-1, 2), float(s[1]))
            for s in items]


#: Points per quadratic or cubic curve segment (fabric's pencil sends one short curve per mouse move).
_CURVE_STEPS = 4


def _path_points(path: Iterable[Any]) -> np.ndarray:
    """The points of a fabric.js path (absolute ``M``/``L``/``Q``/``C`` commands), curves sampled."""
    pts: list[tuple[float, float]] = []
    for cmd in path:
        if not isinstance(cmd, (list, tuple)) or not cmd or not isinstance(cmd[0], str):
            continue
        op, args = cmd[0], [float(v) for v in cmd[1:] if isinstance(v, (int, float))]
        if op in ("M", "L") and len(args) >= 2:
            pts.append((args[0], args[1]))
        elif op in ("Q", "C") and len(args) >= (4 if op == "Q" else 6) and pts:
            p0 = np.array(pts[-1])
            ctrl = np.array(args[: len(args) - len(args) % 2]).reshape(-1, 2)
            for t in np.linspace(0, 1, _CURVE_STEPS + 1)[1:]:
                if op == "Q":
                    p = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * ctrl[0] + t**2 * ctrl[1]
                else:
                    p = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * ctrl[0] + 3 * (1 - t) * t**2 * ctrl[1] + t**3 * ctrl[2]
                pts.append((float(p[0]), float(p[1])))
    return np.asarray(pts, np.float64).reshape(-1, 2)


def strokes_from_canvas(objects: Iterable[Any], *, eraser_colour: str | None = None, scale: float = 1.0) -> list[Stroke]:
    """The pen strokes among a canvas's ``json_data["objects"]``, in drawing order.

    ``scale``: picture pixels per canvas pixel (the picture of a high-density screen is larger).
    Objects that are not paths, have no points, or are drawn in ``eraser_colour``
    (the canvas background) are left out; anything malformed is skipped, never raised.
    """
    out = []
    eraser = eraser_colour.lower() if eraser_colour else None
    for obj in objects or []:
        if not isinstance(obj, dict) or str(obj.get("type", "")).lower() != "path":  # fabric 7 says "Path"
            continue
        if eraser and str(obj.get("stroke", "")).lower() == eraser:
            continue
        try:
            pts = _path_points(obj.get("path") or []) * scale
            width = float(obj.get("strokeWidth") or 1.0) * scale
        except (TypeError, ValueError):
            continue
        if len(pts) and np.all(np.isfinite(pts)) and np.isfinite(width) and width > 0:
            out.append(Stroke(pts, width))
    return out


def stroke_masks(strokes: list[Stroke], shape: tuple[int, int], scale: tuple[float, float] = (1.0, 1.0),
                 margin: int = 2) -> list[np.ndarray]:
    """Each stroke drawn alone (uint8 0/255 masks of ``shape``), its points multiplied by ``scale`` (x, y).

    ``margin`` pixels more on each side, so the anti-aliased edge of the ink is covered.
    """
    h, w = shape
    sx, sy = scale
    masks = []
    for s in strokes:
        m = np.zeros((h, w), np.uint8)
        pts = np.round(s.points * (sx, sy)).astype(np.int32).reshape(-1, 1, 2)
        thick = max(1, int(round(s.width * (sx + sy) / 2)) + 2 * margin)
        if len(pts) == 1:
            cv2.circle(m, tuple(int(v) for v in pts[0, 0]), max(1, thick // 2), 255, -1)
        else:
            cv2.polylines(m, [pts], False, 255, thick, cv2.LINE_8)
            # Round caps and joins, as the canvas's pen draws them.
            for p in (pts[0, 0], pts[-1, 0]):
                cv2.circle(m, (int(p[0]), int(p[1])), max(1, thick // 2), 255, -1)
        masks.append(m)
    return masks
