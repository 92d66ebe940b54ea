"""digitcore.imaging.pair_form: a part of a number as the pair reader's 28x56 input, at its own width."""

from __future__ import annotations

import numpy as np
import pytest

from digitcore.imaging.pair_form import PAIR_SHAPE, pair_input
from digitcore.synthetic.raster import stroke_mask

_T = np.linspace(0, 2 * np.pi, 40)
NINE = [np.stack([0.3 + 0.25 * np.cos(_T), 0.3 + 0.28 * np.sin(_T)], 1), np.array([[0.55, 0.3], [0.5, 1.0]])]
ONE = [np.array([[0.2, 0.15], [0.35, 0.0], [0.35, 1.0]])]


def drawn(shapes: list[list[np.ndarray]], pen: float, height: int = 160, gap: float = 0.0) -> np.ndarray:
    """The shapes side by side (each a unit box of strokes), ``gap`` heights apart, as a 0/255 mask."""
    strokes, x = [], 0.0
    for shape in shapes:
        pts = np.vstack(shape)
        w = float(pts[:, 0].max() - pts[:, 0].min())
        strokes += [(s - (pts[:, 0].min(), 0) + (x, 0)) * height + pen + 4 for s in shape]
        x += w + gap
    size = (int(height + 2 * pen + 8), int(x * height + 2 * pen + 8))
    return (stroke_mask(strokes, size, pen) >= 0.5).astype(np.uint8) * 255


def ink_columns(form: np.ndarray) -> int:
    return int(np.count_nonzero(form.max(axis=0) > 0.2))


def test_shape_range_and_no_ink():
    form = pair_input(drawn([NINE], 12))
    assert form.shape == PAIR_SHAPE and form.dtype == np.float32
    assert 0.0 <= form.min() and form.max() <= 1.0 and form.max() > 0.9
    assert pair_input(np.zeros((50, 80), np.uint8)) is None


def test_two_digits_keep_their_width():
    # In the MNIST form "99" and "9" both fill a 20 px box; here the pair is twice as wide.
    one, pair = pair_input(drawn([NINE], 12)), pair_input(drawn([NINE, NINE], 12, gap=0.05))
    assert ink_columns(pair) >= 1.7 * ink_columns(one)
    assert ink_columns(pair) <= PAIR_SHAPE[1] - 2


@pytest.mark.parametrize("pen", [2, 30])
def test_the_pens_width_is_evened_out(pen):
    # A hairline and a fat marker come out with about the pen of an ordinary one.
    usual = pair_input(drawn([NINE, ONE], 12, gap=0.05)).sum()
    assert 0.65 * usual <= pair_input(drawn([NINE, ONE], pen, gap=0.05)).sum() <= 1.5 * usual


def test_any_size_of_picture_gives_the_same_form():
    small, big = pair_input(drawn([NINE, ONE], 3, height=40)), pair_input(drawn([NINE, ONE], 24, height=320))
    assert np.abs(small - big).mean() < 0.08
