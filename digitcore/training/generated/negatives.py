"""Things that are NOT digits, as strokes, for the 11th class ("not a digit").

Letters, symbols, shapes (square, triangle, star, heart, house, smiley, arrows, grid), scribbles,
dots, single horizontal or diagonal lines, filled blobs, partial digits, two or three digits in one
box and crossed-out digits.
Left out on purpose because they ARE digits or too close to one: vertical strokes (a 1), plain
circles and ellipses (a 0), and letters like O, Q, D, I, l, S, Z, G, b, g, q, a.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .digit_styles import digit_strokes
from .geometry import Strokes, arc, jitter_points, line, spline

Negative = Callable[[np.random.Generator], Strokes]


def _u(r: np.random.Generator, a: float, b: float) -> float:
    return float(r.uniform(a, b))


def _j(r, pts, a=0.02):
    return line(*jitter_points(r, pts, a))


# ----------------------------------------------------------------------------- letters
LETTERS: dict[str, Negative] = {
    "A": lambda r: [_j(r, [(0.0, 1.0), (0.3, 0.0), (0.6, 1.0)]), _j(r, [(0.12, 0.6), (0.48, 0.6)])],
    "A1": lambda r: [_j(r, [(0.0, 1.0), (0.3, 0.0), (0.6, 1.0)]), _j(r, [(0.1, 0.65), (0.5, 0.62)])],
    "B": lambda r: [_j(r, [(0.05, 0.0), (0.05, 1.0)]), arc(0.05, 0.24, 0.4, 0.24, -90, 90),
                    arc(0.05, 0.74, 0.48, 0.26, -90, 90)],
    "E": lambda r: [_j(r, [(0.55, 0.0), (0.05, 0.0), (0.05, 1.0), (0.55, 1.0)]), _j(r, [(0.05, 0.5), (0.42, 0.5)])],
    "F": lambda r: [_j(r, [(0.55, 0.0), (0.05, 0.0), (0.05, 1.0)]), _j(r, [(0.05, 0.48), (0.42, 0.48)])],
    "H": lambda r: [_j(r, [(0.0, 0.0), (0.0, 1.0)]), _j(r, [(0.55, 0.0), (0.55, 1.0)]),
                    _j(r, [(0.0, 0.5), (0.55, 0.5)])],
    "K": lambda r: [_j(r, [(0.05, 0.0), (0.05, 1.0)]), _j(r, [(0.55, 0.0), (0.07, 0.55), (0.58, 1.0)])],
    "M": lambda r: [_j(r, [(0.0, 1.0), (0.05, 0.0), (0.35, 0.6), (0.65, 0.0), (0.7, 1.0)])],
    "N": lambda r: [_j(r, [(0.0, 1.0), (0.0, 0.0), (0.55, 1.0), (0.55, 0.0)])],
    "W": lambda r: [_j(r, [(0.0, 0.0), (0.18, 1.0), (0.38, 0.3), (0.58, 1.0), (0.76, 0.0)])],
    "X": lambda r: [_j(r, [(0.0, 0.0), (0.6, 1.0)]), _j(r, [(0.6, 0.0), (0.0, 1.0)])],
    "Y": lambda r: [_j(r, [(0.0, 0.0), (0.3, 0.45), (0.6, 0.0)]), _j(r, [(0.3, 0.45), (0.3, 1.0)])],
    "R": lambda r: [_j(r, [(0.05, 1.0), (0.05, 0.0)]), arc(0.05, 0.25, 0.45, 0.25, -90, 90),
                    _j(r, [(0.1, 0.5), (0.58, 1.0)])],
    "P": lambda r: [_j(r, [(0.05, 1.0), (0.05, 0.0)]), arc(0.05, 0.26, 0.45, 0.26, -90, 90)],
    "C": lambda r: [arc(0.35, 0.5, 0.33, 0.5, -50, -310)],
    "U": lambda r: [spline(jitter_points(r, [(0.0, 0.0), (0.02, 0.7), (0.28, 1.0), (0.55, 0.7), (0.56, 0.0)], 0.02))],
    "V": lambda r: [_j(r, [(0.0, 0.0), (0.3, 1.0), (0.6, 0.0)])],
    "T": lambda r: [_j(r, [(0.0, 0.0), (0.6, 0.0)]), _j(r, [(0.3, 0.0), (0.3, 1.0)])],
    "L": lambda r: [_j(r, [(0.05, 0.0), (0.05, 1.0), (0.5, 1.0)])],
    "k": lambda r: [_j(r, [(0.05, 0.0), (0.05, 1.0)]), _j(r, [(0.45, 0.4), (0.07, 0.7), (0.5, 1.0)])],
    "m": lambda r: [spline(jitter_points(r, [(0.0, 1.0), (0.02, 0.3), (0.2, 0.05), (0.35, 0.3), (0.36, 1.0)], 0.02)),
                    spline(jitter_points(r, [(0.36, 0.35), (0.55, 0.05), (0.72, 0.3), (0.73, 1.0)], 0.02))],
    "n": lambda r: [spline(jitter_points(r, [(0.0, 1.0), (0.02, 0.3), (0.28, 0.0), (0.52, 0.3), (0.54, 1.0)], 0.02))],
    "w": lambda r: [spline(jitter_points(r, [(0.0, 0.0), (0.15, 1.0), (0.35, 0.2), (0.55, 1.0), (0.7, 0.0)], 0.02))],
    "e": lambda r: [np.vstack([line((0.05, 0.5), (0.55, 0.5)), arc(0.3, 0.5, 0.26, 0.5, 0, -300)])],
    "r": lambda r: [_j(r, [(0.05, 0.0), (0.05, 1.0)]), spline([(0.06, 0.3), (0.25, 0.02), (0.5, 0.05)])],
    "t": lambda r: [_j(r, [(0.28, 0.0), (0.28, 0.85)]) if r.random() < 0.5
                    else spline([(0.28, 0.0), (0.28, 0.85), (0.4, 1.0), (0.55, 0.9)]),
                    _j(r, [(0.0, 0.28), (0.56, 0.28)])],
    "f": lambda r: [spline([(0.55, 0.05), (0.35, 0.0), (0.22, 0.2), (0.22, 1.0)]), _j(r, [(0.0, 0.42), (0.45, 0.42)])],
    "x": lambda r: [_j(r, [(0.0, 0.0), (0.8, 0.8)]), _j(r, [(0.8, 0.0), (0.0, 0.8)])],
}

# ----------------------------------------------------------------------------- symbols and shapes


def _square(r):
    w = _u(r, 0.7, 1.3)
    return [_j(r, [(0, 0), (w, 0), (w, 1), (0, 1), (0, 0)], 0.02)]


def _triangle(r):
    return [_j(r, [(0.5, 0), (1.0, 0.9), (0.0, 0.9), (0.5, 0)], 0.03)]


def _diamond(r):
    return [_j(r, [(0.4, 0), (0.8, 0.5), (0.4, 1.0), (0.0, 0.5), (0.4, 0)], 0.03)]


def _star(r):
    a = np.radians(np.arange(6) * 144 - 90 + _u(r, -8, 8))
    return [np.stack([0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a)], axis=1)]


def _star6(r):
    a = np.radians(np.arange(0, 361, 30) - 90)
    rad = np.where(np.arange(len(a)) % 2 == 0, 0.5, _u(r, 0.2, 0.3))
    return [np.stack([0.5 + rad * np.cos(a), 0.5 + rad * np.sin(a)], axis=1)]


def _heart(r):
    t = np.linspace(0, 2 * np.pi, 80)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return [np.stack([x / 32 + 0.5, y / 32 + 0.5], axis=1)]


def _house(r):
    roof = _u(r, 0.3, 0.45)
    return [_j(r, [(0, roof), (0.5, 0), (1, roof), (1, 1), (0, 1), (0, roof), (1, roof)], 0.02)]


def _smiley(r):
    face = arc(0.5, 0.5, 0.5, 0.5, 0, 362)
    mouth = arc(0.5, 0.55, 0.28, 0.2, 20, 160)
    e1 = line((0.33, 0.33), (0.34, 0.37))
    e2 = line((0.66, 0.33), (0.67, 0.37))
    return [face, mouth, e1, e2]


def _arrow(r):
    ang = _u(r, 0, 2 * np.pi)
    d = np.array([np.cos(ang), np.sin(ang)])
    n = np.array([-d[1], d[0]])
    tip = 0.5 + 0.5 * d
    tail = 0.5 - 0.5 * d
    h = _u(r, 0.2, 0.35)
    return [line(tail, tip), line(tip - h * d + h * 0.7 * n, tip, tip - h * d - h * 0.7 * n)]


def _grid(r):
    k = int(r.integers(2, 5))
    out = []
    for i in range(1, k + 1):
        p = i / (k + 1)
        out.append(_j(r, [(0, p), (1, p)], 0.02))
        out.append(_j(r, [(p, 0), (p, 1)], 0.02))
    return out


def _plus(r):
    return [_j(r, [(0, 0.5), (1, 0.5)]), _j(r, [(0.5, 0), (0.5, 1)])]


def _cross(r):
    return [_j(r, [(0, 0), (1, 1)]), _j(r, [(1, 0), (0, 1)])]


def _equals(r):
    return [_j(r, [(0, 0.3), (1, 0.3)]), _j(r, [(0, 0.7), (1, 0.7)])]


def _hash(r):
    return [_j(r, [(0.3, 0), (0.2, 1)]), _j(r, [(0.7, 0), (0.6, 1)]), _j(r, [(0, 0.33), (1, 0.33)]),
            _j(r, [(0, 0.67), (1, 0.67)])]


def _hline(r):
    return [_j(r, [(0, 0), (1, _u(r, -0.03, 0.03))], 0.0)]


def _diagonal(r):
    s = 1 if r.random() < 0.5 else -1
    h = _u(r, 0.3, 0.9)  # at most ~42 degrees from horizontal: steeper lines pass for a 1
    return [line((0, 0.5 - s * h / 2), (1, 0.5 + s * h / 2))]


def _wave(r):
    x = np.linspace(0, 1, 60)
    f = _u(r, 1.5, 3.5)
    return [np.stack([x, 0.12 * np.sin(2 * np.pi * f * x + _u(r, 0, 6))], axis=1)]


def _zigzag(r):
    k = int(r.integers(4, 9))
    return [_j(r, [(i / k, (i % 2) * 0.35) for i in range(k + 1)], 0.03)]


def _scribble(r):
    pts = r.uniform(0, 1, (int(r.integers(6, 14)), 2))
    return [spline(pts)]


def _spiral(r):
    t = np.linspace(0, _u(r, 3, 5) * 2 * np.pi, 160)
    rad = 0.05 + 0.45 * t / t[-1]
    return [np.stack([0.5 + rad * np.cos(t), 0.5 + rad * np.sin(t)], axis=1)]


def _blob(r):
    # A filled patch: a dense zigzag the renderers draw with the pen, filling it.
    k = int(r.integers(8, 14))
    xs = np.linspace(0, 1, k)
    pts = [(x, 0.0 if i % 2 == 0 else 1.0) for i, x in enumerate(xs)]
    return [_j(r, pts, 0.04), _j(r, [(0, 0.5), (1, 0.5)], 0.05)]


def _dot(r):
    return [line((0.0, 0.0), (0.001, 0.001))]


def _check(r):
    return [_j(r, [(0, 0.55), (0.3, 1.0), (1.0, 0.0)])]


def _infinity(r):
    t = np.linspace(0, 2 * np.pi, 90)
    return [np.stack([0.5 + 0.5 * np.cos(t), 0.25 * np.sin(2 * t)], axis=1)]


def _question(r):
    return [spline([(0.05, 0.25), (0.3, 0.0), (0.55, 0.2), (0.3, 0.5), (0.3, 0.7)]), line((0.3, 0.93), (0.3, 0.95))]


def _ampersand(r):
    return [spline(jitter_points(r, [(0.6, 1.0), (0.15, 0.4), (0.2, 0.05), (0.4, 0.15), (0.05, 0.7), (0.25, 1.0),
                                     (0.55, 0.75), (0.65, 0.6)], 0.02))]


def _at(r):
    inner = arc(0.5, 0.5, 0.18, 0.2, 0, 360)
    outer = arc(0.5, 0.5, 0.5, 0.5, 0, -320)
    return [np.vstack([inner, [[0.7, 0.65]], outer])]


def _percent(r):
    return [arc(0.2, 0.2, 0.15, 0.18, 0, 360), line((0.9, 0.0), (0.1, 1.0)), arc(0.8, 0.8, 0.15, 0.18, 0, 360)]


def _asterisk(r):
    out = []
    for k in range(int(r.integers(3, 5))):
        a = np.pi * k / 3 + _u(r, -0.1, 0.1)
        out.append(line((0.5 - 0.5 * np.cos(a), 0.5 - 0.5 * np.sin(a)), (0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a))))
    return out


def _cloud(r):
    # A closed outline of bumps: round like a 0 overall, but no one writes a 0 this way.
    t = np.linspace(0, 2 * np.pi, 200)
    k = int(r.integers(6, 10))
    rad = 0.4 + _u(r, 0.12, 0.18) * np.abs(np.sin(k * t / 2 + _u(r, 0, 3)))
    return [np.stack([0.5 + 1.2 * rad * np.cos(t), 0.5 + rad * np.sin(t)], axis=1)]


def _open_arc(r):
    # Part of a ring, opening any way; redrawn (up to 10 times) until wide enough not to pass for a 1.
    for _ in range(10):
        start, span = _u(r, 0, 360), _u(r, 150, 240)
        a = arc(0.5, 0.5, 0.5, 0.5 * _u(r, 0.8, 1.2), start, start + span)
        w, h = np.ptp(a, axis=0)
        if w > 0.6 * h:
            break
    return [a]


def _rect_wide(r):
    w = _u(r, 1.6, 2.5)
    return [_j(r, [(0, 0), (w, 0), (w, 1), (0, 1), (0, 0)], 0.02)]


def _partial_digit(r):
    # A digit stopped early: the first part of its first stroke only.
    while True:
        digit = int(r.integers(0, 10))
        if digit not in (1, 7, 0):  # a part of these is too often another digit (a 1) or a C-like arc
            break
    _, strokes = digit_strokes(digit, r)
    s = strokes[0]
    for _ in range(10):
        part = s[: max(3, int(len(s) * _u(r, 0.25, 0.45)))]
        w, h = np.ptp(part, axis=0)
        if w > 0.45 * max(h, 1e-6):  # a tall, thin piece would be a 1
            break
    return [part]


def _two_digits(r):
    a, b = (int(v) for v in r.integers(0, 10, 2))
    _, sa = digit_strokes(a, r)
    _, sb = digit_strokes(b, r)
    gap = _u(r, 0.62, 0.85)
    return [*sa, *[s + (gap, _u(r, -0.08, 0.08)) for s in sb]]


def _blob_round(r):
    # A round patch coloured in back and forth (a spiral would leave rings with a thin pen: a 0).
    n = int(r.integers(14, 24))
    ys = np.linspace(-0.95, 0.95, n)
    half = np.sqrt(1 - ys**2) * _u(r, 0.6, 1.0)
    pts = [(0.5 + (-1) ** i * half[i] * 0.5, 0.5 + 0.5 * y) for i, y in enumerate(ys)]
    return [np.asarray(jitter_points(r, pts, 0.02), float)]


def _blob_scrawl(r):
    # Many short random strokes packed into a small area: scratched-out ink.
    c = r.uniform(0.3, 0.7, 2)
    pts = c + r.normal(0, _u(r, 0.12, 0.25), (int(r.integers(25, 50)), 2))
    return [spline(pts, n=4)]


def _scribble_dense(r):
    pts = r.uniform(0, 1, (int(r.integers(14, 30)), 2)) * (_u(r, 0.6, 1.4), 1.0)
    return [spline(pts, n=6)]


def _scribble_loops(r):
    # A row of cursive loops (eeee / llll), or a tangled coil.
    k = int(r.integers(3, 7))
    t = np.linspace(0, k * 2 * np.pi, 50 * k)
    amp = _u(r, 0.25, 0.5)
    x = t / t[-1] * _u(r, 1.0, 2.0) + amp * 0.5 * np.cos(t)
    y = 0.5 + amp * np.sin(t)
    return [np.stack([x, y], axis=1)]


def _scribble_multi(r):
    return [spline(r.uniform(0, 1, (int(r.integers(4, 8)), 2)), n=8) for _ in range(int(r.integers(2, 5)))]


def _partial_digit_end(r):
    # The last part of a digit's stroke, or its second stroke alone.
    while True:
        digit = int(r.integers(0, 10))
        if digit not in (1, 7, 0):
            break
    _, strokes = digit_strokes(digit, r)
    for _ in range(10):
        s = strokes[int(r.integers(len(strokes)))]
        a = int(len(s) * _u(r, 0.45, 0.7))
        part = s[a:] if len(s) - a >= 3 else s
        w, h = np.ptp(part, axis=0)
        if w > 0.45 * max(h, 1e-6):
            return [part]
    return [part]


def _two_digits_close(r):
    # Two digits touching or overlapping a little, or one above the other.
    a, b = (int(v) for v in r.integers(0, 10, 2))
    _, sa = digit_strokes(a, r)
    _, sb = digit_strokes(b, r)
    if r.random() < 0.75:
        shift = (_u(r, 0.35, 0.62), _u(r, -0.15, 0.15))
    else:
        shift = (_u(r, -0.1, 0.3), _u(r, 0.9, 1.1))
    return [*sa, *[s + shift for s in sb]]


def _three_digits(r):
    out = []
    x = 0.0
    for d in (int(v) for v in r.integers(0, 10, 3)):
        _, strokes = digit_strokes(d, r)
        out += [s + (x, _u(r, -0.06, 0.06)) for s in strokes]
        x += _u(r, 0.6, 0.85)
    return out


def _dots(r):
    # Two to five separate taps of the pen.
    out = []
    for _ in range(int(r.integers(2, 6))):
        c = r.uniform(0, 1, 2)
        out.append(line(c, c + 0.01))
    return out


def _digit_crossed_out(r):
    # A digit struck through with a scribble or a cross: not an answer a reader would give.
    _, strokes = digit_strokes(int(r.integers(0, 10)), r)
    if r.random() < 0.5:
        return [*strokes, line((-0.1, 0.1), (0.7, 0.9)), line((0.7, 0.1), (-0.1, 0.9))]
    k = int(r.integers(4, 8))
    ys = np.linspace(0.2, 0.8, k)
    return [*strokes, _j(r, [((i % 2) * 0.7 - 0.05, y) for i, y in enumerate(ys)], 0.03)]


SHAPES: dict[str, Negative] = {
    "square": _square, "triangle": _triangle, "diamond": _diamond, "star": _star, "star6": _star6,
    "heart": _heart, "house": _house, "smiley": _smiley, "arrow": _arrow, "grid": _grid, "plus": _plus,
    "cross": _cross, "equals": _equals, "hash": _hash, "hline": _hline, "diagonal": _diagonal, "wave": _wave,
    "zigzag": _zigzag, "scribble": _scribble, "spiral": _spiral, "blob": _blob, "dot": _dot, "check": _check,
    "infinity": _infinity, "question": _question, "ampersand": _ampersand, "at": _at,
    "percent": _percent, "asterisk": _asterisk, "rect_wide": _rect_wide, "partial_digit": _partial_digit,
    "two_digits": _two_digits, "cloud": _cloud, "open_arc": _open_arc,
}

#: The kinds a first model still read as digits most often (blobs, scribbles, dots, partial and
#: several digits): drawn more often than the rest.
HARD: dict[str, Negative] = {
    "blob": _blob, "blob_round": _blob_round, "blob_scrawl": _blob_scrawl, "scribble": _scribble,
    "scribble_dense": _scribble_dense, "scribble_loops": _scribble_loops, "scribble_multi": _scribble_multi,
    "dot": _dot, "dots": _dots, "partial_digit": _partial_digit, "partial_digit_end": _partial_digit_end,
    "two_digits": _two_digits, "two_digits_close": _two_digits_close, "three_digits": _three_digits,
    "digit_crossed_out": _digit_crossed_out,
}

#: Every kind of negative and how often it is drawn: letters 30 %, other shapes 30 %, the hard kinds 40 %.
_OTHER = {k: v for k, v in SHAPES.items() if k not in HARD}
KINDS: dict[str, Negative] = {**{f"letter_{k}": v for k, v in LETTERS.items()}, **_OTHER, **HARD}
_WEIGHTS = np.array([0.3 / len(LETTERS)] * len(LETTERS) + [0.3 / len(_OTHER)] * len(_OTHER)
                    + [0.4 / len(HARD)] * len(HARD))
_WEIGHTS /= _WEIGHTS.sum()
_NAMES = list(KINDS)


def negative_strokes(rng: np.random.Generator) -> tuple[str, Strokes]:
    """(kind, strokes) of a random non-digit."""
    name = _NAMES[int(rng.choice(len(_NAMES), p=_WEIGHTS))]
    return name, [np.asarray(s, float) for s in KINDS[name](rng)]
