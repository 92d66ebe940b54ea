"""Temperature scaling for a softmax model: fit T on held-out data, measure calibration (ECE).

The model file keeps its plain softmax; a reader applies ``softmax(log(p) / T)`` with the
``temperature`` the run's JSON records.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-7


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log(p) / T)`` row by row (T = 1 gives ``p`` back)."""
    logp = np.log(np.clip(np.asarray(probabilities, np.float64), EPSILON, 1.0)) / float(temperature)
    logp -= logp.max(axis=1, keepdims=True)
    e = np.exp(logp)
    return e / e.sum(axis=1, keepdims=True)


def nll(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-likelihood of the true labels."""
    labels = np.asarray(labels, np.int64)
    p = np.clip(np.asarray(probabilities)[np.arange(len(labels)), labels], EPSILON, 1.0)
    return float(-np.log(p).mean())


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """The T in [lo, hi] minimising the NLL of ``softmax(log(p) / T)`` (golden-section search on log T)."""
    if len(labels) == 0:
        raise ValueError("Fitting a temperature needs at least one labelled example.")
    a, b = np.log(lo), np.log(hi)
    g = (np.sqrt(5) - 1) / 2

    def f(log_t: float) -> float:
        return nll(apply_temperature(probabilities, float(np.exp(log_t))), labels)

    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(60):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return float(np.exp((a + b) / 2))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE: the confidence-vs-accuracy gap over equal-width confidence bins, weighted by bin size."""
    probs = np.asarray(probabilities)
    labels = np.asarray(labels, np.int64)
    if len(labels) == 0:
        return float("nan")
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)
