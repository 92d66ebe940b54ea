"""Labelled image sets a model can be scored on: MNIST's test set, a run's own validation split, Kaggle's train.csv.

Each :class:`EvalSet` carries a ``key`` (data checksum + which part of it) so that pages and the CLI can
cache results per model file and data set without hashing the images again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..storage.datasets import DataError, Mnist, load_mnist

__all__ = ["EvalSet", "mnist_test_set", "run_validation_set", "kaggle_set", "load_eval_set", "find_mnist"]


@dataclass(frozen=True)
class EvalSet:
    """Images ``x`` (N,28,28) uint8 with labels ``y`` (N,) int64, a name to show and a cache ``key``."""

    name: str
    description: str
    x: np.ndarray
    y: np.ndarray
    key: str
    source: str = ""  # the file the images came from
    sha256: str = ""  # that file's checksum
    warning: str = ""  # e.g. the run was trained on a different MNIST file

    def __len__(self) -> int:
        return int(len(self.y))


def mnist_test_set(data: Mnist) -> EvalSet:
    """MNIST's 10,000 test images (never used for training by any preset)."""
    n = len(data.y_test)
    return EvalSet("MNIST test set", f"{n:,} test images from {Path(data.source).name}", data.x_test, data.y_test,
                   f"{data.sha256}:test", data.source, data.sha256)


def run_validation_set(meta: dict[str, Any], data: Mnist) -> EvalSet | None:
    """The images a run held out for validation, rebuilt from its recorded settings.

    None when the run validated on the MNIST test set (use :func:`mnist_test_set`) or its settings
    are not recorded. The split mirrors ``training._split``: the first ``subset`` training images,
    of which the last ``round(n * validation)`` were held out (Keras' ``validation_split`` convention).
    """
    cfg = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(cfg, dict):
        return None
    validation, subset = cfg.get("validation"), cfg.get("subset")
    if validation in (None, "test") or not isinstance(validation, (int, float)) or not 0 < validation < 1:
        return None
    x, y = data.x_train, data.y_train
    if isinstance(subset, int) and subset > 0:
        x, y = x[:subset], y[:subset]
    n_val = max(1, int(round(len(x) * float(validation))))
    if n_val >= len(x):
        return None
    warning = ""
    trained_on = (meta.get("data") or {}).get("sha256") if isinstance(meta.get("data"), dict) else None
    if trained_on and trained_on != data.sha256:
        warning = ("This run was trained on a different MNIST file, so these are not exactly the images it held "
                   "out; some of them may have been used for training.")
    return EvalSet("validation split", f"the last {n_val:,} of its {len(x):,} training images, held out during "
                   "training", x[-n_val:], y[-n_val:], f"{data.sha256}:val:{subset}:{validation}", data.source,
                   data.sha256, warning)


def kaggle_set(images: np.ndarray, labels: np.ndarray, name: str, sha256: str, source: str = "") -> EvalSet:
    """A labelled Kaggle ``train.csv`` (see :mod:`digitcore.insight.kaggle`) as an evaluation set."""
    return EvalSet("Kaggle train.csv", f"{len(labels):,} labelled images from {name}", images, labels,
                   f"{sha256}:kaggle", source or name, sha256)


def load_eval_set(path: str | Path | None = None) -> EvalSet:
    """What ``evaluate --data`` scores on: a Kaggle ``.csv`` with labels, else an MNIST ``.npz``'s test set.

    Raises :class:`~digitcore.storage.datasets.DataError` (Kaggle problems included) with a user-readable message.
    """
    if path is not None and Path(path).suffix.lower() == ".csv":
        from .kaggle import KaggleError, read_kaggle_csv

        try:
            k = read_kaggle_csv(path, expect="train")
        except KaggleError as exc:
            raise DataError(str(exc)) from None
        return kaggle_set(k.images, k.labels, Path(path).name, k.sha256, str(path))
    data = load_mnist(path)
    if len(data.y_test) == 0:
        raise DataError(f"{data.source} has no test images.")
    return mnist_test_set(data)



def find_mnist() -> Path | None:
    """Where MNIST is on this machine: ``$DIGITCORE_MNIST``, ``../shared/datasets/mnist.npz`` beside the
    repository, or Keras' download cache; None when none of them exists (the caller may offer a download)."""
    from ..storage.paths import REPO_ROOT, mnist_path_from_env

    env = mnist_path_from_env()
    if env is not None:
        return env  # named explicitly: a missing file is reported, not silently replaced
    for candidate in (REPO_ROOT.parent / "shared" / "datasets" / "mnist.npz",
                      Path.home() / ".keras" / "datasets" / "mnist.npz"):
        if candidate.is_file():
            return candidate
    return None
