"""From a model's raw outputs to calibrated digit probabilities and a "not a digit" decision.

A digit model gives 10 outputs (digits 0-9) or 11, where the JSON beside the ``.keras`` says
``"classes": 11`` and ``"not_a_digit_index": 10``. The JSON may also give a ``"temperature"``
(confidence calibration: ``softmax(log(p) / T)`` over all outputs) and a ``"reject_threshold"``
(decline when the calibrated not-a-digit probability reaches it; :data:`DEFAULT_REJECT_THRESHOLD`
otherwise). 10-output models never decline and, without a temperature, give exactly what they
gave before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DEFAULT_REJECT_THRESHOLD", "DIGITS", "OutputHead", "Scores", "apply_temperature", "fit_reject_threshold"]

#: Decline when the calibrated probability of "not a digit" is at least this.
DEFAULT_REJECT_THRESHOLD = 0.5
DIGITS = 10
_TINY = 1e-12


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise ``softmax(log(p) / T)``: T > 1 softens over-confident answers, T = 1 changes nothing."""
    p = np.asarray(probs, np.float64)
    if temperature == 1.0 or p.size == 0:
        return p.astype(np.float32)
    z = np.log(np.clip(p, _TINY, 1.0)) / float(temperature)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_reject_threshold(not_a_digit: np.ndarray, is_digit: np.ndarray, *, max_digits_declined: float = 0.002,
                         lowest: float = 0.25, highest: float = DEFAULT_REJECT_THRESHOLD) -> float:
    """The lowest threshold in ``[lowest, highest]`` that declines at most ``max_digits_declined`` of the digits.

    ``not_a_digit`` are calibrated not-a-digit probabilities of held-out images, ``is_digit`` says
    which of them are real digits. A lower threshold declines more non-digits, so the lowest one
    that keeps real digits answered is the best; ``highest`` when no digits are given.
    """
    nad = np.asarray(not_a_digit, np.float64)[np.asarray(is_digit, bool)]
    if nad.size == 0:
        return float(highest)
    for t in np.round(np.arange(lowest, highest + 1e-9, 0.01), 2):
        if float((nad >= t).mean()) <= max_digits_declined:
            return float(t)
    return float(highest)


@dataclass
class Scores:
    """Calibrated answers for N images.

    ``digits`` (N,10) sums to 1 over the digits (what charts and tables show); ``not_a_digit`` (N,)
    is the calibrated probability of the extra class (0 for 10-output models); ``confidence`` (N,)
    is the calibrated probability of the best digit among all outputs, so a drawing that is half
    "not a digit" never claims 100% for its digit; ``declined`` (N,) says which were declined.
    """

    digits: np.ndarray
    not_a_digit: np.ndarray
    confidence: np.ndarray
    declined: np.ndarray

    @property
    def best_guess(self) -> np.ndarray:
        """(N,) the most likely digit of each image, declined or not."""
        return self.digits.argmax(axis=1) if len(self.digits) else np.zeros(0, np.int64)


@dataclass(frozen=True)
class OutputHead:
    """How to read one model's outputs: how many, which one means "not a digit", calibration, threshold."""

    classes: int = DIGITS
    not_a_digit_index: int | None = None
    temperature: float = 1.0
    reject_threshold: float = DEFAULT_REJECT_THRESHOLD

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any] | None, outputs: int) -> OutputHead:
        """The head for a model with ``outputs`` outputs and this JSON (bad or missing values fall back safely)."""
        meta = metadata or {}
        nad: int | None = None
        if outputs == DIGITS + 1:
            raw = meta.get("not_a_digit_index", DIGITS)
            nad = raw if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= DIGITS else DIGITS
        temperature = _positive(meta.get("temperature"), 1.0)
        threshold = meta.get("reject_threshold")
        ok = isinstance(threshold, (int, float)) and not isinstance(threshold, bool) and 0.0 < threshold <= 1.0
        return cls(outputs, nad, temperature, float(threshold) if ok else DEFAULT_REJECT_THRESHOLD)

    @property
    def can_decline(self) -> bool:
        """True for models with a "not a digit" output."""
        return self.not_a_digit_index is not None

    def scores(self, raw: np.ndarray, *, reject: bool = True, temperature: float | None = None) -> Scores:
        """Calibrate raw (N, classes) probabilities and split them into digits and "not a digit".

        ``temperature`` overrides the model's own (the benchmark uses 1.0 for "before calibration").
        """
        p = np.asarray(raw, np.float32).reshape(-1, self.classes)
        p = apply_temperature(p, self.temperature if temperature is None else temperature)
        if self.not_a_digit_index is None:
            nad = np.zeros(len(p), np.float32)
            digits = safe = p  # 10 outputs: exactly the model's probabilities, as always
        else:
            nad = p[:, self.not_a_digit_index]
            digits = np.delete(p, self.not_a_digit_index, axis=1)
            total = digits.sum(axis=1, keepdims=True)
            # A row that is all "not a digit" still gets a spread: uniform over the digits.
            safe = np.where(total > _TINY, digits / np.maximum(total, _TINY), 1.0 / DIGITS).astype(np.float32)
        best = safe.argmax(axis=1) if len(safe) else np.zeros(0, np.int64)
        confidence = digits[np.arange(len(p)), best] if len(p) else np.zeros(0, np.float32)
        declined = (nad >= self.reject_threshold) if (reject and self.can_decline) else np.zeros(len(p), bool)
        return Scores(safe, nad.astype(np.float32), confidence.astype(np.float32), declined)


def _positive(value: Any, default: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value) and value > 0
    return float(value) if ok else default
