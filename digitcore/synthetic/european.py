"""Stroke templates of European (continental) digit styles that MNIST rarely shows: the TEST side.

1 with a long upstroke, a flag or a base; 7 with a crossbar; open, closed and cursive 4;
9 with a straight, curved or curled g-like tail; slashed 0; looped and open 2; looped 6;
8 built in several ways; 3 and 5 as written on the continent. Each style is drawn by a
function of a random generator in a box about 0.6 wide and 1 tall (y down), with its own
random proportions, so two draws of one style differ. Used only for benchmarks and tests;
training code never imports this (the training side has its own generators).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .strokes import StrokeShape, Strokes
from .templates import _arc, _join, _line, _spline  # the same curve primitives as the older templates

__all__ = ["EUROPEAN_STYLES", "european_shape", "styles_for_digit"]

Style = Callable[[np.random.Generator], Strokes]


def _u(r: np.random.Generator, a: float, b: float) -> float:
    return float(r.uniform(a, b))


def _one_upstroke(r: np.random.Generator) -> Strokes:
    # Long hair-line upstroke from low on the left: the "1 read as 7" of the issue.
    x = _u(r, 0.42, 0.5)
    return [_line((x - _u(r, 0.3, 0.42), _u(r, 0.38, 0.55)), (x, 0.0), (x + _u(r, -0.04, 0.04), 1.0))]


def _one_flag(r: np.random.Generator) -> Strokes:
    x, f = _u(r, 0.4, 0.5), _u(r, 0.15, 0.3)
    return [_line((x - f, f * _u(r, 0.9, 1.3)), (x, 0.0), (x, 1.0))]


def _one_base(r: np.random.Generator) -> Strokes:
    b = _u(r, 0.15, 0.28)
    return _one_flag(r) + [_line((0.45 - b, 1.0), (0.45 + b, 1.0 + _u(r, -0.02, 0.02)))]


def _one_upstroke_base(r: np.random.Generator) -> Strokes:
    b = _u(r, 0.15, 0.25)
    return _one_upstroke(r) + [_line((0.45 - b, 1.0), (0.45 + b, 1.0))]


def _seven_crossbar(r: np.random.Generator) -> Strokes:
    y = _u(r, 0.45, 0.6)
    top = _line((0.0, _u(r, 0.0, 0.08)), (0.62, 0.0), (_u(r, 0.15, 0.3), 1.0))
    return [top, _line((_u(r, 0.12, 0.25), y), (_u(r, 0.5, 0.62), y + _u(r, -0.04, 0.04)))]


def _seven_hook(r: np.random.Generator) -> Strokes:
    # Little downward hook at the start of the bar, curved stem, crossbar.
    stem = _spline([(0.62, 0.0), (0.45, 0.35), (0.32, 0.7), (0.28, 1.0)], n=8)
    bar = _join(_line((0.0, _u(r, 0.12, 0.2)), (0.03, 0.0)), _line((0.03, 0.0), (0.62, 0.0)))
    return [_join(bar, stem), _line((0.15, 0.52), (0.58, 0.5))]


def _four_closed(r: np.random.Generator) -> Strokes:
    x, y = _u(r, 0.42, 0.52), _u(r, 0.6, 0.72)
    return [_line((x, 1.0), (x, 0.0), (0.0, y), (0.65, y))]


def _four_open(r: np.random.Generator) -> Strokes:
    y = _u(r, 0.5, 0.65)
    return [_line((_u(r, 0.05, 0.15), 0.0), (0.0, y), (0.65, y)), _line((0.48, _u(r, 0.1, 0.3)), (0.48, 1.0))]


def _four_cursive(r: np.random.Generator) -> Strokes:
    # One stroke: down, along, then a loop up and the stem down: the "4 read as 9" of the issue.
    y = _u(r, 0.5, 0.62)
    return [_spline([(0.15, 0.0), (0.05, 0.35), (0.1, y), (0.35, y + 0.04), (0.6, y - 0.02),
                     (0.5, 0.15), (0.42, y), (0.44, 0.85), (0.5, 1.0)], n=8)]


def _four_slanted_open(r: np.random.Generator) -> Strokes:
    return [_line((0.3, 0.0), (0.0, 0.62), (0.7, 0.6)), _line((0.55, 0.22), (0.42, 1.0))]


def _nine_head(r: np.random.Generator) -> tuple[np.ndarray, float, float]:
    rx, ry = _u(r, 0.22, 0.3), _u(r, 0.2, 0.27)
    head = _arc(0.3, ry, rx, ry, 0, -360 + _u(r, -10, 10))
    return head, 0.3 + rx, ry


def _nine_straight(r: np.random.Generator) -> Strokes:
    head, x, y = _nine_head(r)
    return [_join(head, _line((x, y), (x - _u(r, 0.0, 0.08), 1.0)))]


def _nine_curved(r: np.random.Generator) -> Strokes:
    head, x, y = _nine_head(r)
    return [_join(head, _spline([(x, y), (x, 0.7), (x - 0.15, 0.95), (x - 0.45, 0.92)], n=8))]


def _nine_curled(r: np.random.Generator) -> Strokes:
    # g-like: the tail curls round to the left and back up (read as 3 or 8 in the issue).
    head, x, y = _nine_head(r)
    tail = _spline([(x, y), (x, 0.75), (x - 0.2, 1.0), (x - 0.5, 0.9), (x - 0.4, 0.7), (x - 0.15, 0.72)], n=8)
    return [_join(head, tail)]


def _zero_slashed(r: np.random.Generator) -> Strokes:
    rx = _u(r, 0.22, 0.3)
    oval = _arc(0.3, 0.5, rx, 0.5, -90, 275)
    return [oval, _line((0.3 + rx + _u(r, 0.02, 0.1), _u(r, 0.0, 0.12)), (0.3 - rx - _u(r, 0.02, 0.1), _u(r, 0.88, 1.0)))]


def _two_looped(r: np.random.Generator) -> Strokes:
    top = _arc(0.3, 0.26, 0.27, _u(r, 0.2, 0.26), 190, 360)
    body = _spline([top[-1], (0.45, 0.6), (0.12, 0.9), (0.02, 0.97), (0.1, 0.8), (0.22, 0.92),
                    (0.45, 1.0), (0.68, 0.96)], n=8)
    return [_join(top, body)]


def _two_open(r: np.random.Generator) -> Strokes:
    top = _arc(0.3, 0.25, 0.28, 0.24, 180, 360)
    return [_join(top, _line(top[-1], (0.05, 1.0), (_u(r, 0.6, 0.75), 1.0)))]


def _six_looped(r: np.random.Generator) -> Strokes:
    # A long curve from the top down into a big, fully closed loop (read as 8 in the issue).
    r0 = _u(r, 0.25, 0.3)
    loop = _arc(0.3, 1.0 - r0, 0.3, r0, 180, 540)
    return [_join(_spline([(0.55, 0.0), (0.25, 0.15), (0.05, 0.45), (0.0, 1.0 - r0)], n=10), loop)]


def _eight_two_circles(r: np.random.Generator) -> Strokes:
    a = _u(r, 0.4, 0.48)
    return [_arc(0.3, a / 2, 0.22, a / 2, 0, 360), _arc(0.3, a + (1 - a) / 2, 0.3, (1 - a) / 2, -90, 270)]


def _eight_s_and_back(r: np.random.Generator) -> Strokes:
    return [_spline([(0.55, 0.1), (0.3, 0.0), (0.05, 0.15), (0.15, 0.4), (0.5, 0.6), (0.6, 0.85),
                     (0.3, 1.0), (0.0, 0.85), (0.1, 0.6), (0.45, 0.4), (0.55, 0.15)], n=8)]


def _eight_snowman(r: np.random.Generator) -> Strokes:
    top = _arc(0.3, 0.18, 0.16, 0.18, 90, 450)
    low = _arc(0.3, 0.68, 0.32, 0.32, -90, 270)
    return [_join(top, low)]


def _three_pointed(r: np.random.Generator) -> Strokes:
    m = _u(r, 0.42, 0.5)
    up = _spline([(0.02, 0.1), (0.3, 0.0), (0.55, 0.18), (0.2, m)], n=8)
    low = _spline([(0.2, m), (0.6, m + 0.15), (0.55, 0.9), (0.25, 1.0), (0.0, 0.9)], n=8)
    return [_join(up, low)]


def _five_separate_bar(r: np.random.Generator) -> Strokes:
    body = _join(_line((0.1, 0.0), (0.05, 0.45)), _arc(0.3, 0.7, 0.3, 0.28, -140, 150))
    return [body, _line((0.1, 0.0), (_u(r, 0.55, 0.7), _u(r, -0.05, 0.03)))]


#: Per digit: (style name, stroke generator).
EUROPEAN_STYLES: dict[int, list[tuple[str, Style]]] = {
    0: [("slashed", _zero_slashed)],
    1: [("upstroke", _one_upstroke), ("flag", _one_flag), ("base", _one_base), ("upstroke_base", _one_upstroke_base)],
    2: [("looped", _two_looped), ("open", _two_open)],
    3: [("pointed", _three_pointed)],
    4: [("closed", _four_closed), ("open", _four_open), ("cursive", _four_cursive), ("slanted_open", _four_slanted_open)],
    5: [("separate_bar", _five_separate_bar)],
    6: [("looped", _six_looped)],
    7: [("crossbar", _seven_crossbar), ("hook_crossbar", _seven_hook)],
    8: [("two_circles", _eight_two_circles), ("s_and_back", _eight_s_and_back), ("snowman", _eight_snowman)],
    9: [("straight_tail", _nine_straight), ("curved_tail", _nine_curved), ("curled_tail", _nine_curled)],
}


def styles_for_digit(digit: int) -> list[str]:
    """The European style names of ``digit``."""
    return [name for name, _ in EUROPEAN_STYLES[int(digit)]]


def european_shape(digit: int, rng: np.random.Generator, style: str | None = None) -> StrokeShape:
    """A European-style ``digit`` (a random style unless ``style`` names one); source ``european:<digit>_<style>``."""
    options = EUROPEAN_STYLES[int(digit)]
    if style is None:
        name, make = options[int(rng.integers(len(options)))]
    else:
        matches = [o for o in options if o[0] == style]
        if not matches:
            raise ValueError(f"no European style {style!r} for {digit}; expected one of {', '.join(styles_for_digit(digit))}")
        name, make = matches[0]
    strokes = tuple(np.asarray(s, float) for s in make(rng))
    return StrokeShape(int(digit), strokes, f"european:{digit}_{name}")
