"""The SHIPPED default model says "not a digit" to non-digits and almost never to real digits.

This checks ``models/default.keras`` itself, so it only passes once the default model has the
11th "not a digit" class (issue 10, part A); the thresholds below are the issue's targets and
the one place to adjust them for the model that ships.
"""

from __future__ import annotations

import numpy as np

from digitcore.imaging.preprocess import preprocess
from digitcore.synthetic.hard_sets import iter_hard_samples
from digitcore.synthetic.non_digits import UNAMBIGUOUS

#: At least this share of the fixed non-digit set must be declined: issue 10's target (the shipped
#: model declines 94.3% of these 210 drawings, README).
MIN_NON_DIGITS_DECLINED = 0.90
#: At most this share of the 10,000 MNIST test digits may be declined (issue 10's target; shipped: 0.23%).
MAX_MNIST_DECLINED = 0.003
SEED = 2026  # a fixed set: letters, symbols, shapes, scribbles, dots, lines, blobs (canvas and scan)


def _non_digits() -> np.ndarray:
    out = []
    for kind, n in (("canvas", 140), ("scan", 70)):
        for s in iter_hard_samples("non_digits", kind, n, SEED, UNAMBIGUOUS):
            prep = preprocess(s.image, keep_steps=False)
            if prep.has_ink:
                out.append(prep.digit28)
    return np.asarray(out, np.float32)


def test_the_default_model_has_a_not_a_digit_class(predictor):
    assert predictor.head.can_decline, "models/default.keras has no 11th 'not a digit' output"
    assert predictor.metadata.get("classes") == 11 and predictor.metadata.get("not_a_digit_index") == 10
    assert isinstance(predictor.metadata.get("temperature"), (int, float))


def test_the_default_model_declines_the_fixed_non_digit_set(predictor):
    x = _non_digits()
    declined = predictor.predict_scores(x).declined.mean()
    assert declined >= MIN_NON_DIGITS_DECLINED, f"declined {declined:.1%} of {len(x)} non-digits"


def test_the_default_model_declines_almost_no_mnist_test_digits(predictor, mnist):
    s = predictor.predict_scores(mnist.x_test)
    assert s.declined.mean() <= MAX_MNIST_DECLINED, f"declined {int(s.declined.sum())} of 10,000 MNIST test digits"
