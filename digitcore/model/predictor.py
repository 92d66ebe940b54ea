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
from .rejection import OutputHead, Scores

#: Below this confidence the app says it is not sure.
LOW_CONFIDENCE = 0.6

__all__ = ["Predictor", "Prediction", "ModelLoadError", "LOW_CONFIDENCE"]


@dataclass
class Prediction:
    """The answer for one image. ``digit`` is None when no ink was found or the model declined.

    ``reason`` says why there is no digit: ``None`` (a digit is given), ``"no_ink"`` (blank input) or
    ``"not_a_digit"`` (declined). ``best_guess`` is the most likely digit even when declined (None
    only without ink). ``probabilities`` are the 10 digit probabilities (summing to 1 over the
    digits); ``confidence`` is the calibrated probability of ``best_guess``; ``not_a_digit`` the
    calibrated probability that it is not a digit at all (0.0 for 10-output models).
    """

    digit: int | None
    confidence: float
    probabilities: list[float]
    preprocessed: Preprocessed | None = field(default=None, repr=False)
    message: str = ""
    reason: str | None = None
    best_guess: int | None = None
    not_a_digit: float = 0.0

    def __post_init__(self) -> None:
        if self.best_guess is None and self.digit is not None:
            self.best_guess = self.digit

    @property
    def is_confident(self) -> bool:
        """True when the model is sure enough to state the answer plainly."""
        return self.digit is not None and self.confidence >= LOW_CONFIDENCE

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The k most likely digits with their probabilities, best first."""
        order = np.argsort(self.probabilities)[::-1][:k]
        return [(int(i), float(self.probabilities[i])) for i in order]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``digit``, ``confidence``, ``probabilities``, ``reason``, ``best_guess``, ``not_a_digit``)."""
        return {"digit": self.digit, "confidence": self.confidence, "probabilities": list(self.probabilities),
                "reason": self.reason, "best_guess": self.best_guess, "not_a_digit": self.not_a_digit}


class Predictor:
    """A loaded model plus the preprocessing that turns any image into its 28x28 input."""

    def __init__(self, model, path: Path | None = None, metadata: dict[str, Any] | None = None) -> None:
        self.path = path
        self.metadata = metadata or {}
        self.runner = ModelRunner(model)
        #: Reads the outputs: 10 or 11 classes, temperature, reject threshold (from ``metadata``).
        self.head = OutputHead.from_metadata(self.metadata, self.runner.outputs)

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

    def predict(self, image: Any, *, keep_steps: bool = True, reject: bool = True) -> Prediction:
        """Predict one raw image: an ndarray (grey/RGB/RGBA), bytes of an image file, or a path.

        ``reject=False`` always names a digit, even for what the model thinks is not one.
        Raises ``ImageError`` for input that is not a usable image.
        """
        with interactive():
            prep = preprocess(load_image(image), keep_steps=keep_steps)
            if not prep.has_ink:
                return _no_ink(prep)
            probs = self.runner.probabilities(prep.digit28[None])[0]
        return _from_scores(self.head.scores(probs[None], reject=reject), 0, prep)

    def predict_batch(self, images: Iterable[Any], *, keep_steps: bool = False, reject: bool = True) -> list[Prediction]:
        """Predict many raw images with one model call per batch (bad images raise ``ImageError``)."""
        with interactive():
            preps = [preprocess(load_image(img), keep_steps=keep_steps) for img in images]
            inked = [i for i, p in enumerate(preps) if p.has_ink]
            probs = self.runner.probabilities(np.stack([preps[i].digit28 for i in inked])) if inked else None
        out = [_no_ink(p) for p in preps]
        scores = self.head.scores(probs, reject=reject) if inked else None
        for row, i in enumerate(inked):
            out[i] = _from_scores(scores, row, preps[i])
        return out

    def explain(self, image: Any, **options: Any):
        """Why the model answers what it does: saliency, layer activations, look-alike training digits.

        See ``digitcore.model.explain.explain`` for the options and the returned ``Explanation``.
        """
        from .explain import explain

        return explain(self, image, **options)

    def read_number(self, image: Any, *, keep_steps: bool = False, strokes: Sequence[Any] | None = None,
                    pair_reader: Any = None):
        """Read the whole number in ``image``, helped by a canvas's pen ``strokes`` if given
        (see :func:`digitcore.model.number_reader.read_number`; ``pair_reader=False`` reads
        without the pair reader)."""
        from .number_reader import read_number

        with interactive():
            return read_number(self, image, keep_steps=keep_steps, strokes=list(strokes) if strokes else None,
                               pair_reader=pair_reader)

    def predict_digits(self, x28: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """Calibrated digit probabilities (N,10) for already-preprocessed 28x28 digits (uint8 or float in [0,1]).

        For an 11-output model the "not a digit" output is left out and the digits renormalised.
        """
        return self.predict_scores(x28).digits

    def predict_scores(self, x28: np.ndarray | Sequence[np.ndarray], *, reject: bool = True,
                       temperature: float | None = None) -> Scores:
        """Digit probabilities, "not a digit" probability, confidence and decline flags for 28x28 digits."""
        with interactive():
            raw = self.runner.probabilities(np.asarray(x28))
        return self.head.scores(raw, reject=reject, temperature=temperature)


def _from_scores(scores: Scores, row: int, prep: Preprocessed) -> Prediction:
    probs = [float(p) for p in scores.digits[row]]
    best = int(np.argmax(scores.digits[row]))
    conf, nad = float(scores.confidence[row]), float(scores.not_a_digit[row])
    if scores.declined[row]:
        return Prediction(None, conf, probs, prep, "That doesn't look like a digit.", "not_a_digit", best, nad)
    return Prediction(best, conf, probs, prep, "", None, best, nad)


def _no_ink(prep: Preprocessed) -> Prediction:
    return Prediction(None, 0.0, [0.0] * 10, prep, prep.message or "No ink found: nothing to recognise.", "no_ink")
