"""Saying "not a digit": the output head (calibration, threshold) and the Predictor fields, against a
tiny 11-class model the session trains (tests/reject_model.py) and the shipped 10-class model."""

from __future__ import annotations

import numpy as np
import pytest

from digitcore.imaging.preprocess import preprocess
from digitcore.model.predictor import Predictor
from digitcore.model.rejection import DEFAULT_REJECT_THRESHOLD, OutputHead, apply_temperature
from digitcore.synthetic.hard_sets import iter_hard_samples
from digitcore.synthetic.non_digits import UNAMBIGUOUS
from reject_model import non_digit_inputs

CHECK_SEED = 4242  # not the seed the tiny model was trained on


@pytest.fixture(scope="module")
def rejector(reject_model_path) -> Predictor:
    return Predictor.load(reject_model_path)


def test_a_ten_output_head_gives_the_model_probabilities_unchanged_and_never_declines():
    raw = np.random.default_rng(0).dirichlet(np.ones(10), 50).astype(np.float32)
    s = OutputHead.from_metadata({}, 10).scores(raw)
    assert np.array_equal(s.digits, raw)
    assert np.array_equal(s.confidence, raw.max(1))
    assert not s.declined.any() and not s.not_a_digit.any()


def test_an_eleven_output_head_renormalises_the_digits_and_declines_above_the_threshold():
    raw = np.zeros((3, 11), np.float32)
    raw[0, 4], raw[0, 10] = 0.3, 0.7  # mostly not a digit
    raw[1, 7], raw[1, 10] = 0.8, 0.2
    raw[2, 10] = 1.0  # nothing for any digit
    s = OutputHead.from_metadata({"classes": 11, "not_a_digit_index": 10}, 11).scores(raw)
    assert np.allclose(s.digits.sum(1), 1.0)
    assert s.declined.tolist() == [True, False, True]
    assert s.best_guess.tolist()[:2] == [4, 7]
    assert s.digits[0, 4] == pytest.approx(1.0) and s.confidence[0] == pytest.approx(0.3)
    assert np.allclose(s.digits[2], 0.1)  # no digit preferred: a flat spread
    assert not OutputHead.from_metadata({}, 11).scores(raw, reject=False).declined.any()


def test_the_json_threshold_and_temperature_are_used_and_bad_values_fall_back():
    head = OutputHead.from_metadata({"temperature": 2.0, "reject_threshold": 0.9}, 11)
    assert (head.temperature, head.reject_threshold) == (2.0, 0.9)
    for bad in ({"temperature": -1, "reject_threshold": 3}, {"temperature": "hot", "reject_threshold": True}):
        h = OutputHead.from_metadata(bad, 11)
        assert (h.temperature, h.reject_threshold) == (1.0, DEFAULT_REJECT_THRESHOLD)
    raw = np.array([[0.0] * 10 + [1.0]], np.float32)
    raw[0, :] = [0.05] * 10 + [0.5]
    raw /= raw.sum()
    assert not head.scores(raw).declined[0]  # 0.5 < 0.9


def test_temperature_softens_and_keeps_the_order():
    p = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]], np.float32)
    soft = apply_temperature(p, 2.0)
    assert np.allclose(soft.sum(1), 1.0)
    assert (soft.argmax(1) == p.argmax(1)).all() and (soft.max(1) < p.max(1)).all()
    assert np.allclose(apply_temperature(p, 1.0), p)
    # softmax(log(p)/T) by hand
    z = np.log(p[0]) / 2.0
    assert np.allclose(soft[0], np.exp(z) / np.exp(z).sum(), atol=1e-6)


def test_a_letter_is_declined_with_a_best_guess_and_reject_false_always_answers(rejector):
    letters = [s for s in iter_hard_samples("non_digits", "canvas", 40, CHECK_SEED, ("letter", "shape"))]
    preds = [rejector.predict(s.image) for s in letters]
    declined = [p for p in preds if p.reason == "not_a_digit"]
    assert len(declined) >= 0.7 * len(preds)
    for p in declined:
        assert p.digit is None and p.best_guess in range(10)
        assert p.not_a_digit >= DEFAULT_REJECT_THRESHOLD and not p.is_confident
        assert len(p.probabilities) == 10 and sum(p.probabilities) == pytest.approx(1.0, abs=1e-4)
        assert p.to_dict()["reason"] == "not_a_digit" and p.to_dict()["best_guess"] == p.best_guess
    forced = rejector.predict(letters[preds.index(declined[0])].image, reject=False)
    assert forced.reason is None and forced.digit == forced.best_guess == declined[0].best_guess


def test_blank_input_says_no_ink_and_a_digit_says_no_reason(rejector, mnist):
    blank = rejector.predict(np.zeros((280, 280, 4), np.uint8))
    assert (blank.reason, blank.digit, blank.best_guess) == ("no_ink", None, None)
    digit = rejector.predict(255 - mnist.x_test[0])  # dark digit on light paper
    assert digit.reason is None and digit.digit == digit.best_guess == int(mnist.y_test[0])


def test_predict_batch_gives_the_same_answers_as_predict(rejector, mnist):
    samples = [s.image for s in iter_hard_samples("non_digits", "canvas", 6, CHECK_SEED + 1)]
    images = samples + [255 - mnist.x_test[i] for i in range(4)] + [np.zeros((50, 50), np.uint8)]
    batch = rejector.predict_batch(images)
    single = [rejector.predict(im, keep_steps=False) for im in images]
    assert [(b.reason, b.digit, b.best_guess) for b in batch] == [(s.reason, s.digit, s.best_guess) for s in single]
    assert all(b.reason is None for b in rejector.predict_batch(images, reject=False)[:-1])


def test_the_tiny_model_declines_most_non_digits_and_few_mnist_test_digits(rejector, mnist):
    x = np.concatenate([non_digit_inputs("canvas", 140, CHECK_SEED + 2, UNAMBIGUOUS),
                        non_digit_inputs("scan", 70, CHECK_SEED + 3, UNAMBIGUOUS)])
    assert rejector.predict_scores(x).declined.mean() >= 0.75
    s = rejector.predict_scores(mnist.x_test[:1000])
    assert s.declined.mean() <= 0.08
    digits = rejector.predict_digits(mnist.x_test[:50])
    assert digits.shape == (50, 10) and np.allclose(digits.sum(1), 1.0, atol=1e-4)


def test_a_ten_output_model_never_declines_and_reports_zero_not_a_digit(ten_output_model_path):
    predictor = Predictor.load(ten_output_model_path)
    assert not predictor.head.can_decline
    images = [s.image for s in iter_hard_samples("non_digits", "canvas", 12, CHECK_SEED)]
    preds = [p for p in predictor.predict_batch(images) if p.reason != "no_ink"]
    assert preds and all(p.reason is None and p.digit is not None and p.not_a_digit == 0.0 for p in preds)
    x = np.stack([preprocess(im, keep_steps=False).digit28 for im in images[:4]])
    assert np.array_equal(predictor.predict_digits(x), predictor.runner.probabilities(x))


def test_the_reject_threshold_fit_keeps_digits_answered():
    from digitcore.model.rejection import fit_reject_threshold

    rng = np.random.default_rng(0)
    digits = rng.uniform(0, 0.3, 1000)  # real digits: low "not a digit" probabilities
    negatives = rng.uniform(0.2, 1.0, 1000)
    nad = np.concatenate([digits, negatives])
    is_digit = np.arange(2000) < 1000
    t = fit_reject_threshold(nad, is_digit, max_digits_declined=0.01)
    assert 0.25 <= t <= 0.5 and (digits >= t).mean() <= 0.01
    assert fit_reject_threshold(nad, is_digit, max_digits_declined=0.01, lowest=t) == t
    assert t - 0.01 < 0.25 or (digits >= t - 0.01).mean() > 0.01  # the lowest that keeps the limit
    assert fit_reject_threshold(np.full(10, 0.9), np.ones(10, bool)) == 0.5  # nothing works: the default
    assert fit_reject_threshold(negatives, np.zeros(1000, bool)) == 0.5  # no digits to judge by
