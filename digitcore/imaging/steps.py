"""What preprocessing hands back: the 28x28 result and every intermediate step, for display."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Step:
    """One intermediate image for display in the app."""

    name: str
    image: np.ndarray  # uint8, (H,W) grey or (H,W,3) RGB
    note: str = ""


@dataclass
class Preprocessed:
    """Result of :func:`preprocess`."""

    digit28: np.ndarray | None  # (28,28) float32 in [0,1], white on black; None without ink
    has_ink: bool
    bbox: tuple[int, int, int, int] | None  # x, y, w, h in the input's pixel coordinates
    steps: list[Step] = field(default_factory=list)
    message: str = ""


def to_display(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img if img.dtype == np.uint8 else np.clip(img, 0, 255).astype(np.uint8))
