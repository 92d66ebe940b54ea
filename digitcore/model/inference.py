"""Run a Keras digit model fast: one traced graph instead of Keras' per-call ``predict`` machinery."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..storage.datasets import to_model_input


class ModelLoadError(ValueError):
    """A model file could not be used; the message says why, in words for the user."""


def load_keras_model(path: str | Path):
    """Load a ``.keras`` file in Keras' safe mode (no arbitrary code) and check it is a digit model."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"Model file not found: {path}")
    if path.suffix != ".keras":
        raise ModelLoadError(f"{path.name}: only .keras model files can be loaded.")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        if "safe_mode" in str(exc) or "arbitrary code" in str(exc):
            # Keras' safe mode refused to deserialise code (a Lambda layer's Python function).
            raise ModelLoadError(
                f"{path.name} contains Python code (such as a Lambda layer); this app never runs code from "
                "a model file, so it cannot be loaded."
            ) from exc
        raise ModelLoadError(
            f"{path.name} is damaged or not a Keras model this app can load ({exc.__class__.__name__})."
        ) from exc
    in_shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    out_shape = tuple(model.output_shape[1:]) if not isinstance(model.output_shape, list) else None
    # 11 outputs: the 10 digits plus "not a digit" (index 10), as models trained with --extra-data give.
    if in_shape not in ((28, 28, 1), (28, 28)) or out_shape not in ((10,), (11,)):
        raise ModelLoadError(
            f"{path.name} is not a digit model: it takes {in_shape} and gives {out_shape}, "
            "expected 28x28 images in and 10 scores out (11 with 'not a digit')."
        )
    return model


def outputs_probabilities(model) -> bool:
    """True when the model's last layer is a softmax (else it gives logits)."""
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "__name__", "") == "softmax"


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax (for presets whose last layer gives logits)."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class ModelRunner:
    """Wraps a Keras model in a traced ``tf.function``; thread-safe, ~1 ms per single image on CPU."""

    def __init__(self, model) -> None:
        import tensorflow as tf

        self.model = model
        self._softmax = not outputs_probabilities(model)
        shape = [None, *model.input_shape[1:]]
        self._fn = tf.function(
            lambda t: model(t, training=False),
            input_signature=[tf.TensorSpec(shape, tf.float32)],
            reduce_retracing=True,
        )
        self._shape = tuple(model.input_shape[1:])
        self.probabilities(np.zeros((1, 28, 28), np.float32))  # trace now, not on the first user's request

    def probabilities(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """(N,10) float32 probabilities for (N,28,28) images (uint8 0..255 or float 0..1)."""
        xs = to_model_input(x).reshape((-1, *self._shape))
        if len(xs) == 0:
            return np.zeros((0, int(self.model.output_shape[-1])), np.float32)
        outs = [self._fn(xs[i : i + batch_size]).numpy() for i in range(0, len(xs), batch_size)]
        probs = np.concatenate(outs).astype(np.float32, copy=False)
        return softmax(probs) if self._softmax else probs
