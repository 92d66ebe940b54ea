"""ECE (15 bins) and temperature fitting on answers whose calibration is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitcore.insight.calibration import expected_calibration_error, fit_temperature, nll
from digitcore.model.rejection import apply_temperature


def test_ece_is_the_weighted_gap_between_confidence_and_accuracy():
    conf = np.array([0.9] * 10 + [0.6] * 10)
    ok = np.array([True] * 9 + [False] + [True] * 3 + [False] * 7)  # 90% right at 0.9, 30% at 0.6
    assert expected_calibration_error(conf, ok) == pytest.approx(0.5 * 0.0 + 0.5 * 0.3)
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([True, False])) == pytest.approx(0.5)
    assert expected_calibration_error(np.array([0.0]), np.array([False])) == 0.0
    assert math.isnan(expected_calibration_error(np.array([]), np.array([])))
    with pytest.raises(ValueError):
        expected_calibration_error(np.array([0.5]), np.array([True, False]))


def test_a_calibrated_model_has_a_small_ece_and_an_overconfident_one_a_large_one():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.1, 1.0, 20000)
    ok = rng.random(20000) < conf  # right exactly as often as it claims
    assert expected_calibration_error(conf, ok) < 0.02
    assert expected_calibration_error(np.sqrt(conf), ok) > 0.1  # claims more than it delivers


def test_fit_temperature_finds_the_softening_that_generated_the_labels():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (4000, 10))
    true_p = np.exp(logits / 2.0)
    true_p /= true_p.sum(1, keepdims=True)
    labels = np.array([rng.choice(10, p=p) for p in true_p])
    sharp = np.exp(logits)
    sharp /= sharp.sum(1, keepdims=True)  # the over-confident model: T = 2 undoes it
    t = fit_temperature(sharp, labels)
    assert t == pytest.approx(2.0, rel=0.12)
    assert nll(apply_temperature(sharp, t), labels) < nll(sharp, labels)
    assert fit_temperature(np.zeros((0, 10)), np.zeros(0)) == 1.0
