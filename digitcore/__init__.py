"""digitcore: everything behind the digit recogniser, with no Streamlit in it.

Data flows image in -> ``image_io`` (decode) -> ``preprocess`` (MNIST 28x28)
-> ``predictor`` (model) -> probabilities out. Training lives in ``data``,
``augment``, ``architectures`` and ``training``; ``evaluation`` scores models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Predictor", "Prediction", "ImageError", "preprocess"]

if TYPE_CHECKING:  # pragma: no cover
    from .image_io import ImageError
    from .predictor import Prediction, Predictor
    from .preprocess import preprocess


def __getattr__(name: str):
    # Lazy so that `import digitcore` (and the CLI's --help) does not pay for TensorFlow.
    if name in ("Predictor", "Prediction"):
        from . import predictor

        return getattr(predictor, name)
    if name == "ImageError":
        from .image_io import ImageError

        return ImageError
    if name == "preprocess":
        from .preprocess import preprocess

        return preprocess
    raise AttributeError(name)
