"""How honest a model's confidence is: expected calibration error and fitting a temperature.

ECE (15 equal-width confidence bins): the share-weighted mean gap between how sure the answers
were and how often they were right. 0 is perfectly calibrated; a model that says 99% and is
right 90% of the time has an ECE near 0.09.
"""

from __future__ import annotations

import numpy as np

from ..model.rejection import apply_temperature

__all__ = ["ECE_BINS", "expected_calibration_error", "fit_temperature", "nll"]

ECE_BINS = 15
_TINY = 1e-12


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE of answers with these confidences (0..1) and right/wrong flags; nan for no answers."""
    conf = np.asarray(confidence, np.float64).reshape(-1)
    ok = np.asarray(correct, bool).reshape(-1)
    if len(conf) != len(ok):
        raise ValueError(f"{len(conf)} confidences but {len(ok)} right/wrong flags.")
    if len(conf) == 0:
        return float("nan")
    # Bin k holds (k/bins, (k+1)/bins]; a confidence of exactly 0 goes into the first bin.
    idx = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for k in range(bins):
        m = idx == k
        if m.any():
            total += m.mean() * abs(conf[m].mean() - ok[m].mean())
    return float(total)


def nll(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-likelihood of the true labels."""
    p = np.asarray(probabilities, np.float64)
    y = np.asarray(labels, np.int64).reshape(-1)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], _TINY, 1.0)).mean())


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray,
                    grid: np.ndarray | None = None) -> float:
    """The temperature T (``softmax(log(p)/T)``) with the lowest NLL on this held-out set.

    A coarse grid from 0.25 to 8 then a fine one around its best: no optimiser needed, and
    the same answer every time. Returns 1.0 for an empty set.
    """
    p = np.asarray(probabilities, np.float32)
    y = np.asarray(labels, np.int64).reshape(-1)
    if len(y) == 0:
        return 1.0
    coarse = np.geomspace(0.25, 8.0, 41) if grid is None else np.asarray(grid, float)
    best = min(coarse, key=lambda t: nll(apply_temperature(p, float(t)), y))
    if grid is not None:
        return float(best)
    fine = np.linspace(best / 1.1, best * 1.1, 21)
    return float(min(fine, key=lambda t: nll(apply_temperature(p, float(t)), y)))
