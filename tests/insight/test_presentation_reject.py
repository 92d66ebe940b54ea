"""Wording for a drawing the model declines: "That doesn't look like a digit", the best guess small."""

from __future__ import annotations

from digitcore.insight import presentation as pres
from digitcore.model.predictor import Prediction


def declined(best: int = 4, confidence: float = 0.31) -> Prediction:
    probs = [0.02] * 10
    probs[best] = 1 - 0.02 * 9
    return Prediction(None, confidence, probs, None, "That doesn't look like a digit.", "not_a_digit", best, 0.69)


def test_a_declined_prediction_says_it_is_not_a_digit_with_the_best_guess_small():
    a = pres.answer_for(declined())
    assert a.kind == "not_a_digit"
    assert a.headline == "That doesn't look like a digit."
    assert "4" not in a.headline and a.big != "4"
    assert a.detail == "My best guess would be 4."


def test_real_but_uncertain_digits_keep_the_not_sure_wording():
    unsure = Prediction(7, 0.45, [0.05] * 7 + [0.45] + [0.05] * 2)
    a = pres.answer_for(unsure)
    assert a.kind == "unsure" and "not sure" in a.headline and a.detail == ""
    assert pres.answer_for(Prediction(7, 0.95, [0.0] * 7 + [0.95] + [0.05] * 2)).kind == "sure"
    empty = Prediction(None, 0.0, [0.0] * 10, None, "No ink found.", "no_ink")
    assert pres.answer_for(empty).kind == "empty"


def test_the_upload_table_caption_and_summary_say_not_a_digit():
    results = [pres.UploadResult("star.png", prediction=declined(8)),
               pres.UploadResult("seven.png", prediction=Prediction(7, 0.99, [0.0] * 7 + [0.99] + [0.01] * 2)),
               pres.UploadResult("blank.png", prediction=Prediction(None, 0.0, [0.0] * 10, None, "No ink found.", "no_ink"))]
    df = pres.results_frame(results)
    assert list(df["digit"]) == ["-", "7", "-"]
    assert df["message"].iloc[0] == "doesn't look like a digit (best guess 8)"
    assert pres.upload_caption(results[0]) == "star.png: not a digit"
    assert pres.batch_summary(results) == "3 files: 1 recognised, 1 not a digit, 1 without a digit."
    assert not results[0].ok and results[0].message == "That doesn't look like a digit."
