"""Training-only stroke templates for digit styles MNIST lacks (European 1, 7, 4 and 9 forms,
slashed 0, looped 2 and 6, several 8 constructions, ...).

Each style is a function of a random generator giving strokes in a box about 0.6 wide and 1
tall (y down). They are written independently of the test-set templates in
``digitcore.synthetic.templates`` so that the held-out sets stay honest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .geometry import Strokes, arc, join, jitter_points, line, spline

Style = Callable[[np.random.Generator], Strokes]


def _u(r: np.random.Generator, a: float, b: float) -> float:
    return float(r.uniform(a, b))


# ----------------------------------------------------------------------------- 0
def _zero_oval(r):
    rx = _u(r, 0.18, 0.32)
    start = _u(r, -120, -60)
    return [arc(0.3, 0.5, rx, 0.5, start, start + 360 + _u(r, -5, 25))]


def _zero_ccw(r):
    rx = _u(r, 0.16, 0.3)
    start = _u(r, -100, -60)
    return [arc(0.3, 0.5, rx, 0.5, start, start - 360 - _u(r, 0, 20))]


def _zero_slashed(r):
    rx = _u(r, 0.2, 0.3)
    oval = arc(0.3, 0.5, rx, 0.5, -90, 275)
    a = _u(r, 0.05, 0.15)
    slash = line((0.3 + rx + a * 0.5, 0.05 + a), (0.3 - rx - a * 0.5, 0.95 - a))
    return [oval, slash]


def _zero_slash_through(r):
    # The slash runs past the oval at both ends (the Scandinavian way).
    rx = _u(r, 0.2, 0.3)
    oval = arc(0.3, 0.5, rx, 0.5, -90 + _u(r, -15, 15), 270)
    over = _u(r, 0.03, 0.1)
    slash = line((0.3 + rx + over, -over), (0.3 - rx - over, 1.0 + over))
    return [oval, slash]


def _zero_pointed(r):
    pts = jitter_points(r, [(0.32, 0.0), (0.08, 0.25), (0.04, 0.62), (0.28, 1.0), (0.52, 0.7), (0.5, 0.25)], 0.03)
    return [spline(pts, closed=True)]


# ----------------------------------------------------------------------------- 1
def _one_flag(r):
    top = (0.38 + _u(r, -0.04, 0.04), 0.0)
    flag_len = _u(r, 0.12, 0.3)
    ang = np.radians(_u(r, 35, 60))  # below horizontal: a flag, not a 7's bar
    start = (top[0] - flag_len * np.cos(ang), top[1] + flag_len * np.sin(ang))
    bottom = (top[0] + _u(r, -0.08, 0.02), 1.0)
    return [line(start, top, bottom)]


def _one_long_upstroke(r):
    # The European 1: a long, steep upstroke from low on the left, then the stem down.
    top = (0.42 + _u(r, -0.03, 0.03), 0.0)
    depth = _u(r, 0.3, 0.6)
    # Up to 0.4 wide: a long, flat lead-in is still a 1 to a continental reader (a 7 has its bar).
    start = (top[0] - _u(r, 0.16, 0.4), depth)
    bottom = (top[0] + _u(r, -0.06, 0.03), 1.0)
    return [line(start, top, bottom)]


def _one_flag_base(r):
    s = _one_flag(r)[0]
    bx = s[-1][0]
    half = _u(r, 0.13, 0.24)
    return [s, line((bx - half, 1.0), (bx + half, 1.0))]


def _one_upstroke_base(r):
    s = _one_long_upstroke(r)[0]
    bx = s[-1][0]
    half = _u(r, 0.13, 0.22)
    return [s, line((bx - half, 1.0), (bx + half, 1.0))]


def _one_stick(r):
    x = 0.3
    return [line((x + _u(r, -0.03, 0.06), 0.0), (x + _u(r, -0.06, 0.03), 1.0))]


def _one_curved_flag(r):
    top = (0.4, 0.0)
    return [join(spline([(0.2, _u(r, 0.15, 0.3)), (0.3, 0.1), top]), line(top, (0.38 + _u(r, -0.04, 0.03), 1.0)))]


# ----------------------------------------------------------------------------- 2
def _two_plain(r):
    top = spline(jitter_points(r, [(0.05, 0.25), (0.25, 0.0), (0.5, 0.15), (0.45, 0.45), (0.02, 1.0)], 0.03))
    return [join(top, line(tuple(top[-1]), (0.58 + _u(r, -0.05, 0.05), 1.0 + _u(r, -0.04, 0.02))))]


def _two_looped(r):
    body = spline(jitter_points(r, [(0.06, 0.22), (0.28, 0.0), (0.52, 0.18), (0.4, 0.55), (0.08, 0.92),
                                    (0.05, 0.78), (0.2, 0.82), (0.34, 1.0), (0.6, 0.97)], 0.025))
    return [body]


def _two_angular(r):
    return [line((0.05, 0.08 + _u(r, 0, 0.1)), (0.4, 0.0), (0.5, 0.22), (0.03, 1.0), (0.58, 1.0))]


def _two_curved_base(r):
    top = spline(jitter_points(r, [(0.05, 0.28), (0.28, 0.0), (0.52, 0.2), (0.3, 0.6), (0.05, 0.95)], 0.03))
    base = spline([(0.05, 0.95), (0.25, 0.9), (0.45, 1.0), (0.6, 0.92)])
    return [join(top, base)]


# ----------------------------------------------------------------------------- 3
def _three_round(r):
    upper = arc(0.28, 0.26, 0.24, 0.25, -160, 90 + _u(r, -10, 10))
    lower = arc(0.28, 0.73, 0.28, 0.27, -90, 150 + _u(r, 0, 20))
    return [join(upper, lower)]


def _three_flat_top(r):
    top = line((0.04, 0.0), (0.55, 0.0), (0.22, 0.4))
    lower = arc(0.28, 0.7, 0.28, 0.3, -100, 150)
    return [join(top, lower)]


def _three_pointed(r):
    pts = jitter_points(r, [(0.05, 0.1), (0.35, 0.0), (0.5, 0.2), (0.2, 0.47), (0.55, 0.7), (0.35, 1.0), (0.02, 0.88)],
                        0.03)
    return [spline(pts)]


# ----------------------------------------------------------------------------- 4
def _four_closed(r):
    x = 0.42 + _u(r, -0.04, 0.04)
    mid = 0.62 + _u(r, -0.06, 0.05)
    tri = line((x, 0.0), (0.0, mid), (0.62, mid))
    return [tri, line((x + _u(r, -0.02, 0.03), 0.05), (x + _u(r, -0.05, 0.02), 1.0))]


def _four_open(r):
    mid = 0.58 + _u(r, -0.06, 0.06)
    left = line((0.08 + _u(r, -0.04, 0.06), 0.0), (0.02, mid), (0.62, mid))
    x = 0.45 + _u(r, -0.04, 0.04)
    return [left, line((x, _u(r, 0.0, 0.15)), (x + _u(r, -0.05, 0.02), 1.0))]


def _four_cursive(r):
    # One stroke: down the left, across, then up and looping back down as the stem.
    mid = 0.6 + _u(r, -0.05, 0.05)
    pts = [(0.1, 0.0), (0.05, mid * 0.8), (0.2, mid + 0.02), (0.58, mid - 0.02), (0.46, 0.08), (0.36, 0.25),
           (0.42, 0.65), (0.44, 1.0)]
    return [spline(jitter_points(r, pts, 0.025))]


def _four_open_top(r):
    mid = 0.6 + _u(r, -0.05, 0.05)
    x = 0.44
    diag = line((0.3, 0.0), (0.02, mid), (0.62, mid))
    return [diag, line((x, 0.15 + _u(r, 0, 0.15)), (x, 1.0))]


# ----------------------------------------------------------------------------- 5
def _five_plain(r):
    body = join(line((0.12, 0.0), (0.08, 0.45)), arc(0.28, 0.68, 0.28, 0.3, -140, 150))
    return [body, line((0.12, 0.0), (0.55 + _u(r, -0.05, 0.05), _u(r, -0.03, 0.03)))]


def _five_one_stroke(r):
    pts = jitter_points(r, [(0.55, 0.0), (0.12, 0.0), (0.08, 0.45), (0.3, 0.38), (0.55, 0.6), (0.5, 0.9),
                            (0.25, 1.0), (0.02, 0.88)], 0.025)
    return [spline(pts)]


# ----------------------------------------------------------------------------- 6
def _six_plain(r):
    pts = jitter_points(r, [(0.5, 0.02), (0.25, 0.15), (0.05, 0.6), (0.2, 0.98), (0.5, 0.85), (0.5, 0.55),
                            (0.2, 0.52), (0.05, 0.65)], 0.025)
    return [spline(pts)]


def _six_looped(r):
    # A 6 whose loop is drawn as a full curl that overlaps its own stem.
    stem = spline([(0.55, 0.0), (0.25, 0.2), (0.06, 0.62)])
    loop = arc(0.3, 0.73, 0.25 + _u(r, -0.03, 0.03), 0.27, 180, 180 - 380 - _u(r, 0, 30))
    return [join(stem, loop)]


def _six_straight(r):
    stem = line((0.45, 0.0), (0.06, 0.66))
    loop = arc(0.3, 0.73, 0.25, 0.27, 190, -150)
    return [join(stem, loop)]


# ----------------------------------------------------------------------------- 7
def _seven_plain(r):
    return [line((0.02, _u(r, 0.0, 0.06)), (0.6, 0.0), (0.22 + _u(r, -0.08, 0.1), 1.0))]


def _seven_crossbar(r):
    foot = 0.22 + _u(r, -0.06, 0.1)
    body = line((0.02, _u(r, 0.0, 0.06)), (0.6, 0.0), (foot, 1.0))
    y = 0.5 + _u(r, -0.08, 0.06)
    xm = 0.6 + (foot - 0.6) * y
    return [body, line((xm - _u(r, 0.14, 0.24), y), (xm + _u(r, 0.1, 0.2), y + _u(r, -0.03, 0.03)))]


def _seven_hook(r):
    return [join(line((0.02, 0.15 + _u(r, 0, 0.08)), (0.04, 0.02), (0.6, 0.0)),
                 spline([(0.6, 0.0), (0.42, 0.4), (0.3, 1.0)]))]


# ----------------------------------------------------------------------------- 8
def _eight_two_loops(r):
    top = arc(0.3, 0.24, 0.2 + _u(r, -0.03, 0.03), 0.24, 0, 362)
    bottom = arc(0.3, 0.74, 0.26 + _u(r, -0.03, 0.03), 0.26, -90, 272)
    return [top, bottom]


def _eight_small_top(r):
    # A small head on a big body (the "snowman" many children write): two loops, the top one small.
    rt = _u(r, 0.11, 0.17)
    top = arc(0.3 + _u(r, -0.04, 0.04), rt, rt * _u(r, 1.0, 1.3), rt, 0, 362)
    rb = (1.0 - 2 * rt) / 2
    bottom = arc(0.3, 2 * rt + rb, min(0.3, rb * _u(r, 0.85, 1.15)), rb, -90, 272)
    return [top, bottom]


def _eight_figure(r):
    pts = jitter_points(r, [(0.5, 0.12), (0.3, 0.0), (0.1, 0.15), (0.25, 0.38), (0.5, 0.6), (0.55, 0.85),
                            (0.3, 1.0), (0.05, 0.85), (0.12, 0.6), (0.35, 0.4), (0.48, 0.22), (0.45, 0.1)], 0.02)
    return [spline(pts)]


def _eight_s_and_back(r):
    s = spline(jitter_points(r, [(0.52, 0.1), (0.3, 0.0), (0.08, 0.18), (0.3, 0.48), (0.55, 0.75), (0.3, 1.0),
                                 (0.05, 0.78), (0.3, 0.48), (0.5, 0.22), (0.52, 0.1)], 0.02))
    return [s]


# ----------------------------------------------------------------------------- 9
def _nine_loop(r):
    return arc(0.28, 0.25, 0.24 + _u(r, -0.03, 0.03), 0.25, 0 + _u(r, -10, 10), -360)


def _nine_straight(r):
    loop = _nine_loop(r)
    x = float(loop[0][0])
    return [join(loop, line(tuple(loop[-1]), (x + _u(r, -0.12, 0.0), 1.0)))]


def _nine_curved(r):
    loop = _nine_loop(r)
    x = float(loop[-1][0])
    return [join(loop, spline([tuple(loop[-1]), (x, 0.6), (x - 0.1, 0.92), (x - 0.3, 1.0)]))]


def _nine_g_tail(r):
    # The curled, g-like tail: the stem comes down and curls back left and up.
    loop = arc(0.3, 0.22, 0.22 + _u(r, -0.03, 0.03), 0.22, _u(r, -10, 10), -360)
    x = float(loop[-1][0])
    curl = spline([tuple(loop[-1]), (x - 0.01, 0.55), (x - 0.06, 0.86), (x - 0.2, 1.0), (x - 0.38, 0.94),
                   (x - 0.46, 0.76 + _u(r, -0.06, 0.04))])
    return [join(loop, curl)]


def _nine_g_closed(r):
    # The tail curls right round and comes back up towards the stem, closing a lower loop like a "g".
    loop = arc(0.3, 0.22, 0.22 + _u(r, -0.03, 0.03), 0.22, _u(r, -10, 10), -360)
    x = float(loop[-1][0])
    back = _u(r, 0.66, 0.8)
    curl = spline([tuple(loop[-1]), (x - 0.02, 0.6), (x - 0.06, 0.88), (x - 0.24, 1.0), (x - 0.44, 0.9),
                   (x - 0.38, back - 0.04), (x - _u(r, 0.05, 0.18), back)])
    return [join(loop, curl)]


def _nine_two_strokes(r):
    loop = arc(0.28, 0.25, 0.24, 0.25, -30, 330)
    return [loop, line((0.52, 0.1), (0.45 + _u(r, -0.08, 0.02), 1.0))]


STYLES: dict[int, list[tuple[str, Style]]] = {
    0: [("oval", _zero_oval), ("oval_ccw", _zero_ccw), ("slashed", _zero_slashed),
        ("slash_through", _zero_slash_through), ("pointed", _zero_pointed)],
    1: [("flag", _one_flag), ("long_upstroke", _one_long_upstroke), ("flag_base", _one_flag_base),
        ("upstroke_base", _one_upstroke_base), ("stick", _one_stick), ("curved_flag", _one_curved_flag)],
    2: [("plain", _two_plain), ("looped", _two_looped), ("angular", _two_angular), ("curved_base", _two_curved_base)],
    3: [("round", _three_round), ("flat_top", _three_flat_top), ("pointed", _three_pointed)],
    4: [("closed", _four_closed), ("open", _four_open), ("cursive", _four_cursive), ("open_top", _four_open_top)],
    5: [("plain", _five_plain), ("one_stroke", _five_one_stroke)],
    6: [("plain", _six_plain), ("looped", _six_looped), ("straight", _six_straight)],
    7: [("plain", _seven_plain), ("crossbar", _seven_crossbar), ("hook", _seven_hook)],
    8: [("two_loops", _eight_two_loops), ("figure", _eight_figure), ("s_and_back", _eight_s_and_back),
        ("small_top", _eight_small_top)],
    9: [("straight", _nine_straight), ("curved", _nine_curved), ("g_tail", _nine_g_tail),
        ("g_closed", _nine_g_closed), ("two_strokes", _nine_two_strokes)],
}


def digit_strokes(digit: int, rng: np.random.Generator) -> tuple[str, Strokes]:
    """(style name, strokes) of a random training style of ``digit``."""
    styles = STYLES[digit]
    name, make = styles[int(rng.integers(len(styles)))]
    strokes = make(rng)
    return name, [np.asarray(s, float) for s in strokes]
