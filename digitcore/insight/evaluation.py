"""Scoring models: accuracy and loss on labelled digits, plus the breakdowns built on the same probabilities.

Everything here works on one ``(N, 10)`` probability matrix, so a caller computes the model's
answers once (:func:`predict_probabilities` / :func:`evaluate_model`) and derives any number of
views from them: :func:`confusion_matrix`, :func:`per_class_metrics`, :func:`top_errors`.
No TensorFlow import happens at module level.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.inference import softmax
from ..storage.datasets import to_model_input

__all__ = [
    "EvalResult",
    "ClassMetrics",
    "ErrorCase",
    "predict_probabilities",
    "evaluate_model",
    "result_from_probabilities",
    "log_loss",
    "confusion_matrix",
    "per_class_metrics",
    "top_errors",
    "label_from_filename",
]

N_CLASSES = 10
#: Probabilities are clipped to this before the log, as Keras' cross-entropy does.
EPSILON = 1e-7


@dataclass
class EvalResult:
    """A model's answers on a labelled set; ``probabilities`` is the (N,10) matrix everything else comes from."""

    accuracy: float
    loss: float
    n: int
    predictions: np.ndarray = field(repr=False)  # (N,) int64 argmax
    probabilities: np.ndarray = field(repr=False)  # (N, 10) float32
    labels: np.ndarray = field(repr=False)  # (N,) int64
    seconds: float = 0.0
    #: Images a model with a "not a digit" class declined (still scored by their best guess).
    declined: int = 0

    @property
    def correct(self) -> int:
        """Number of images predicted right."""
        return int((self.predictions == self.labels).sum())

    @property
    def errors(self) -> int:
        """Number of images predicted wrong."""
        return self.n - self.correct

    def confusion_matrix(self) -> np.ndarray:
        """(10,10) counts, rows = true digit, columns = predicted digit ((11,11) for an 11-class model)."""
        return confusion_matrix(self.labels, self.predictions, self.probabilities.shape[1])

    def per_class_metrics(self) -> list[ClassMetrics]:
        """Precision, recall, F1 and support for each digit (and "not a digit" for an 11-class model)."""
        return per_class_metrics(self.labels, self.predictions, self.probabilities.shape[1])

    def top_errors(self, k: int | None = None) -> list[ErrorCase]:
        """The misclassified images, most confidently wrong first."""
        return top_errors(self.labels, self.probabilities, k)

    def to_dict(self) -> dict[str, Any]:
        """The scalar results, JSON-ready."""
        return {"accuracy": self.accuracy, "loss": self.loss, "n": self.n, "correct": self.correct,
                "errors": self.errors, "seconds": round(self.seconds, 3), "declined": self.declined}


@dataclass(frozen=True)
class ClassMetrics:
    """Scores for one digit. A ratio with nothing to divide by (no support / never predicted) is 0.0."""

    digit: int
    precision: float
    recall: float
    f1: float
    support: int  # how many images truly show this digit

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"digit": self.digit, "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "support": self.support}


@dataclass(frozen=True)
class ErrorCase:
    """One misclassified image; ``margin`` = p(predicted) - p(true), larger is more confidently wrong."""

    index: int
    true: int
    predicted: int
    p_predicted: float
    p_true: float

    @property
    def margin(self) -> float:
        """How much more the model believed its wrong answer than the right one."""
        return self.p_predicted - self.p_true


# ----------------------------------------------------------------------------- computing probabilities


def predict_probabilities(model: Any, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """(N,10) float32 probabilities for (N,28,28) digits (uint8 0..255 or float 0..1).

    ``model`` may be a :class:`~digitcore.model.predictor.Predictor` (``predict_digits``), a
    :class:`~digitcore.model.inference.ModelRunner` (``probabilities``) or a bare Keras model
    (called directly, batch by batch). Outputs that are not probabilities (logits) are softmaxed.
    An 11th "not a digit" output (last column) is left out and the digits renormalised.
    """
    x = np.asarray(x)
    if len(x) == 0:
        return np.zeros((0, N_CLASSES), np.float32)
    if hasattr(model, "predict_digits"):
        probs = np.asarray(model.predict_digits(x))
    elif hasattr(model, "probabilities"):
        probs = np.asarray(model.probabilities(x, batch_size=batch_size))
    else:
        xs = to_model_input(x)
        out = [np.asarray(model(xs[i : i + batch_size], training=False)) for i in range(0, len(xs), batch_size)]
        probs = np.concatenate(out)
    probs = probs.astype(np.float32, copy=False)
    if probs.size and (probs.min() < 0 or not np.allclose(probs.sum(1), 1.0, atol=1e-3)):
        probs = softmax(probs).astype(np.float32, copy=False)  # presets that output logits
    if probs.ndim == 2 and probs.shape[1] == N_CLASSES + 1:
        digits = probs[:, :N_CLASSES]
        probs = (digits / np.maximum(digits.sum(1, keepdims=True), 1e-12)).astype(np.float32)
    return probs


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean sparse categorical cross-entropy (natural log), clipped like Keras."""
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) == 0:
        return float("nan")
    p_true = np.clip(np.asarray(probabilities)[np.arange(len(labels)), labels], EPSILON, 1.0)
    return float(-np.log(p_true).mean())


def evaluate_model(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> EvalResult:
    """Run ``model`` (see :func:`predict_probabilities`) on images ``x`` and score it against labels ``y``."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} images but {len(y)} labels.")
    t0 = time.perf_counter()
    declined = 0
    if hasattr(model, "predict_scores") and len(x):  # a Predictor: it knows its calibration and threshold
        scores = model.predict_scores(np.asarray(x))
        probs, declined = scores.digits.astype(np.float32, copy=False), int(scores.declined.sum())
    else:
        probs = predict_probabilities(model, x, batch_size)
    seconds = time.perf_counter() - t0
    result = result_from_probabilities(y, probs, seconds)
    result.declined = declined
    return result


def result_from_probabilities(labels: np.ndarray, probabilities: np.ndarray, seconds: float = 0.0) -> EvalResult:
    """An :class:`EvalResult` for probabilities computed elsewhere."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    probs = np.asarray(probabilities, dtype=np.float32)
    # 11 columns: a model with a "not a digit" output (index 10); choosing it counts as a miss.
    if probs.ndim != 2 or probs.shape[0] != len(labels) or probs.shape[1] not in (N_CLASSES, N_CLASSES + 1):
        raise ValueError(f"Probabilities have shape {probs.shape}; expected ({len(labels)}, {N_CLASSES}).")
    preds = probs.argmax(1).astype(np.int64) if len(labels) else np.zeros(0, np.int64)
    acc = float((preds == labels).mean()) if len(labels) else float("nan")
    return EvalResult(acc, log_loss(labels, probs), int(len(labels)), preds, probs, labels, seconds)


# ----------------------------------------------------------------------------- breakdowns


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """(n_classes, n_classes) int64 counts; rows = true label, columns = predicted label."""
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{len(y_true)} labels but {len(y_pred)} predictions.")
    for name, arr in (("labels", y_true), ("predictions", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(f"All {name} must be between 0 and {n_classes - 1}.")
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def per_class_metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> list[ClassMetrics]:
    """Precision, recall, F1 and support per class (0.0 where a ratio has a zero denominator)."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    predicted = cm.sum(0)
    support = cm.sum(1)
    out = []
    for c in range(n_classes):
        precision = _ratio(tp[c], predicted[c])
        recall = _ratio(tp[c], support[c])
        f1 = _ratio(2 * precision * recall, precision + recall)
        out.append(ClassMetrics(c, precision, recall, f1, int(support[c])))
    return out


def top_errors(y_true: np.ndarray, probabilities: np.ndarray, k: int | None = None) -> list[ErrorCase]:
    """Misclassified samples ranked by p(predicted) - p(true), largest first; ties keep index order.

    ``k`` limits the list (None: all errors).
    """
    y = np.asarray(y_true, dtype=np.int64).reshape(-1)
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] != len(y):
        raise ValueError(f"Probabilities have shape {probs.shape}; expected ({len(y)}, classes).")
    if len(y) == 0:
        return []
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != y)
    rows = np.arange(len(y))
    margin = probs[rows, pred] - probs[rows, y]
    order = wrong[np.argsort(-margin[wrong], kind="stable")]
    if k is not None:
        order = order[: max(0, k)]
    return [ErrorCase(int(i), int(y[i]), int(pred[i]), float(probs[i, pred[i]]), float(probs[i, y[i]])) for i in order]


# ----------------------------------------------------------------------------- labelled files

# "7.png", "7-01.jpg", "7_abc.png", "7 (2).jpg": one digit, then the end of the stem or a separator.
_LABEL_RE = re.compile(r"^([0-9])(?:$|[-_ .(])")


def label_from_filename(path: str | Path) -> int | None:
    """The digit a file name starts with, seed-digit style (``7-01.jpg`` -> 7); None if it has none.

    Only a single leading digit followed by the end of the name or a separator (``-``, ``_``,
    space, ``.``, ``(``) counts, so ``17-01.jpg`` and ``2024-photo.jpg`` give None.
    """
    stem = Path(path).stem
    m = _LABEL_RE.match(stem)
    return int(m.group(1)) if m else None
