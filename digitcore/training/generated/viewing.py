"""A montage of generated training images (as the model sees them, 28x28), for checking styles by eye."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ...storage.atomic import atomic_write_bytes
from ...synthetic.viewing import montage
from .builder import make_sample


def training_montage(seed: int, n: int = 120) -> np.ndarray:
    """RGB grid: ``n`` generated digits then ``n // 2`` non-digits, captioned with their style."""
    imgs, caps = [], []
    for stream, count in ((1, n), (2, n // 2)):
        for i in range(count):
            x, _, style = make_sample(seed, stream, i)
            imgs.append(x if x is not None else np.full((28, 28), 128, np.uint8))
            caps.append(style.split("/")[0].replace("neg:", "").replace("letter_", "L"))
    return montage(imgs, caps, tile=72, cols=12)


def write_montage(path: str | Path, seed: int, n: int = 120) -> None:
    """Write :func:`training_montage` as a PNG."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(training_montage(seed, n), cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover
        raise OSError("PNG encoding failed")
    atomic_write_bytes(path, buf.tobytes())
