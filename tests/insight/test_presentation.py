"""digitcore.insight.presentation: answer wording, chart data and preview pictures (no model, no Streamlit)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from digitcore.insight import presentation as pres
from digitcore.model.predictor import LOW_CONFIDENCE, Prediction
from digitcore.imaging.preprocess import Preprocessed


def prediction(digit: int | None, confidence: float, rest: dict[int, float] | None = None) -> Prediction:
    probs = [0.0] * 10
    if digit is not None:
        probs[digit] = confidence
        left = 1.0 - confidence
        for d, p in (rest or {}).items():
            probs[d] = p
            left -= p
        others = [i for i in range(10) if probs[i] == 0.0]
        for i in others:
            probs[i] = left / len(others)
    return Prediction(digit, confidence if digit is not None else 0.0, probs, None, "" if digit is not None else "No ink found: blank.")


class FakePredictor:
    def __init__(self) -> None:
        self.seen = []

    def predict(self, image, *, keep_steps=True):
        self.seen.append((image.shape, keep_steps))
        bbox = (1, 2, 3, 4)
        return Prediction(7, 0.9, [0.01] * 7 + [0.9] + [0.01] * 2, Preprocessed(None, True, bbox, [], ""), "")


# ----------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    "p,text",
    [(0.0, "0%"), (0.001, "<1%"), (0.004, "<1%"), (0.006, "1%"), (0.48, "48%"), (0.973, "97%"),
     (0.996, ">99%"), (0.99999, ">99%"), (1.0, ">99%"), (float("nan"), "0%")],
)
def test_format_percent(p, text):
    assert pres.format_percent(p) == text


def test_confident_answer_is_plain():
    a = pres.answer_for(prediction(7, 0.97))
    assert a.kind == "sure" and a.big == "7" and a.confidence_text == "97%"
    assert a.headline == "It's a 7! I'm 97% sure."


def test_low_confidence_answer_says_not_sure():
    a = pres.answer_for(prediction(7, 0.48))
    assert a.kind == "unsure" and a.big == "7?"
    assert a.headline == "Maybe a 7? I'm not sure (48%)."


def test_threshold_is_low_confidence_constant():
    assert pres.answer_for(prediction(3, LOW_CONFIDENCE)).kind == "sure"
    assert pres.answer_for(prediction(3, LOW_CONFIDENCE - 0.01)).kind == "unsure"


def test_no_ink_uses_hint_or_message():
    empty = prediction(None, 0.0)
    assert pres.answer_for(empty).headline == "No ink found: blank."
    a = pres.answer_for(empty, empty_hint="Draw something!")
    assert a.kind == "empty" and a.big == "?" and a.headline == "Draw something!"


def test_model_label():
    from pathlib import Path

    from digitcore.storage.model_store import ModelEntry

    assert pres.model_label(ModelEntry("default", Path("d.keras"), True, {"status": "finished"})) == "Default model"
    assert pres.model_label(ModelEntry("run1", Path("r.keras"), False, {"status": "stopped"})) == "run1 (stopped)"
    assert pres.model_label(ModelEntry("bad", Path("b.keras"), False, {}, "bad.json is unreadable")) == "bad (broken)"


def test_escape_markdown():
    assert pres.escape_markdown("my_digit_7 (1).png") == r"my\_digit\_7 \(1\)\.png"
    assert pres.escape_markdown("plain") == "plain"
    assert pres.escape_markdown("$x$ *a* :cat:") == r"\$x\$ \*a\* \:cat\:"


def test_runner_up_text_lists_next_two():
    p = prediction(7, 0.7, {1: 0.2, 9: 0.05})
    assert pres.runner_up_text(p) == "Next guesses: 1 (20%), 9 (5%)"
    assert pres.runner_up_text(prediction(None, 0.0)) == ""


# ----------------------------------------------------------------------------- chart


def test_probability_frame_highlights_best_and_labels_top3():
    p = prediction(7, 0.7, {1: 0.2, 9: 0.05})
    df = pres.probability_frame(p.probabilities)
    assert list(df["digit"]) == [str(i) for i in range(10)]
    assert df["probability"].sum() == pytest.approx(1.0)
    assert list(df.loc[df["rank"] == "best guess", "digit"]) == ["7"]
    labelled = dict(zip(df["digit"], df["label"]))
    assert {d for d, lab in labelled.items() if lab} == {"7", "1", "9"}
    assert labelled["7"] == "70%"


def test_probability_frame_without_answer_has_no_highlight():
    df = pres.probability_frame([0.0] * 10)
    assert set(df["rank"]) == {"other"} and set(df["label"]) == {""}


def test_probability_frame_rejects_wrong_length():
    with pytest.raises(ValueError):
        pres.probability_frame([0.5, 0.5])


def test_chart_spec_uses_frame_columns():
    spec = pres.probability_chart_spec()
    bars, text = spec["layer"]
    assert spec["encoding"]["x"]["field"] == "digit"
    assert bars["encoding"]["y"]["field"] == "probability"
    assert bars["encoding"]["color"]["field"] == "rank"
    assert text["encoding"]["text"]["field"] == "label"


# ----------------------------------------------------------------------------- pictures


def test_to_rgb_handles_grey_rgb_and_rgba():
    grey = np.full((4, 5), 100, np.uint8)
    assert pres.to_rgb(grey).shape == (4, 5, 3)
    rgb = np.zeros((4, 5, 3), np.uint8)
    assert pres.to_rgb(rgb) is not None and pres.to_rgb(rgb).shape == (4, 5, 3)
    # Dark ink on transparency: background becomes white.
    dark = np.zeros((4, 4, 4), np.uint8)
    dark[1, 1] = (0, 0, 0, 255)
    out = pres.to_rgb(dark)
    assert out[0, 0].tolist() == [255, 255, 255] and out[1, 1].tolist() == [0, 0, 0]
    # White strokes on transparency (a canvas export): background becomes black so they stay visible.
    light = np.zeros((4, 4, 4), np.uint8)
    light[1, 1] = (255, 255, 255, 255)
    out = pres.to_rgb(light)
    assert out[0, 0].tolist() == [0, 0, 0] and out[1, 1].tolist() == [255, 255, 255]


def test_preview_shrinks_and_draws_box_in_scaled_coordinates():
    img = np.full((1000, 2000, 3), 255, np.uint8)
    out = pres.preview_with_bbox(img, (1000, 400, 200, 200), max_side=500)
    assert out.shape == (250, 500, 3)
    red = np.all(out == pres.BOX_COLOUR, axis=2)
    ys, xs = np.nonzero(red)
    assert xs.min() == pytest.approx(250, abs=2) and xs.max() == pytest.approx(299, abs=2)
    assert ys.min() == pytest.approx(100, abs=2) and ys.max() == pytest.approx(149, abs=2)
    assert img.min() == 255, "the input is not drawn on"


def test_preview_without_box_and_small_image_untouched():
    img = np.zeros((30, 40), np.uint8)
    out = pres.preview_with_bbox(img, None)
    assert out.shape == (30, 40, 3) and out.max() == 0


def test_preview_box_at_the_edge_stays_inside():
    out = pres.preview_with_bbox(np.zeros((50, 50, 3), np.uint8), (0, 0, 50, 50))
    assert np.all(out[0, :] == pres.BOX_COLOUR) and np.all(out[-1, :] == pres.BOX_COLOUR)


def test_small_preview_is_enlarged_pixel_exact_with_box_scaled():
    img = np.full((100, 50), 255, np.uint8)
    img[40:60, 20:30] = 0
    out = pres.preview_with_bbox(img, (20, 40, 10, 20), min_side=300)
    assert out.shape == (300, 150, 3)  # 3x
    plain = pres.preview_with_bbox(img, None, min_side=300)
    assert np.array_equal(plain[:, :, 0], np.repeat(np.repeat(img, 3, axis=0), 3, axis=1))
    red = np.all(out == pres.BOX_COLOUR, axis=2)
    ys, xs = np.nonzero(red)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == pytest.approx((60, 120, 89, 179), abs=1)  # line width
    # Already big enough, or capped by max_side: not enlarged.
    assert pres.preview_with_bbox(img, None, min_side=150).shape == (100, 50, 3)
    assert pres.preview_with_bbox(img, None, max_side=120, min_side=300).shape == (100, 50, 3)


def test_pad_to_square_centres():
    tile = pres.pad_to_square(np.zeros((10, 4, 3), np.uint8), 10, pad=(1, 2, 3))
    assert tile.shape == (10, 10, 3)
    assert tile[:, 3:7].max() == 0 and tile[0, 0].tolist() == [1, 2, 3] and tile[0, 9].tolist() == [1, 2, 3]


def test_enlarge_pixels_is_nearest_neighbour():
    x = np.zeros((28, 28), np.float32)
    x[3, 5] = 1.0
    big = pres.enlarge_pixels(x, 8)
    assert big.shape == (224, 224) and big.dtype == np.uint8
    assert np.all(big[24:32, 40:48] == 255)
    assert set(np.unique(big)) == {0, 255}
    with pytest.raises(ValueError):
        pres.enlarge_pixels(x, 0)


def test_step_picture_is_a_square_tile_keeping_aspect():
    tile = pres.step_picture(np.full((28, 28), 255, np.uint8), side=168)
    assert tile.shape == (168, 168, 3) and tile.min() == 255  # 6x, fills the tile exactly
    tall = pres.step_picture(np.full((20, 14), 255, np.uint8), side=168)  # 8x -> 160 x 112, padded
    assert tall.shape == (168, 168, 3)
    ink = np.all(tall == 255, axis=2)
    ys, xs = np.nonzero(ink)
    assert (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) == (160, 112)
    assert tall[0, 0].tolist() == list(pres.PAD_COLOUR)
    big = pres.step_picture(np.zeros((1000, 500, 3), np.uint8), side=168)
    assert big.shape == (168, 168, 3)
    assert np.count_nonzero(np.all(big == 0, axis=2)) == 168 * 84


# ----------------------------------------------------------------------------- uploads


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_analyse_upload_good_file():
    fake = FakePredictor()
    r = pres.analyse_upload(fake, "a.png", _png(np.zeros((10, 12, 3), np.uint8)), keep_steps=False)
    assert r.ok and r.error == "" and r.message == "" and r.image.shape == (10, 12, 3)
    assert fake.seen == [((10, 12, 3), False)]


@pytest.mark.parametrize("data", [b"", b"hello, I am text " * 10, b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_analyse_upload_bad_file_gives_message(data):
    r = pres.analyse_upload(FakePredictor(), "bad.png", data)
    assert not r.ok and r.image is None and r.prediction is None
    assert r.error and r.message == r.error


def test_animation_note_only_for_multi_frame_images():
    frames = [Image.new("L", (8, 8), v) for v in (0, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    assert "first frame" in pres.animation_note(buf.getvalue())
    still = io.BytesIO()
    frames[0].save(still, format="GIF")
    assert pres.animation_note(still.getvalue()) == ""
    assert pres.animation_note(_png(np.zeros((3, 3), np.uint8))) == ""
    assert pres.animation_note(b"GIF89a broken") == ""
    r = pres.analyse_upload(FakePredictor(), "anim.gif", buf.getvalue())
    assert r.ok and "first frame" in r.note
    assert "first frame" in pres.results_frame([r])["message"].iloc[0]


def test_results_frame_table():
    results = [
        pres.UploadResult("good.png", np.zeros((2, 2), np.uint8), prediction(7, 0.9)),
        pres.UploadResult("meh.png", np.zeros((2, 2), np.uint8), prediction(4, 0.4)),
        pres.UploadResult("blank.png", np.zeros((2, 2), np.uint8), prediction(None, 0.0)),
        pres.UploadResult("broken.png", error="This image file is damaged."),
    ]
    df = pres.results_frame(results)
    assert list(df.columns) == ["file", "digit", "confidence", "message"]
    assert list(df["digit"]) == ["7", "4", "-", "-"]
    assert df["confidence"].iloc[0] == pytest.approx(0.9)
    assert df["confidence"].iloc[2:].isna().all()
    assert list(df["message"]) == ["", "not sure", "No ink found: blank.", "This image file is damaged."]
    assert pres.batch_summary(results) == "4 files: 2 recognised, 1 without a digit, 1 unreadable."
    assert pres.batch_summary(results[:1]) == "1 file: 1 recognised."


def test_thumbnails_and_captions():
    good = pres.UploadResult("a-very-long-file-name-indeed.png", np.zeros((300, 150), np.uint8), prediction(7, 0.9))
    bad = pres.UploadResult("x.png", error="nope")
    thumb = pres.thumbnail(good, side=128)
    assert thumb.shape == (128, 128, 3)
    assert thumb[:, :32].tolist() == np.full((128, 32, 3), pres.PAD_COLOUR, np.uint8).tolist()  # 64 wide, centred
    assert pres.thumbnail(bad, side=128).shape == (128, 128, 3)
    assert pres.upload_caption(good) == "a-very-long-file-name…: 7 (90%)"
    assert pres.upload_caption(bad) == "x.png: unreadable"
    assert pres.upload_caption(pres.UploadResult("b.png", np.zeros((2, 2), np.uint8), prediction(None, 0))) == "b.png: no digit"


def test_results_kept_per_visitor_are_display_sized():
    """A phone photo's result is shrunk to what the page shows (per-session state stays small)."""
    from digitcore.model.predictor import Predictor

    photo = np.full((3000, 4000, 3), 205, np.uint8)
    cv2.line(photo, (1700, 900), (2300, 900), (30, 30, 30), 90)
    cv2.line(photo, (2300, 900), (1900, 2100), (30, 30, 30), 90)
    ok, jpeg = cv2.imencode(".jpg", photo)
    full = pres.analyse_upload(Predictor.load(), "seven.jpg", jpeg.tobytes())
    small = pres.for_display(full, max_side=400)

    def nbytes(r):
        return r.image.nbytes + sum(s.image.nbytes for s in r.prediction.preprocessed.steps)

    assert small.prediction.digit == full.prediction.digit == 7
    assert max(small.image.shape[:2]) == 400 and all(max(s.image.shape[:2]) <= 168
                                                     for s in small.prediction.preprocessed.steps)
    assert nbytes(small) < 1_000_000 < 5 * 1_000_000 < nbytes(full)
    # The box is where it was, relative to the picture.
    (fx, fy, fw, fh), (sx, sy, sw, sh) = full.prediction.preprocessed.bbox, small.prediction.preprocessed.bbox
    scale = 400 / max(full.image.shape[:2])
    assert abs(sx - fx * scale) <= 1 and abs(sw - fw * scale) <= 2 and abs(sy - fy * scale) <= 1
    assert pres.for_display(pres.UploadResult("bad.png", error="not an image")).error == "not an image"
