"""digitcore.insight.evaluation on hand-built predictions (no model, no TensorFlow needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitcore.insight.evaluation import (
    confusion_matrix,
    evaluate_model,
    label_from_filename,
    log_loss,
    per_class_metrics,
    predict_probabilities,
    result_from_probabilities,
    top_errors,
)


def one_hotish(preds: list[int], conf: list[float]) -> np.ndarray:
    """Probabilities whose argmax is ``preds`` with p(pred) = conf, the rest spread evenly."""
    p = np.zeros((len(preds), 10), np.float32)
    for i, (d, c) in enumerate(zip(preds, conf)):
        p[i, :] = (1.0 - c) / 9.0
        p[i, d] = c
    return p


class FixedModel:
    """A stand-in Keras model: returns preset outputs, batch by batch."""

    def __init__(self, outputs: np.ndarray) -> None:
        self.outputs = outputs
        self.seen = 0
        self.calls = 0

    def __call__(self, x, training=False):
        assert training is False
        assert x.shape[1:] == (28, 28, 1) and x.dtype == np.float32 and float(x.max()) <= 1.0
        out = self.outputs[self.seen : self.seen + len(x)]
        self.seen += len(x)
        self.calls += 1
        return out


class FakePredictor:
    def __init__(self, outputs: np.ndarray) -> None:
        self.outputs = outputs

    def predict_digits(self, x):
        return self.outputs[: len(x)]


def test_confusion_matrix_counts_rows_true_columns_predicted():
    y_true = [0, 0, 1, 2, 2, 2, 9]
    y_pred = [0, 1, 1, 2, 2, 0, 9]
    cm = confusion_matrix(y_true, y_pred)
    assert cm.shape == (10, 10) and cm.dtype == np.int64
    assert cm[0, 0] == 1 and cm[0, 1] == 1 and cm[1, 1] == 1
    assert cm[2, 2] == 2 and cm[2, 0] == 1 and cm[9, 9] == 1
    assert cm.sum() == 7
    assert cm.sum(1)[2] == 3  # row sums are the true counts


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError):
        confusion_matrix([0, 10], [0, 1])
    assert confusion_matrix([], []).sum() == 0


def test_per_class_metrics_by_hand():
    # digit 0: 2 true, predicted 4 times, 2 right -> P 1/2, R 1
    # digit 1: 2 true, predicted once, right -> P 1, R 1/2
    # digit 2: 1 true, never predicted -> P 0 (no predictions), R 0, F1 0
    y_true = [0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 0, 0]
    m = per_class_metrics(y_true, y_pred)
    assert [c.digit for c in m] == list(range(10))
    assert m[0].precision == 0.5 and m[0].recall == 1.0
    assert m[0].f1 == pytest.approx(2 * 0.5 / 1.5)
    assert m[1].precision == 1.0 and m[1].recall == 0.5 and m[1].f1 == pytest.approx(2 / 3)
    assert (m[2].precision, m[2].recall, m[2].f1, m[2].support) == (0.0, 0.0, 0.0, 1)
    assert m[5].support == 0 and m[5].f1 == 0.0
    assert m[0].to_dict()["support"] == 2


def test_top_errors_ranked_by_margin():
    y = np.array([3, 3, 5, 7, 1])
    probs = np.zeros((5, 10))
    probs[0, 3] = 1.0  # right
    probs[1, [8, 3]] = [0.6, 0.4]  # wrong, margin 0.2
    probs[2, [6, 5]] = [0.99, 0.01]  # wrong, margin 0.98
    probs[3, [1, 7]] = [0.9, 0.0]  # wrong, margin 0.9
    probs[3, 2] = 0.1
    probs[4, 1] = 1.0  # right
    errs = top_errors(y, probs)
    assert [e.index for e in errs] == [2, 3, 1]
    assert (errs[0].true, errs[0].predicted) == (5, 6)
    assert errs[0].margin == pytest.approx(0.98)
    assert errs[1].p_true == 0.0
    assert [e.index for e in top_errors(y, probs, k=2)] == [2, 3]
    assert top_errors(y[[0, 4]], probs[[0, 4]]) == []


def test_top_errors_ties_keep_index_order():
    y = np.array([0, 0, 0])
    probs = one_hotish([4, 5, 6], [0.7, 0.7, 0.7])
    assert [e.index for e in top_errors(y, probs)] == [0, 1, 2]


def test_log_loss_and_result_from_probabilities():
    y = np.array([2, 4])
    probs = one_hotish([2, 1], [0.8, 0.5])
    res = result_from_probabilities(y, probs)
    assert res.n == 2 and res.correct == 1 and res.errors == 1 and res.accuracy == 0.5
    expected = -(math.log(0.8) + math.log(0.5 / 9)) / 2
    assert res.loss == pytest.approx(expected, rel=1e-5)
    assert list(res.predictions) == [2, 1]
    # A zero probability for the true class is clipped, not infinite.
    assert math.isfinite(log_loss(np.array([0]), np.eye(10)[[3]]))
    assert res.confusion_matrix()[4, 1] == 1
    assert [e.index for e in res.top_errors()] == [1]
    d = res.to_dict()
    assert set(d) >= {"accuracy", "loss", "n", "correct", "errors"}


def test_evaluate_model_with_a_bare_model_in_batches():
    y = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    outputs = one_hotish([0, 1, 2, 3, 4, 5, 6, 0], [0.9] * 8)
    model = FixedModel(outputs)
    x = np.zeros((8, 28, 28), np.uint8)
    res = evaluate_model(model, x, y, batch_size=3)
    assert model.calls == 3 and model.seen == 8
    assert res.accuracy == pytest.approx(7 / 8)
    np.testing.assert_allclose(res.probabilities, outputs)


def test_evaluate_model_with_a_predictor_and_logits():
    logits = np.array([[5.0, 1.0] + [0.0] * 8, [0.0, -1.0, 7.0] + [0.0] * 7], np.float32)
    res = evaluate_model(FakePredictor(logits), np.zeros((2, 28, 28), np.float32), [0, 2])
    np.testing.assert_allclose(res.probabilities.sum(1), 1.0, rtol=1e-5)  # softmaxed
    assert res.accuracy == 1.0


def test_evaluate_model_checks_lengths_and_empty_input():
    with pytest.raises(ValueError):
        evaluate_model(FakePredictor(np.eye(10)), np.zeros((3, 28, 28)), [1, 2])
    assert predict_probabilities(FakePredictor(np.eye(10)), np.zeros((0, 28, 28))).shape == (0, 10)


def test_training_helpers_agree_with_evaluation():
    from digitcore.training import loop as training  # imports Keras: a few seconds

    y = np.array([0, 1, 2, 9])
    outputs = one_hotish([0, 1, 3, 9], [0.6, 0.7, 0.8, 0.9])
    loss, acc = training.evaluate_arrays(FixedModel(outputs), np.zeros((4, 28, 28), np.uint8), y)
    res = evaluate_model(FixedModel(outputs), np.zeros((4, 28, 28), np.uint8), y)
    assert acc == res.accuracy == 0.75
    assert loss == pytest.approx(res.loss, rel=1e-6)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("7-01.jpg", 7),
        ("/some/dir/0-12.png", 0),
        ("3.png", 3),
        ("4_sample.PNG", 4),
        ("9 (2).jpg", 9),
        ("17-01.jpg", None),
        ("2024-photo.jpg", None),
        ("photo-7.jpg", None),
        ("x.png", None),
        ("", None),
    ],
)
def test_label_from_filename(name, label):
    assert label_from_filename(name) == label
