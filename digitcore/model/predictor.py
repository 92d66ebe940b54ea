"""Image in, probabilities out: ``Predictor.load()`` once, then ``predictor.predict(image)``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..imaging.image_io import load_image
from ..imaging.preprocess import Preprocessed, preprocess
from ..storage.paths import default_model_path
from .inference import ModelLoadError, ModelRunner, load_keras_model
from .priority import interactive

#: Below this confidence the app says it is not sure.
LOW_CONFIDENCE = 0.6

__all__ = ["Predictor", "Prediction", "ModelLoadError", "LOW_CONFIDENCE"]


@dataclass
class Prediction:
    """The answer for one image. ``digit`` is None when no ink was found."""

    digit: int | None
    confidence: float
    probabilities: list[float]
    preprocessed: Preprocessed | None = field(default=None, repr=False)
    message: str = ""

    @property
    def is_confident(self) -> bool:
        """True when the model is sure enough to state the answer plainly."""
        return self.digit is not None and self.confidence >= LOW_CONFIDENCE

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The k most likely digits with their probabilities, best first."""
        order = np.argsort(self.probabilities)[::-1][:k]
        return [(int(i), float(self.probabilities[i])) for i in order]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``digit``, ``confidence``, ``probabilities``)."""
        return {"digit": self.digit, "confidence": self.confidence, "probabilities": list(self.probabilities)}


class Predictor:
    """A loaded model plus the preprocessing that turns any image into its 28x28 input."""

    def __init__(self, model, path: Path | None = None, metadata: dict[str, Any] | None = None) -> None:
        self.path = path
        self.metadata = metadata or {}
        self.runner = ModelRunner(model)

    @property
    def model(self):
        """The underlying Keras model."""
        return self.runner.model

    @property
    def name(self) -> str:
        """Run name (file stem), e.g. ``default``."""
        return self.path.stem if self.path else self.model.name

    @classmethod
    def load(cls, path: str | Path | None = None) -> Predictor:
        """Load the shipped default model, or the given ``.keras`` file (with its ``.json`` if present)."""
        path = Path(path) if path else default_model_path()
        model = load_keras_model(path)
        meta_path = path.with_suffix(".json")
        metadata: dict[str, Any] = {}
        if meta_path.is_file():
            try:
                metadata = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                metadata = {"error": f"{meta_path.name} is unreadable"}
        return cls(model, path, metadata)

    def predict(self, image: Any, *, keep_steps: bool = True) -> Prediction:
        """Predict one raw image: an ndarray (grey/RGB/RGBA), bytes of an image file, or a path.

        Raises ``ImageError`` for input that is not a usable image.
        """
        with interactive():
            prep = preprocess(load_image(image), keep_steps=keep_steps)
            if not prep.has_ink:
                return _no_ink(prep)
            probs = self.runner.probabilities(prep.digit28[None])[0]
        return _from_probs(probs, prep)

    def predict_batch(self, images: Iterable[Any], *, keep_steps: bool = False) -> list[Prediction]:
        """Predict many raw images with one model call per batch (bad images raise ``ImageError``)."""
        with interactive():
            preps = [preprocess(load_image(img), keep_steps=keep_steps) for img in images]
            inked = [i for i, p in enumerate(preps) if p.has_ink]
            probs = self.runner.probabilities(np.stack([preps[i].digit28 for i in inked])) if inked else None
        out = [_no_ink(p) for p in preps]
        for row, i in enumerate(inked):
            out[i] = _from_probs(probs[row], preps[i])
        return out

    def explain(self, image: Any, **options: Any):
        """Why the model answers what it does: saliency, layer activations, look-alike training digits.

        See ``digitcore.model.explain.explain`` for the options and the returned ``Explanation``.
        """
        from .explain import explain

        return explain(self, image, **options)

    def read_number(self, image: Any, *, keep_steps: bool = False):
        """Read the whole number in ``image`` (see :func:`digitcore.model.number_reader.read_number`)."""
        from .number_reader import read_number

        with interactive():
            return read_number(self, image, keep_steps=keep_steps)

    def predict_digits(self, x28: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """Probabilities (N,10) for already-preprocessed 28x28 digits (uint8 or float in [0,1])."""
        with interactive():
            return self.runner.probabilities(np.asarray(x28))


def _from_probs(probs: np.ndarray, prep: Preprocessed) -> Prediction:
    digit = int(np.argmax(probs))
    return Prediction(digit, float(probs[digit]), [float(p) for p in probs], prep)


def _no_ink(prep: Preprocessed) -> Prediction:
    return Prediction(None, 0.0, [0.0] * 10, prep, prep.message or "No ink found: nothing to recognise.")
