"""The harder test sets: European digit styles and non-digits, deterministic, labelled, drawable."""

from __future__ import annotations

import numpy as np
import pytest

from digitcore.imaging.preprocess import preprocess
from digitcore.synthetic.european import EUROPEAN_STYLES, european_shape, styles_for_digit
from digitcore.synthetic.hard_sets import iter_hard_samples, make_hard_set
from digitcore.synthetic.non_digits import CATEGORIES, NOT_A_DIGIT, non_digit_shape


def test_every_european_style_gives_finite_strokes_labelled_with_its_digit():
    rng = np.random.default_rng(0)
    for digit, styles in EUROPEAN_STYLES.items():
        assert styles_for_digit(digit) == [n for n, _ in styles]
        for name in styles_for_digit(digit):
            shape = european_shape(digit, rng, name)
            assert shape.label == digit and shape.source == f"european:{digit}_{name}"
            pts = np.vstack(shape.strokes)
            assert np.isfinite(pts).all() and np.ptp(pts[:, 1]) > 0.5
    assert {"upstroke", "flag", "base"} <= set(styles_for_digit(1))
    assert {"closed", "open", "cursive"} <= set(styles_for_digit(4))
    assert {"straight_tail", "curved_tail", "curled_tail"} <= set(styles_for_digit(9))
    with pytest.raises(ValueError):
        european_shape(3, rng, "no-such-style")


def test_every_non_digit_category_draws_something_labelled_not_a_digit():
    rng = np.random.default_rng(1)
    for cat in CATEGORIES:
        for _ in range(6):
            shape = non_digit_shape(rng, cat)
            assert shape.label == NOT_A_DIGIT and shape.source.startswith(cat + ":")
            assert shape.strokes and all(np.isfinite(s).all() and len(s) >= 2 for s in shape.strokes)
    with pytest.raises(ValueError):
        non_digit_shape(rng, "teapot")


@pytest.mark.parametrize("kind", ["canvas", "scan"])
def test_hard_sets_are_deterministic_balanced_and_have_ink(kind):
    a = list(iter_hard_samples("european", kind, 20, 3))
    b = list(iter_hard_samples("european", kind, 20, 3))
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b))
    assert sorted(s.label for s in a) == sorted(list(range(10)) * 2)
    assert not np.array_equal(a[0].image, next(iter_hard_samples("european", kind, 1, 4)).image)
    nd = list(iter_hard_samples("non_digits", kind, 18, 3))
    assert {s.source.split(":")[0] for s in nd} == set(CATEGORIES)
    assert all(s.label == NOT_A_DIGIT for s in nd)
    inked = sum(preprocess(s.image, keep_steps=False).has_ink for s in a + nd)
    assert inked == len(a) + len(nd)
    for s in a + nd:
        x0, y0, x1, y1 = s.bbox
        assert 0 <= x0 < x1 <= s.image.shape[1] and 0 <= y0 < y1 <= s.image.shape[0]


def test_canvas_drawings_range_from_small_in_a_corner_to_large():
    heights = [s.bbox[3] - s.bbox[1] for s in iter_hard_samples("european", "canvas", 60, 5)]
    assert min(heights) < 80 and max(heights) > 200
    only = make_hard_set("non_digits", "canvas", 4, 5, ("letter",))
    assert len(only) == 4 and all(label == NOT_A_DIGIT for _, label in only)
    with pytest.raises(ValueError):
        list(iter_hard_samples("european", "fax", 1, 0))
