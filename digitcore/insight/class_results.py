"""How a model does on the class's own drawings: stats for ``class stats`` and the "Our class" page.

Reuses :mod:`digitcore.insight.evaluation` (accuracy, confusion matrix, worst misses) on the 28x28
inputs stored in the class database, so the numbers mean the same as on MNIST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..storage.class_store import ClassStore
from .evaluation import EvalResult, evaluate_model

__all__ = ["ClassResults", "class_results", "stats_dict"]


@dataclass
class ClassResults:
    """The stored drawings, their counts per digit and (when there are any) the model's result on them."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    per_digit: dict[int, int]
    result: EvalResult | None

    @property
    def total(self) -> int:
        """How many drawings are stored."""
        return int(len(self.y))


def class_results(store: ClassStore, model: Any | None) -> ClassResults:
    """Every stored drawing, scored by ``model`` (a Predictor, ModelRunner or Keras model; None: not scored)."""
    ids, x, y = store.arrays()
    per_digit = {d: int((y == d).sum()) for d in range(10)}
    result = evaluate_model(model, x, y) if model is not None and len(y) else None
    return ClassResults(ids, x, y, per_digit, result)


def stats_dict(results: ClassResults, model_name: str | None) -> dict[str, Any]:
    """``{"total", "per_digit", "accuracy", "model"}`` as ``class stats --json`` prints it (accuracy null when empty)."""
    return {
        "total": results.total,
        "per_digit": {str(d): n for d, n in results.per_digit.items()},
        "accuracy": None if results.result is None else float(results.result.accuracy),
        "model": model_name,
    }
