"""Drawings that are NOT digits, as pen trajectories (label :data:`NOT_A_DIGIT`): the TEST side.

Categories (:data:`CATEGORIES`): ``letter`` (block capitals drawn stroke by stroke, plus letters
of four OpenCV font faces thinned to one centre line), ``symbol`` (+ - = x ? ! # % & @),
``shape`` (square, triangle, star, heart, house, smiley, arrow, grid, spiral, crossed circle,
zigzag, wave, cloud), ``scribble``, ``dot``, ``line`` (a horizontal line), ``blob`` (a filled
patch), ``two_digits`` (two digits in one box) and ``partial`` (the first part of a digit's
stroke, abandoned). Letters and symbols that a reader would take for a digit (O, I, l, S, Z,
B, G, q, g, b) are left out. Used only for benchmarks and tests; training code never imports it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import cv2
import numpy as np

from .european import european_shape
from .hershey import fonts_for_digit, hershey_shape
from .strokes import StrokeShape, Strokes, path_length, resample, strokes_from_mask
from .templates import _arc, _line, _spline

__all__ = ["CATEGORIES", "NOT_A_DIGIT", "UNAMBIGUOUS", "non_digit_shape"]

#: The label of a non-digit (the 11th class of a model that can say "not a digit").
NOT_A_DIGIT = 10

CATEGORIES: tuple[str, ...] = ("letter", "symbol", "shape", "scribble", "dot", "line", "blob", "two_digits", "partial")
#: Categories no reader would call a digit (``partial`` and ``two_digits`` are arguable).
UNAMBIGUOUS: tuple[str, ...] = ("letter", "symbol", "shape", "scribble", "dot", "line", "blob")

_FONT_LETTERS = "ACEFHKMNPRTUVWXYadefhkmnrtuvwxy"
_FONT_SYMBOLS = "?%&@"
_FONTS = {
    "sans": cv2.FONT_HERSHEY_SIMPLEX,
    "italic": cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    "bold": cv2.FONT_HERSHEY_COMPLEX,
    "plain": cv2.FONT_HERSHEY_PLAIN,
}


def _u(r: np.random.Generator, a: float, b: float) -> float:
    return float(r.uniform(a, b))


# ----------------------------------------------------------------------------- letters drawn by hand

_BLOCK: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.0, 1.0), (0.35, 0.0), (0.7, 1.0)], [(0.15, 0.6), (0.55, 0.6)]],
    "E": [[(0.6, 0.0), (0.0, 0.0), (0.0, 1.0), (0.6, 1.0)], [(0.0, 0.5), (0.45, 0.5)]],
    "F": [[(0.6, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.45, 0.5)]],
    "H": [[(0.0, 0.0), (0.0, 1.0)], [(0.6, 0.0), (0.6, 1.0)], [(0.0, 0.5), (0.6, 0.5)]],
    "K": [[(0.0, 0.0), (0.0, 1.0)], [(0.6, 0.0), (0.0, 0.55), (0.6, 1.0)]],
    "M": [[(0.0, 1.0), (0.0, 0.0), (0.4, 0.6), (0.8, 0.0), (0.8, 1.0)]],
    "N": [[(0.0, 1.0), (0.0, 0.0), (0.6, 1.0), (0.6, 0.0)]],
    "R": [[(0.0, 1.0), (0.0, 0.0), (0.4, 0.0), (0.55, 0.12), (0.55, 0.38), (0.4, 0.5), (0.0, 0.5)],
          [(0.25, 0.5), (0.6, 1.0)]],
    "T": [[(0.0, 0.0), (0.7, 0.0)], [(0.35, 0.0), (0.35, 1.0)]],
    "V": [[(0.0, 0.0), (0.35, 1.0), (0.7, 0.0)]],
    "W": [[(0.0, 0.0), (0.2, 1.0), (0.45, 0.35), (0.7, 1.0), (0.9, 0.0)]],
    "X": [[(0.0, 0.0), (0.65, 1.0)], [(0.65, 0.0), (0.0, 1.0)]],
    "Y": [[(0.0, 0.0), (0.35, 0.5), (0.7, 0.0)], [(0.35, 0.5), (0.35, 1.0)]],
    "P": [[(0.0, 1.0), (0.0, 0.0), (0.4, 0.0), (0.55, 0.13), (0.55, 0.37), (0.4, 0.5), (0.0, 0.5)]],
    "U": [[(0.0, 0.0), (0.0, 0.75), (0.1, 0.95), (0.3, 1.0), (0.5, 0.95), (0.6, 0.75), (0.6, 0.0)]],
    "k": [[(0.0, 0.0), (0.0, 1.0)], [(0.45, 0.4), (0.0, 0.72), (0.5, 1.0)]],
    "h": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.55), (0.2, 0.42), (0.45, 0.45), (0.5, 0.6), (0.5, 1.0)]],
}


def _block_letter(r: np.random.Generator) -> tuple[str, Strokes]:
    ch = sorted(_BLOCK)[int(r.integers(len(_BLOCK)))]
    strokes = []
    for s in _BLOCK[ch]:
        p = np.asarray(s, float) + r.normal(0, 0.02, (len(s), 2))
        strokes.append(resample(p, 0.02))
    return f"letter:block_{ch}", strokes


@functools.lru_cache(maxsize=None)
def _font_glyph(ch: str, font: str) -> tuple[np.ndarray, ...]:
    """Centre lines of ``ch`` in an OpenCV font face (filled outlines thinned to one line)."""
    img = np.zeros((260, 260), np.uint8)
    face = _FONTS[font]
    scale = 6.0 if font == "plain" else 4.0
    (w, h), _ = cv2.getTextSize(ch, face, scale, 14)
    cv2.putText(img, ch, (max(4, (260 - w) // 2), 40 + h), face, scale, 255, 14, cv2.LINE_8)
    return tuple(np.asarray(s, float) for s in strokes_from_mask(img > 127, prune_frac=0.1, smooth_frac=0.03) if len(s) > 1)


def _font_char(r: np.random.Generator, chars: str, kind: str) -> tuple[str, Strokes]:
    ch = chars[int(r.integers(len(chars)))]
    font = sorted(_FONTS)[int(r.integers(len(_FONTS)))]
    strokes = list(_font_glyph(ch, font))
    if not strokes:  # a glyph thinned to nothing: fall back to a drawn letter
        return _block_letter(r)
    return f"{kind}:{font}_{'x' + format(ord(ch), '02x') if not ch.isalnum() else ch}", strokes


def _letter(r: np.random.Generator) -> tuple[str, Strokes]:
    return _block_letter(r) if r.random() < 0.5 else _font_char(r, _FONT_LETTERS, "letter")


# ----------------------------------------------------------------------------- symbols

def _symbol(r: np.random.Generator) -> tuple[str, Strokes]:
    k = int(r.integers(7))
    j = lambda: _u(r, -0.04, 0.04)  # noqa: E731 - a tiny hand tremor per end point
    if k == 0:
        return "symbol:plus", [_line((0.0, 0.5 + j()), (1.0, 0.5 + j())), _line((0.5 + j(), 0.0), (0.5 + j(), 1.0))]
    if k == 1:
        return "symbol:minus", [_line((0.0, 0.0), (1.0, j() * 0.3))]
    if k == 2:
        gap = _u(r, 0.25, 0.5)
        return "symbol:equals", [_line((0.0, 0.0), (1.0, j())), _line((0.0, gap), (1.0, gap + j()))]
    if k == 3:
        return "symbol:times", [_line((0.0, 0.0), (1.0, 1.0)), _line((1.0, 0.0 + j()), (0.0, 1.0 + j()))]
    if k == 4:
        return "symbol:exclamation", [_line((0.3, 0.0), (0.3 + j(), 0.72)), _line((0.3, 0.95), (0.31, 1.0))]
    if k == 5:
        a, b = _u(r, 0.25, 0.4), _u(r, 0.6, 0.75)
        return "symbol:hash", [_line((0.3, 0.0), (0.2, 1.0)), _line((0.7, 0.0), (0.6, 1.0)),
                               _line((0.0, a), (1.0, a)), _line((0.0, b), (1.0, b))]
    return _font_char(r, _FONT_SYMBOLS, "symbol")


# ----------------------------------------------------------------------------- shapes

def _polygon(n: int, r: np.random.Generator, star: bool = False) -> np.ndarray:
    a0 = -90 + _u(r, -10, 10)
    k = 2 * n if star else n
    rad = [1.0 if (i % 2 == 0 or not star) else _u(r, 0.35, 0.5) for i in range(k)]
    pts = [(rad[i] * math.cos(math.radians(a0 + 360 * i / k)), rad[i] * math.sin(math.radians(a0 + 360 * i / k)))
           for i in range(k)]
    return np.asarray(pts + pts[:1], float)


def _shape(r: np.random.Generator) -> tuple[str, Strokes]:
    names = ["square", "triangle", "star", "heart", "house", "smiley", "arrow", "grid", "spiral",
             "crossed_circle", "zigzag", "wave", "cloud"]
    name = names[int(r.integers(len(names)))]
    if name == "square":
        s = [_line((0, 0), (1, 0), (1, _u(r, 0.8, 1.2)), (0, 1), (0, 0))]
    elif name == "triangle":
        s = [_line((0.5, 0), (1, 0.9), (0, 0.9), (0.5, 0))]
    elif name == "star":
        s = [_polygon(5, r, star=True)]
    elif name == "heart":
        s = [_join2(_arc(0.27, 0.25, 0.25, 0.22, 0, -180), _line((0.02, 0.3), (0.5, 1.0))),
             _join2(_arc(0.73, 0.25, 0.25, 0.22, 180, 360), _line((0.98, 0.3), (0.5, 1.0)))]
    elif name == "house":
        s = [_line((0, 0.4), (0, 1), (1, 1), (1, 0.4), (0, 0.4), (0.5, 0.0), (1, 0.4)),
             _line((0.4, 1), (0.4, 0.7), (0.6, 0.7), (0.6, 1))]
    elif name == "smiley":
        s = [_arc(0.5, 0.5, 0.5, 0.5, 0, 360), _line((0.33, 0.33), (0.34, 0.38)), _line((0.66, 0.33), (0.67, 0.38)),
             _arc(0.5, 0.55, 0.25, 0.2, 20, 160)]
    elif name == "arrow":
        s = [_line((0, 0.5), (1, 0.5)), _line((0.7, 0.25), (1, 0.5), (0.7, 0.75))]
        if r.random() < 0.5:  # pointing up or down instead
            s = [p[:, ::-1].copy() for p in s]
    elif name == "grid":
        n = int(r.integers(3, 6))
        s = [_line((i / (n - 1), 0), (i / (n - 1), 1)) for i in range(n)] + [_line((0, i / (n - 1)), (1, i / (n - 1))) for i in range(n)]
    elif name == "spiral":
        t = np.linspace(0, _u(r, 3, 5) * 2 * np.pi, 200)
        s = [np.stack([t * np.cos(t), t * np.sin(t)], axis=1)]
    elif name == "crossed_circle":
        s = [_arc(0.5, 0.5, 0.5, 0.5, 0, 360), _line((0.15, 0.15), (0.85, 0.85)), _line((0.85, 0.15), (0.15, 0.85))]
    elif name == "zigzag":
        n = int(r.integers(4, 8))
        s = [np.asarray([(i / n, float(i % 2) * _u(r, 0.3, 0.6)) for i in range(n + 1)], float)]
    elif name == "wave":
        x = np.linspace(0, 1, 80)
        s = [np.stack([x, 0.15 * np.sin(x * 2 * np.pi * _u(r, 1.5, 3))], axis=1)]
    else:  # cloud: bumps along an ellipse
        t = np.linspace(0, 2 * np.pi, 240)
        bumps = 1 + 0.15 * np.abs(np.sin(t * int(r.integers(5, 8)) / 2))
        s = [np.stack([1.6 * bumps * np.cos(t), bumps * np.sin(t)], axis=1)]
    return f"shape:{name}", [np.asarray(p, float) for p in s]


def _join2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.vstack([a, b])


# ----------------------------------------------------------------------------- the rest

def _scribble(r: np.random.Generator) -> tuple[str, Strokes]:
    pts = r.uniform(0, 1, (int(r.integers(6, 14)), 2))
    return "scribble:random", [_spline(pts, n=8)]


def _dot(r: np.random.Generator) -> tuple[str, Strokes]:
    # A pen dot is a filled disc: a tight zigzag inside a circle. Scaled to a digit's size by the
    # scan/photo renderers it is a big disc, which after MNIST-style size normalisation is what a
    # dot looks like to the model anyway; the hard canvas renderer draws it dot-sized.
    ys = np.linspace(-0.95, 0.95, 9)
    pts = [((-1) ** i * math.sqrt(1 - y * y), y) for i, y in enumerate(ys)]
    return "dot:dot", [np.asarray(pts, float) * 0.5 + 0.5 + r.normal(0, 0.01, (len(pts), 2))]


def _hline(r: np.random.Generator) -> tuple[str, Strokes]:
    return "line:horizontal", [_line((0.0, 0.5), (1.0, 0.5 + _u(r, -0.04, 0.04)))]


def _blob(r: np.random.Generator) -> tuple[str, Strokes]:
    # Back-and-forth strokes close enough that a marker fills the patch.
    n = int(r.integers(10, 16))
    ys = np.linspace(0, 1, n)
    w = r.uniform(0.6, 1.0, n)
    pts = [(0.5 - w[i] / 2 if i % 2 == 0 else 0.5 + w[i] / 2, ys[i]) for i in range(n)]
    return "blob:filled", [resample(np.asarray(pts, float), 0.02)]


def _two_digits(r: np.random.Generator) -> tuple[str, Strokes]:
    a, b = (int(v) for v in r.integers(0, 10, 2))
    out: Strokes = []
    for k, d in enumerate((a, b)):
        fonts = fonts_for_digit(d)
        shape = hershey_shape(fonts[int(r.integers(len(fonts)))], d)
        allp = np.vstack(shape.strokes)
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        h = max(hi[1] - lo[1], 1e-6)
        out += [(s - lo) / h + (k * ((hi[0] - lo[0]) / h + _u(r, 0.15, 0.35)), 0) for s in shape.strokes]
    return f"two_digits:{a}{b}", out


def _partial(r: np.random.Generator) -> tuple[str, Strokes]:
    d = int(r.integers(0, 10))
    shape = european_shape(d, r)
    longest = max(shape.strokes, key=path_length)
    p = resample(longest, 0.01)
    keep = max(3, int(len(p) * _u(r, 0.3, 0.5)))
    return f"partial:{d}", [p[:keep]]


_MAKERS: dict[str, Callable[[np.random.Generator], tuple[str, Strokes]]] = {
    "letter": _letter, "symbol": _symbol, "shape": _shape, "scribble": _scribble, "dot": _dot,
    "line": _hline, "blob": _blob, "two_digits": _two_digits, "partial": _partial,
}


def non_digit_shape(rng: np.random.Generator, category: str | None = None) -> StrokeShape:
    """A random non-digit of ``category`` (one of :data:`CATEGORIES`; random if None), label :data:`NOT_A_DIGIT`.

    ``source`` is ``"<category>:<what>"``, e.g. ``"letter:block_A"`` or ``"shape:star"``.
    """
    if category is None:
        category = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
    if category not in _MAKERS:
        raise ValueError(f"unknown non-digit category {category!r}; expected one of {', '.join(CATEGORIES)}")
    source, strokes = _MAKERS[category](rng)
    return StrokeShape(NOT_A_DIGIT, tuple(np.asarray(s, float) for s in strokes), source)
