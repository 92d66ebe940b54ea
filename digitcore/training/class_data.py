"""Training with the class's own drawings (``train --class-data``): a fixed held-out part, before and after.

Every stored drawing is either for training or held out for measuring, decided by a hash of its
row id alone (:func:`is_held_out`): the split never changes when drawings are added, so the
held-out accuracy of one run can be compared with the next. The training part is added to the
MNIST training images (repeated so that a few hundred drawings still count among 60,000); the
held-out part is never trained on. The run's JSON gets ``class_data`` with the accuracy on the
held-out drawings of the model before (the shipped default model) and after (the new run).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..insight.evaluation import evaluate_model
from ..storage.class_store import ClassStore, ClassStoreError
from ..storage.paths import default_model_path

__all__ = ["ClassData", "load_class_data", "is_held_out", "HOLDOUT_SHARE", "MIN_DRAWINGS"]

#: About this share of the drawings is held out for measuring.
HOLDOUT_SHARE = 0.25
HOLDOUT_SALT = "digitcore-class-holdout-v1"
#: Fewer drawings than this can't give both a training part and a held-out part worth measuring.
MIN_DRAWINGS = 20
#: The class's training drawings are repeated until they are about this share of the MNIST images.
TARGET_SHARE = 0.1
MAX_REPEAT = 20


def is_held_out(row_id: int) -> bool:
    """Whether the drawing with this row id is held out (a fixed hash of the id: the same in every run)."""
    h = hashlib.sha256(f"{HOLDOUT_SALT}:{int(row_id)}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < HOLDOUT_SHARE


@dataclass
class ClassData:
    """The class's drawings split into a training part and a fixed held-out part."""

    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_held: np.ndarray
    y_held: np.ndarray
    held_ids: np.ndarray
    baseline: Path | None = None
    before: dict[str, Any] | None = field(default=None)
    repeat: int = 0  # set by extend()

    def repeat_for(self, n_mnist: int) -> int:
        """How often the training drawings are repeated next to ``n_mnist`` MNIST images."""
        if len(self.y_train) == 0:
            return 0
        return int(np.clip(round(TARGET_SHARE * n_mnist / len(self.y_train)), 1, MAX_REPEAT))

    def extend(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MNIST training images with the class's training drawings added (repeated, see :meth:`repeat_for`)."""
        r = self.repeat_for(len(y))
        self.repeat = r
        if r == 0:
            return x, y
        xs = np.concatenate([x, np.tile(self.x_train, (r, 1, 1))])
        ys = np.concatenate([np.asarray(y, dtype=y.dtype), np.tile(self.y_train.astype(y.dtype), r)])
        return xs, ys

    def accuracy(self, model: Any) -> float:
        """Accuracy of ``model`` (Predictor, ModelRunner or Keras model) on the held-out drawings."""
        return float(evaluate_model(model, self.x_held, self.y_held).accuracy)

    def measure_before(self) -> dict[str, Any] | None:
        """The baseline model's accuracy on the held-out drawings (once); None when there is no baseline."""
        if self.before is None and self.baseline is not None and Path(self.baseline).is_file():
            from ..model.predictor import Predictor

            model = Predictor.load(self.baseline)
            self.before = {"model": model.name, "accuracy": self.accuracy(model)}
        return self.before

    def report(self, final_model: Any | None) -> dict[str, Any]:
        """The ``class_data`` entry of the run's JSON: sizes, the split rule, accuracy before and after."""
        return {
            "source": self.source,
            "train_drawings": int(len(self.y_train)),
            "held_out_drawings": int(len(self.y_held)),
            "repeat": int(self.repeat),
            "held_out_rule": f"sha256('{HOLDOUT_SALT}:<row id>') < {HOLDOUT_SHARE:.0%}",
            "before": self.before,
            "after": None if final_model is None else {"accuracy": self.accuracy(final_model)},
        }


def load_class_data(url: str | None = None, *, baseline: str | Path | None = None) -> ClassData:
    """The stored drawings of ``url`` (default store) split for training; ClassStoreError when too few.

    ``baseline`` is the model measured "before" (default: the shipped default model).
    """
    store = ClassStore(url or None)
    try:
        ids, x, y = store.arrays()
    finally:
        store.close()
    if len(y) < MIN_DRAWINGS:
        raise ClassStoreError(f"The class has {len(y)} drawings; training with them needs at least {MIN_DRAWINGS} "
                              "(draw more in challenge mode).")
    held = np.array([is_held_out(i) for i in ids], dtype=bool)
    if held.all() or not held.any():
        raise ClassStoreError("The class's drawings can't be split into a training and a held-out part yet; "
                              "add a few more.")
    return ClassData(source=store.where, x_train=x[~held], y_train=y[~held], x_held=x[held], y_held=y[held],
                     held_ids=ids[held], baseline=Path(baseline) if baseline else default_model_path())
