"""``Predictor.explain``: saliency that is faithful and on the ink, and every layer's activations, for every model kind."""

from __future__ import annotations

import cv2
import keras
import numpy as np
import pytest

from digitcore import Predictor
from digitcore.imaging.image_io import ImageError
from digitcore.model.explain import DIGITS, Explanation, LayerView, explain, layer_kind
from digitcore.synthetic.sets import iter_samples
from digitcore.training.config import PRESET_NAMES
from digitcore.training.presets import build_model


def _check_saliency(sal: np.ndarray) -> None:
    assert sal.shape == (28, 28) and sal.dtype == np.float32
    assert np.isfinite(sal).all() and (sal >= 0).all()
    assert sal.sum() == pytest.approx(1.0, abs=1e-5)


def test_explanation_of_an_mnist_digit(predictor, mnist):
    x = mnist.x_test[0]
    ex = predictor.explain(x, neighbours=False)
    assert isinstance(ex, Explanation)
    pred = predictor.predict_digits(x[None])[0]
    assert ex.digit == int(np.argmax(pred)) == mnist.y_test[0]
    assert ex.probabilities == pytest.approx([float(p) for p in pred[:DIGITS]], abs=1e-5)
    assert np.allclose(ex.digit28 * 255, x, atol=1e-3)  # an MNIST array is the model's input as it is
    _check_saliency(ex.saliency)
    _check_saliency(ex.runner_up_saliency)
    assert ex.runner_up is not None and ex.runner_up != ex.digit
    assert ex.neighbours == []


def test_a_canvas_drawing_is_preprocessed_like_predict(predictor, mnist_path):
    sample = next(iter_samples("canvas", 1, seed=3, mnist_test_images=mnist_path))
    ex = predictor.explain(sample.image, neighbours=False)
    pred = predictor.predict(sample.image)
    assert ex.digit == pred.digit == sample.label
    assert np.array_equal(ex.digit28, pred.preprocessed.digit28)
    assert ex.probabilities == pytest.approx(pred.probabilities, abs=1e-5)


def test_saliency_sits_on_the_strokes_of_drawn_digits(predictor, mnist_path):
    shares = []
    for sample in iter_samples("canvas", 20, seed=11, mnist_test_images=mnist_path):
        ex = predictor.explain(sample.image, neighbours=False)
        _check_saliency(ex.saliency)
        stroke = (ex.digit28 > 0.1).astype(np.uint8)
        near = cv2.dilate(stroke, np.ones((5, 5), np.uint8)).astype(bool)  # within two pixels
        shares.append(float(ex.saliency[near].sum()))
    assert min(shares) >= 0.8, shares


def _drop(predictor, images: np.ndarray, digit: int) -> float:
    return float(predictor.predict_digits(images)[:, digit].mean())


def test_saliency_is_faithful_removing_salient_pixels_hurts_more_than_random_ink(predictor, mnist, mnist_path):
    """Blacking out the k most salient pixels lowers the answer's probability more than k random ink pixels."""
    rng = np.random.default_rng(0)
    images = list(mnist.x_test[:30]) + [s.image for s in iter_samples("canvas", 10, seed=5, mnist_test_images=mnist_path)]
    salient_drops, random_drops, wins = [], [], 0
    for image in images:
        ex = predictor.explain(image, neighbours=False)
        x = ex.digit28
        ink = np.flatnonzero(x.ravel() > 0)
        k = max(1, len(ink) // 5)  # a fifth of the ink
        p0 = ex.probabilities[ex.digit]
        top = np.argsort(-ex.saliency.ravel(), kind="stable")[:k]
        removed = x.copy().ravel()
        removed[top] = 0
        p_salient = _drop(predictor, removed.reshape(1, 28, 28), ex.digit)
        randoms = []
        for _ in range(5):
            r = x.copy().ravel()
            r[rng.choice(ink, k, replace=False)] = 0
            randoms.append(r.reshape(28, 28))
        p_random = _drop(predictor, np.stack(randoms), ex.digit)
        salient_drops.append(p0 - p_salient)
        random_drops.append(p0 - p_random)
        wins += (p0 - p_salient) > (p0 - p_random)
    assert np.mean(salient_drops) > 2 * np.mean(random_drops) + 0.05, (np.mean(salient_drops), np.mean(random_drops))
    assert wins >= 0.8 * len(images), wins


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_layer_of_each_preset_appears_with_its_shape(preset, mnist):
    model = build_model(preset)
    ex = Predictor(model).explain(mnist.x_test[1], neighbours=False)
    expected = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert [v.name for v in ex.layers] == [layer.name for layer in expected]
    for view, layer in zip(ex.layers, expected):
        assert isinstance(view, LayerView)
        assert view.activations.shape == tuple(layer.output.shape[1:]), view.name
        assert view.kind == layer_kind(layer)
        assert view.activations.ndim in (1, 3)
    kinds = {v.kind for v in ex.layers}
    assert {"conv", "dense"} <= kinds
    assert ex.layers[-1].kind == "dense" and ex.layers[-1].activations.shape == (10,)
    assert sum(ex.probabilities) == pytest.approx(1.0, abs=1e-4)  # tf-tutorial-cnn gives logits: softmaxed
    _check_saliency(ex.saliency)
    assert ex.features is not None and ex.features.ndim == 1


def test_layer_kinds_of_the_default_model(predictor, mnist):
    ex = predictor.explain(mnist.x_test[2], neighbours=False)
    kinds = [v.kind for v in ex.layers]
    assert kinds.count("conv") == 7 and "norm" in kinds and "dropout" in kinds and "flatten" in kinds
    assert [v.activations.shape for v in ex.conv_layers][:2] == [(26, 26, 32), (24, 24, 32)]


def _eleven_output_model() -> keras.Model:
    """A network with an 11th "not a digit" output (issue 10's default model has this layout)."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(16, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(11, activation="softmax")(x))


def test_a_model_with_a_not_a_digit_output_is_explained_on_its_ten_digits(mnist):
    ex = Predictor(_eleven_output_model()).explain(mnist.x_test[3], neighbours=False)
    assert len(ex.probabilities) == 10 and 0 <= ex.digit <= 9 and 0 <= ex.runner_up <= 9
    assert ex.layers[-1].activations.shape == (11,)
    _check_saliency(ex.saliency)
    assert ex.features.shape == (16,)


def test_blank_and_broken_images(predictor):
    blank = predictor.explain(np.zeros((200, 200), np.uint8))
    assert blank.digit is None and blank.saliency is None and blank.layers == [] and blank.message
    assert predictor.explain(np.zeros((28, 28), np.uint8)).digit is None
    with pytest.raises(ImageError):
        predictor.explain(b"not an image")


def test_module_function_and_method_agree(predictor, mnist):
    a = explain(predictor, mnist.x_test[4], neighbours=False)
    b = predictor.explain(mnist.x_test[4], neighbours=False)
    assert a.digit == b.digit and np.allclose(a.saliency, b.saliency, atol=1e-6)
