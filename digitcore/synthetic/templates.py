"""Hand-made stroke templates of digit styles MNIST under-represents (crossed 7, 1 with a long
flag or a base, open 4, looped 2, flat-topped 3, ...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .strokes import StrokeShape, Strokes, resample

__all__ = ["TEMPLATES", "template_shape"]


def _spline(points: Sequence[Sequence[float]], closed: bool = False, n: int = 10) -> np.ndarray:
    """Centripetal-ish Catmull-Rom spline through ``points``."""
    p = np.asarray(points, float)
    if closed:
        p = np.vstack([p[-1:], p, p[:2]])
    else:
        p = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    out = []
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(
            0.5
            * (
                2 * p1
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3
            )
        )
    out.append(p[-2][None])
    return np.vstack(out)


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> np.ndarray:
    """Elliptic arc; angles in degrees, 0 = right, 90 = down (image coordinates)."""
    n = max(8, int(abs(a1 - a0) / 6))
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _line(*pts: Sequence[float]) -> np.ndarray:
    return np.asarray(pts, float)


def _join(*parts: np.ndarray) -> np.ndarray:
    out = [parts[0]]
    for p in parts[1:]:
        out.append(p[1:] if np.allclose(p[0], out[-1][-1]) else p)
    return np.vstack(out)


def _templates() -> dict[int, list[tuple[str, Callable[[np.random.Generator], Strokes]]]]:
    """Per digit: (style name, generator of strokes in a box about 0.6 wide, 1 tall)."""

    def u(r: np.random.Generator, a: float, b: float) -> float:
        return float(r.uniform(a, b))

    t: dict[int, list[tuple[str, Callable[[np.random.Generator], Strokes]]]] = {}
    t[0] = [
        ("oval", lambda r: [_arc(0.3, 0.5, u(r, 0.2, 0.3), 0.5, -90 + u(r, -20, 20), 270 + u(r, 0, 30))]),
        (
            "oval_ccw_overlap",
            lambda r: [_arc(0.3, 0.5, u(r, 0.22, 0.32), 0.5, -70 + u(r, -10, 10), -430 + u(r, -10, 15))],
        ),
        (
            "egg",
            lambda r: [
                _spline(
                    [(0.35, 0.0), (0.08, 0.2), (0.02, 0.6), (0.25, 1.0), (0.5, 0.8), (0.55, 0.3)],
                    closed=True,
                )
            ],
        ),
    ]

    def one_flag(r: np.random.Generator) -> Strokes:
        f = u(r, 0.12, 0.3)
        return [_line((0.45 - f * 0.9, f * u(r, 0.7, 1.1)), (0.45, 0.0), (0.45 + u(r, -0.05, 0.05), 1.0))]

    def one_long_flag(r: np.random.Generator) -> Strokes:
        f = u(r, 0.25, 0.36)  # continental 1: long up-stroke, steeper than a 7's bar
        return [_line((0.45 - f * 0.75, f * u(r, 0.8, 1.0)), (0.45, 0.0), (0.45, 1.0))]

    def one_base(r: np.random.Generator) -> Strokes:
        b = u(r, 0.14, 0.25)
        return one_flag(r) + [_line((0.45 - b, 1.0), (0.45 + b, 1.0))]

    t[1] = [
        ("stick", lambda r: [_line((0.45 + u(r, -0.03, 0.03), 0.0), (0.45, 1.0))]),
        ("flag", one_flag),
        ("long_flag", one_long_flag),
        ("flag_base", one_base),
    ]

    def two_plain(r: np.random.Generator) -> Strokes:
        top = _arc(0.3, 0.27, 0.27, u(r, 0.22, 0.27), 195, 360)
        neck = _spline([top[-1], (0.55, 0.5), (0.25, 0.78), (0.02, 1.0)], n=12)
        base = _line((0.02, 1.0), (u(r, 0.55, 0.7), 1.0 + u(r, -0.04, 0.02)))
        return [_join(top, neck, base)]

    def two_loop(r: np.random.Generator) -> Strokes:
        top = _arc(0.3, 0.27, 0.27, 0.25, 195, 360)
        body = _spline(
            [top[-1], (0.5, 0.55), (0.2, 0.85), (0.06, 0.98), (0.08, 0.86), (0.2, 0.9), (0.4, 0.98), (0.65, 0.95)],
            n=10,
        )
        return [_join(top, body)]

    def two_straight(r: np.random.Generator) -> Strokes:
        top = _arc(0.3, 0.25, 0.26, 0.22, 200, 375)
        return [_join(top, _line(top[-1], (0.03, 1.0), (u(r, 0.55, 0.7), 1.0)))]

    t[2] = [("plain", two_plain), ("loop", two_loop), ("straight_neck", two_straight)]

    def three_round(r: np.random.Generator) -> Strokes:
        m = u(r, 0.42, 0.5)
        up = _arc(0.3, m / 2, 0.25, m / 2, 200, 450)
        low = _arc(0.3, m + (1 - m) / 2, 0.3, (1 - m) / 2, -90, 155)
        return [_join(up[:-1], _line(up[-2], (0.25, m)), low)]

    def three_flat(r: np.random.Generator) -> Strokes:
        m = u(r, 0.38, 0.46)
        low = _arc(0.3, m + (1 - m) / 2 - 0.02, 0.3, (1 - m) / 2 + 0.02, -110, 155)
        return [_join(_line((0.05, 0.0), (0.6, 0.0), (0.2, m)), _spline([(0.2, m), low[0], low[2]], n=4), low[2:])]

    t[3] = [("round", three_round), ("flat_top", three_flat)]

    def four_closed(r: np.random.Generator) -> Strokes:
        y = u(r, 0.6, 0.7)
        x = u(r, 0.45, 0.55)
        return [_line((x, 1.0), (x, 0.0), (0.0, y), (0.72, y))]

    def four_closed_2(r: np.random.Generator) -> Strokes:
        y = u(r, 0.6, 0.7)
        return [_line((0.48, 0.0), (0.0, y), (0.72, y)), _line((0.52, 0.15), (0.5, 1.0))]

    def four_open(r: np.random.Generator) -> Strokes:
        y = u(r, 0.5, 0.62)
        return [_line((u(r, 0.05, 0.2), 0.0), (0.02, y), (0.7, y)), _line((0.55, 0.0), (0.55, 1.0))]

    t[4] = [("closed", four_closed), ("closed_two_strokes", four_closed_2), ("open", four_open)]

    def five(r: np.random.Generator, separate_bar: bool) -> Strokes:
        bar_y = u(r, -0.02, 0.02)
        belly = _arc(0.3, 0.7, 0.3, 0.28, -145, 150)
        stem = _line((0.1, 0.0), belly[0])
        bar = _line((0.1, bar_y), (u(r, 0.55, 0.68), bar_y - u(r, 0, 0.04)))
        if separate_bar:
            return [_join(stem, belly), bar]
        return [_join(bar[::-1], stem, belly)]

    t[5] = [("bar_first", lambda r: five(r, False)), ("bar_last", lambda r: five(r, True))]

    def six(r: np.random.Generator, curved: bool) -> Strokes:
        cy, ry = 0.73, 0.26
        loop = _arc(0.32, cy, 0.28, ry, 180, -175)
        if curved:
            stem = _spline([(0.58, 0.0), (0.25, 0.15), (0.06, 0.45), loop[0]], n=10)
        else:
            stem = _line((0.5, 0.0), loop[0])
        return [_join(stem, loop)]

    t[6] = [("curved", lambda r: six(r, True)), ("straight", lambda r: six(r, False))]

    def seven(r: np.random.Generator, cross: bool, serif: bool, curved: bool) -> Strokes:
        x_end = u(r, 0.15, 0.35)
        top = (0.65, u(r, -0.03, 0.03))
        diag = _spline([top, (0.45, 0.45), (x_end, 1.0)], n=10) if curved else _line(top, (x_end, 1.0))
        head = _line((0.0, 0.0), top)
        if serif:
            head = _line((0.02, 0.16), (0.0, 0.0), top)
        out = [_join(head, diag)]
        if cross:
            yc = u(r, 0.45, 0.55)
            xc = np.interp(yc, diag[:, 1], diag[:, 0])
            w = u(r, 0.16, 0.24)
            out.append(_line((xc - w, yc), (xc + w, yc - 0.02)))
        return out

    t[7] = [
        ("plain", lambda r: seven(r, False, False, False)),
        ("crossed", lambda r: seven(r, True, False, False)),
        ("serif", lambda r: seven(r, False, True, False)),
        ("curved", lambda r: seven(r, False, False, True)),
        ("crossed_curved", lambda r: seven(r, True, False, True)),
    ]

    def eight_one(r: np.random.Generator) -> Strokes:
        w = u(r, 0.0, 0.06)
        return [
            _spline(
                [
                    (0.55, 0.1), (0.3, 0.0), (0.06 + w, 0.18), (0.3, 0.45), (0.58, 0.7),
                    (0.32, 1.0), (0.02, 0.72), (0.3, 0.45), (0.52, 0.22), (0.55, 0.1),
                ],
                n=10,
            )
        ]

    def eight_snowman(r: np.random.Generator) -> Strokes:
        m = u(r, 0.4, 0.48)
        return [
            _arc(0.3, m / 2, 0.2, m / 2, -90, 275),
            _arc(0.3, m + (1 - m) / 2, 0.28, (1 - m) / 2, -90, 275),
        ]

    t[8] = [("one_stroke", eight_one), ("two_loops", eight_snowman)]

    def nine(r: np.random.Generator, tail: str) -> Strokes:
        cy, ry = u(r, 0.24, 0.3), u(r, 0.22, 0.28)
        loop = _arc(0.3, cy, 0.26, ry, 5, -360)
        start = loop[-1]
        if tail == "straight":
            tl = _line(start, (start[0] - u(r, 0.0, 0.06), 1.0))
        elif tail == "curved":
            tl = _spline([start, (0.55, 0.65), (0.42, 0.95), (0.15, 0.93)], n=10)
        else:
            tl = _line(start, (0.3, 1.0))
        return [_join(loop, tl)]

    t[9] = [
        ("straight", lambda r: nine(r, "straight")),
        ("curved", lambda r: nine(r, "curved")),
        ("slanted", lambda r: nine(r, "slanted")),
    ]
    return t


#: Per digit: the (style name, stroke generator) pairs ``template_shape`` picks from.
TEMPLATES = _templates()


def template_shape(digit: int, rng: np.random.Generator, style: str | None = None) -> StrokeShape:
    """A hand-made template of ``digit`` in a random (or the named) writing style."""
    styles = TEMPLATES[int(digit)]
    if style is None:
        name, fn = styles[int(rng.integers(len(styles)))]
    else:
        name, fn = next((s for s in styles if s[0] == style))
    strokes = tuple(resample(np.asarray(s, float), 0.01) for s in fn(rng))
    return StrokeShape(int(digit), strokes, f"template:{name}")
