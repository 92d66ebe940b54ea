"""USPS digits (16x16) brought to MNIST form: longer side 20 px, centred by mass in 28x28."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...imaging.mnist_form import scale_and_centre
from ...storage.datasets import DataError, file_sha256
from ...storage.paths import REPO_ROOT

USPS_ENV = "DIGITCORE_USPS"


@dataclass(frozen=True)
class Usps:
    """USPS in MNIST form (uint8, white on black), plus where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str


def usps_path() -> Path | None:
    """``$DIGITCORE_USPS``, else ``../shared/datasets/usps/usps.npz`` beside the project if present."""
    env = os.environ.get(USPS_ENV)
    if env:
        return Path(env)
    candidate = REPO_ROOT.parent / "shared" / "datasets" / "usps" / "usps.npz"
    return candidate if candidate.is_file() else None


def to_mnist_form(images: np.ndarray) -> np.ndarray:
    """(N, h, w) uint8 white-on-black digits -> (N, 28, 28) uint8 in MNIST's framing."""
    out = np.zeros((len(images), 28, 28), np.uint8)
    for i, img in enumerate(images):
        placed = scale_and_centre(img.astype(np.float32) / 255.0)
        if placed is not None:
            out[i] = np.round(placed[1] * 255).astype(np.uint8)
    return out


def load_usps(path: str | Path | None = None) -> Usps:
    """Load the USPS ``.npz`` (x_train/y_train/x_test/y_test, 16x16) in MNIST form; DataError if unusable."""
    p = Path(path) if path is not None else usps_path()
    if p is None or not p.is_file():
        raise DataError(f"USPS file not found: {p if p is not None else 'set ' + USPS_ENV}. "
                        "It is needed for --extra-data.")
    try:
        with np.load(p, allow_pickle=False) as f:
            arrays = {k: np.asarray(f[k]) for k in ("x_train", "y_train", "x_test", "y_test")}
    except (KeyError, ValueError, OSError) as exc:
        raise DataError(f"{p} is not a USPS .npz (x_train, y_train, x_test, y_test): {exc}") from None
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or y.shape != (len(x),) or (y.size and (y.min() < 0 or y.max() > 9)):
            raise DataError(f"{p}: USPS {split} split has images {x.shape} and labels {y.shape}; "
                            "expected (N, h, w) and (N,) digits 0-9.")
    return Usps(to_mnist_form(arrays["x_train"]), arrays["y_train"].astype(np.uint8),
                to_mnist_form(arrays["x_test"]), arrays["y_test"].astype(np.uint8), str(p), file_sha256(p))
