"""Temperature scaling (what training fits for an 11-class model): the fitted T undoes a known over- or under-confidence; ECE measures it."""

from __future__ import annotations

import numpy as np
import pytest

from digitcore.insight.calibration import expected_calibration_error as _ece
from digitcore.insight.calibration import fit_temperature, nll
from digitcore.model.rejection import apply_temperature


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray) -> float:
    p = np.asarray(probabilities)
    return _ece(p.max(1), p.argmax(1) == labels)


def _calibrated(n=4000, k=11, seed=0):
    """Probabilities that are calibrated by construction: labels drawn from them."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.5, (n, k))
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    labels = np.array([rng.choice(k, p=row) for row in p])
    return p, labels


@pytest.mark.parametrize("true_t", [0.5, 2.0])
def test_fit_recovers_the_temperature_that_distorted_calibrated_probabilities(true_t):
    p, y = _calibrated()
    distorted = apply_temperature(p, 1.0 / true_t)  # sharpened (t>1) or flattened (t<1)
    t = fit_temperature(distorted, y)
    assert t == pytest.approx(true_t, rel=0.15)
    assert nll(apply_temperature(distorted, t), y) < nll(distorted, y)
    assert expected_calibration_error(apply_temperature(distorted, t), y) < expected_calibration_error(distorted, y)


def test_temperature_one_changes_nothing_and_rows_stay_probabilities():
    p, _ = _calibrated(200)
    assert np.allclose(apply_temperature(p, 1.0), p, atol=1e-6)
    q = apply_temperature(p, 3.0)
    assert np.allclose(q.sum(1), 1.0) and (q.argmax(1) == p.argmax(1)).all()


def test_ece_of_perfect_and_of_overconfident_answers():
    y = np.array([0, 1, 2, 3])
    sure_right = np.eye(11)[y]
    assert expected_calibration_error(sure_right, y) == pytest.approx(0.0)
    sure_wrong = np.eye(11)[(y + 1) % 11]
    assert expected_calibration_error(sure_wrong, y) == pytest.approx(1.0)
    assert fit_temperature(np.zeros((0, 11)), np.zeros(0, int)) == 1.0  # nothing to fit: leave the model as it is
