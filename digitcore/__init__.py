"""digitcore: everything behind the digit recogniser, with no Streamlit in it.

Data flows image in -> ``imaging`` (decode, MNIST 28x28) -> ``model`` (network, probabilities
out); ``training`` makes models, ``insight`` scores and explains them, ``storage`` keeps files,
``synthetic`` renders realistic test sets. Each subpackage imports only the ones below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Predictor", "Prediction", "ImageError", "preprocess"]

if TYPE_CHECKING:  # pragma: no cover
    from .imaging.image_io import ImageError
    from .imaging.preprocess import preprocess
    from .model.predictor import Prediction, Predictor


def __getattr__(name: str):
    # Lazy so that `import digitcore` (and the CLI's --help) does not pay for TensorFlow.
    if name in ("Predictor", "Prediction"):
        from .model import predictor

        return getattr(predictor, name)
    if name == "ImageError":
        from .imaging.image_io import ImageError

        return ImageError
    if name == "preprocess":
        from .imaging.preprocess import preprocess

        return preprocess
    raise AttributeError(name)
