"""Why the network answered: pixel saliency (integrated gradients) and every layer's activations.

``explain(predictor, image)`` (also ``Predictor.explain``) returns an :class:`Explanation`: the
answer as ``predict`` gives it, a (28, 28) saliency map for the answer and for the runner-up
digit, one :class:`LayerView` per layer of the model, and the nearest MNIST training digits in the
model's last hidden layer (``digitcore.model.neighbours``).

Saliency is integrated gradients (Sundararajan et al. 2017) from a black picture to the input,
on the answer's probability: each pixel's share of how the probability grew from "nothing drawn"
to "this drawing". With a black baseline a pixel without ink gets exactly zero, so the map sits
on the strokes. The positive part is kept (pixels that made it *this* digit) and normalised to
sum to 1. Both digits' maps, all layer activations and the hidden features come from one traced
TensorFlow call (about 20-60 ms on two cores for the default model).

Models with an 11th "not a digit" output work too: the digits are the first 10 outputs.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..imaging.image_io import load_image
from ..imaging.preprocess import Preprocessed, preprocess
from ..storage.datasets import to_model_input
from .inference import outputs_probabilities
from .priority import interactive

__all__ = ["Explanation", "LayerView", "Explainer", "explainer_for", "explain", "layer_kind", "IG_STEPS",
           "DIGITS"]

#: Integrated-gradients steps (midpoint rule); 16 keep the completeness error small for these networks.
IG_STEPS = 16
#: How many of the model's outputs are digits (an 11th output, if any, is "not a digit").
DIGITS = 10


@dataclass
class LayerView:
    """One layer's output for the explained image: (H, W, C) for spatial layers, (N,) for flat ones."""

    name: str
    kind: str  # conv | pool | dense | norm | activation | dropout | flatten | other
    activations: np.ndarray = field(repr=False)

    @property
    def spatial(self) -> bool:
        """True for (H, W, C) activations (feature maps)."""
        return self.activations.ndim == 3


@dataclass
class Explanation:
    """What the network saw and why it answered; ``digit`` is None when there is no ink."""

    digit: int | None
    probabilities: list[float]
    digit28: np.ndarray | None = field(default=None, repr=False)  # (28, 28) float32 in [0, 1], white on black
    saliency: np.ndarray | None = field(default=None, repr=False)  # (28, 28) float, >= 0, sums to 1
    layers: list[LayerView] = field(default_factory=list, repr=False)
    neighbours: list[Any] = field(default_factory=list)  # digitcore.model.neighbours.Neighbour, best first
    neighbours_message: str = ""  # why ``neighbours`` is empty (no MNIST, index still building, ...)
    runner_up: int | None = None
    runner_up_saliency: np.ndarray | None = field(default=None, repr=False)
    features: np.ndarray | None = field(default=None, repr=False)  # the last hidden layer, flattened
    preprocessed: Preprocessed | None = field(default=None, repr=False)
    message: str = ""

    @property
    def confidence(self) -> float:
        """The answer's probability (0 without a digit)."""
        return float(self.probabilities[self.digit]) if self.digit is not None else 0.0

    @property
    def conv_layers(self) -> list[LayerView]:
        """The convolution layers, in order."""
        return [layer for layer in self.layers if layer.kind == "conv"]


_KINDS = (
    ("conv", ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")),
    ("pool", ("MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D")),
    ("dense", ("Dense",)),
    ("norm", ("BatchNormalization", "LayerNormalization", "GroupNormalization")),
    ("activation", ("ReLU", "Activation", "LeakyReLU", "Softmax", "ELU", "PReLU")),
    ("dropout", ("Dropout", "SpatialDropout2D", "GaussianDropout", "GaussianNoise", "AlphaDropout")),
    ("flatten", ("Flatten", "Reshape")),
)


def layer_kind(layer) -> str:
    """A short word for a Keras layer's job: conv, pool, dense, norm, activation, dropout, flatten or other."""
    name = type(layer).__name__
    for kind, names in _KINDS:
        if name in names:
            return kind
    return "other"


def _feature_layer_index(layers: list) -> int | None:
    """Index (into ``layers``) of the last hidden layer: the one feeding the last Dense layer."""
    dense = [i for i, layer in enumerate(layers) if layer_kind(layer) == "dense"]
    if dense and dense[-1] > 0:
        return dense[-1] - 1
    return len(layers) - 2 if len(layers) >= 2 else None


class Explainer:
    """One traced TensorFlow function per model giving saliency, layer activations and hidden features."""

    def __init__(self, model, steps: int = IG_STEPS) -> None:
        import keras
        import tensorflow as tf

        self.model = model
        self.steps = steps
        self.layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        try:
            self._multi = keras.Model(model.inputs, [layer.output for layer in self.layers])
        except Exception:  # a layer used twice has no single output; show none rather than fail
            self.layers, self._multi = [], None
        self.feature_index = _feature_layer_index(self.layers) if self._multi is not None else None
        self._softmax = not outputs_probabilities(model)
        in_shape = tuple(model.input_shape[1:])
        softmax = self._softmax

        def probs_of(x):
            out = model(tf.reshape(x, (-1, *in_shape)), training=False)
            return tf.nn.softmax(out, axis=-1) if softmax else out

        def run(x, targets):
            # x: (28, 28, 1) in [0, 1]; targets: (T,) output indices to explain.
            n_t = tf.shape(targets)[0]
            alphas = (tf.range(steps, dtype=tf.float32) + 0.5) / steps
            path = alphas[:, None, None, None] * x[None]  # (S, 28, 28, 1), black -> x
            batch = tf.tile(path, [n_t, 1, 1, 1])  # (T*S, ...)
            rows = tf.repeat(targets, steps)
            with tf.GradientTape() as tape:
                tape.watch(batch)
                p = probs_of(batch)
                chosen = tf.gather(p, rows, axis=1, batch_dims=1)
                total = tf.reduce_sum(chosen)  # rows are independent (inference mode): one backward pass
            grads = tape.gradient(total, batch)
            mean_grad = tf.reduce_mean(tf.reshape(grads, (n_t, steps, 28, 28)), axis=1)
            attributions = mean_grad * x[None, :, :, 0]
            acts = self._multi(tf.reshape(x, (1, *in_shape)), training=False) if self._multi is not None else []
            if not isinstance(acts, (list, tuple)):
                acts = [acts]
            return attributions, list(acts)

        self._fn = tf.function(run, input_signature=[tf.TensorSpec([28, 28, 1], tf.float32),
                                                     tf.TensorSpec([None], tf.int32)])
        self._features_fn = None
        if self.feature_index is not None:
            feat_model = keras.Model(model.inputs, self.layers[self.feature_index].output)
            self._features_fn = tf.function(
                lambda t: tf.reshape(feat_model(tf.reshape(t, (-1, *in_shape)), training=False), (tf.shape(t)[0], -1)),
                input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)])

    @property
    def feature_layer_name(self) -> str | None:
        """Name of the layer whose output is the model's hidden feature vector (neighbours, maps)."""
        return self.layers[self.feature_index].name if self.feature_index is not None else None

    def run(self, digit28: np.ndarray, targets: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
        """(T, 28, 28) raw attributions for ``targets`` and every layer's activations (batch axis removed)."""
        import tensorflow as tf

        x = to_model_input(digit28)[0]
        attributions, acts = self._fn(tf.constant(x), tf.constant(targets, tf.int32))
        return attributions.numpy(), [a.numpy()[0] for a in acts]

    def features(self, x28: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """(N, D) float32 hidden features of 28x28 digits (uint8 or float in [0, 1])."""
        if self._features_fn is None:
            raise ValueError("This model has no hidden layer to compare digits in.")
        xs = to_model_input(x28)
        outs = [self._features_fn(xs[i : i + batch_size]).numpy() for i in range(0, len(xs), batch_size)]
        return np.concatenate(outs).astype(np.float32) if outs else np.zeros((0, 0), np.float32)


_EXPLAINERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EXPLAINERS_LOCK = threading.Lock()


def explainer_for(model) -> Explainer:
    """The model's :class:`Explainer`, built (and traced) once per model object."""
    with _EXPLAINERS_LOCK:
        found = _EXPLAINERS.get(model)
        if found is None:
            found = _EXPLAINERS[model] = Explainer(model)
        return found


def normalise_saliency(raw: np.ndarray, digit28: np.ndarray) -> np.ndarray:
    """Positive part of an attribution map, summing to 1 (ink share when nothing is positive)."""
    sal = np.clip(np.asarray(raw, np.float64), 0.0, None)
    total = sal.sum()
    if not np.isfinite(total) or total <= 0:
        # Nothing raised the probability (it was already saturated at the baseline): fall back to the ink.
        sal = np.asarray(digit28, np.float64)
        total = sal.sum()
        if total <= 0:
            sal, total = np.ones((28, 28)), 784.0
    return (sal / total).astype(np.float32)


def explain(predictor, image: Any, *, neighbours: bool = True, mnist=None, wait_for_index: bool = True,
            k: int = 8) -> Explanation:
    """Explain the answer for one image (anything ``predict`` accepts, a 28x28 MNIST array included).

    ``neighbours``: look up the ``k`` closest MNIST training digits (``mnist``: an ``Mnist``, else
    found on this machine); ``wait_for_index`` builds the feature index now when it is missing,
    otherwise its background build is started and ``neighbours_message`` says how far it is.
    Raises ``ImageError`` for input that is not a usable image.
    """
    with interactive():
        arr = _as_digit28(image)
        if arr is not None:
            prep, digit28 = None, arr
        else:
            prep = preprocess(load_image(image), keep_steps=False)
            if not prep.has_ink:
                return Explanation(None, [0.0] * DIGITS, preprocessed=prep,
                                   message=prep.message or "No ink found: nothing to explain.")
            digit28 = prep.digit28
        ex = explainer_for(predictor.model)
        # The same calibrated, digits-only probabilities as predict() (an 11th "not a digit" output left out).
        digits = np.asarray(predictor.predict_digits(digit28[None])[0], np.float64)
        order = np.argsort(-digits, kind="stable")
        digit, runner_up = int(order[0]), int(order[1])
        raw, acts = ex.run(digit28, [digit, runner_up])
    layers = [LayerView(layer.name, layer_kind(layer), np.asarray(a)) for layer, a in zip(ex.layers, acts)]
    features = None
    if ex.feature_index is not None and ex.feature_index < len(acts):
        features = np.asarray(acts[ex.feature_index], np.float32).reshape(-1)
    result = Explanation(
        digit=digit,
        probabilities=[float(p) for p in digits],
        digit28=np.asarray(digit28, np.float32),
        saliency=normalise_saliency(raw[0], digit28),
        layers=layers,
        runner_up=runner_up,
        runner_up_saliency=normalise_saliency(raw[1], digit28),
        features=features,
        preprocessed=prep,
    )
    if neighbours:
        from .neighbours import find_neighbours

        result.neighbours, result.neighbours_message = find_neighbours(predictor, features, mnist=mnist,
                                                                       wait=wait_for_index, k=k)
    return result


def _as_digit28(image: Any) -> np.ndarray | None:
    """A 28x28 array already in MNIST form (light ink on a dark frame) as float32 in [0, 1], else None.

    MNIST digits and the pages' test images are the model's input as they are; running them
    through the preprocessing again would re-crop them. Anything else (None) is preprocessed.
    """
    if not isinstance(image, np.ndarray) or image.shape != (28, 28):
        return None
    if image.dtype == np.uint8:
        arr = image.astype(np.float32) / 255.0
    elif np.issubdtype(image.dtype, np.floating) and np.isfinite(image).all() and 0 <= image.min() <= image.max() <= 1:
        arr = image.astype(np.float32)
    else:
        return None
    frame = np.concatenate([arr[:2].ravel(), arr[-2:].ravel(), arr[:, :2].ravel(), arr[:, -2:].ravel()])
    if arr.max() == 0 or frame.mean() >= 0.25:
        return None  # blank, or dark ink on paper: let the preprocessing decide
    return arr
