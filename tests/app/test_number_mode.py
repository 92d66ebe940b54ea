"""Home page "Number" mode through AppTest: the wide canvas (faked, as in test_app.py) and uploads."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from test_app import answers, app, fake_canvas, upload  # noqa: F401  (app is a fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
from test_number_reader import canvas  # noqa: E402


def numbers(at) -> list[str]:
    """The big numbers on the page."""
    return [md.value.split('aria-label="number">', 1)[1].split("</div>", 1)[0]
            for md in at.markdown if 'aria-label="number"' in md.value]


def number_mode(at, monkeypatch, image, objects=None):
    fake = fake_canvas(monkeypatch, image, objects=objects)
    at.run()
    at.segmented_control(key="home_mode").set_value("Number")
    at.run()
    return fake


def test_single_digit_mode_is_the_default(app, monkeypatch):
    fake_canvas(monkeypatch, None)
    app.run()
    assert not app.exception
    assert app.segmented_control(key="home_mode").value == "Single digit"
    assert numbers(app) == []


def test_drawn_number_is_read_with_boxes_and_digits_seen(app, monkeypatch):
    fake = number_mode(app, monkeypatch, canvas("42"))
    assert not app.exception
    kw = fake.calls[-1]
    assert kw["width"] > kw["height"] and kw["width"] >= 600  # the wider canvas
    assert numbers(app) == ["42"]
    assert any("2 digits" in md.value for md in app.markdown)
    (seen,) = [e for e in app.expander if e.label == "How the computer sees each digit"]
    captions = [c for img in seen.image for c in img.captions]
    assert len(captions) == 2 and captions[0].startswith("1: 4 (") and captions[1].startswith("2: 2 (")
    assert any("Each box" in c for img in app.image for c in img.captions)


def test_the_canvas_strokes_tell_overlapping_digits_apart(app, monkeypatch):
    # Held-out canvas "86" (seed 1): the 6 overlaps the 8, and from the picture alone it reads "85";
    # the page passes on the strokes the canvas sent (an eraser stroke among them is left out).
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "imaging"))
    from test_canvas_strokes import fabric_path

    from digitcore.synthetic.numbers import number_at

    s = number_at("canvas", 32, seed=1)
    objects = [fabric_path(points, width) for points, width in s.strokes]
    objects.append(fabric_path([(20, 20), (60, 20)], 30, "#000000"))  # the eraser, where there is no ink
    number_mode(app, monkeypatch, s.image, objects)
    assert not app.exception
    assert numbers(app) == ["86"]
    number_mode(app, monkeypatch, s.image, [{"type": "path"}])  # the same picture, no points sent
    assert numbers(app) == ["85"]


def test_empty_number_canvas_shows_the_hint(app, monkeypatch):
    number_mode(app, monkeypatch, None)
    assert not app.exception and numbers(app) == []
    assert any("Write a number" in i.value for i in app.info)


def test_uploaded_number_photo_and_a_bad_file(app, monkeypatch):
    number_mode(app, monkeypatch, None)
    photo = np.full((600, 900, 3), 215, np.uint8)
    photo[:, 450:] = 150  # a dark half of the page
    drawn = cv2.cvtColor(canvas("2024", size=(900, 600))[..., :3], cv2.COLOR_RGB2GRAY)
    photo[drawn > 128] = 35
    ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    app.file_uploader(key="number_uploads").set_value(
        [("year.jpg", buf.tobytes(), "image/jpeg"), ("junk.png", b"not a picture", "image/png")])
    app.run()
    assert not app.exception
    assert numbers(app) == ["2024"]
    assert any("not an image" in e.value or "text" in e.value for e in app.error)


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
    return buf.tobytes()


def test_number_uploads_remove_all_forgets_them(app, monkeypatch):
    # (A new single file replacing the earlier ones needs a browser: AppTest gives every
    # file a fresh id on each set_value. See test_browser_number.py.)
    number_mode(app, monkeypatch, None)
    app.file_uploader(key="number_uploads").set_value([("a.png", _png(canvas("42")), "image/png")])
    app.run()
    assert not app.exception and numbers(app) == ["42"]
    app.button(key="remove_number_uploads").click().run()
    assert not app.exception and numbers(app) == []
    assert any("Upload a photo" in i.value for i in app.info)
    assert app.file_uploader(key="number_uploads-1").value in (None, [])
    # The single-digit uploader is a separate slot: untouched by all of this.
    assert "upload_round" not in app.session_state


def test_labels_of_overlapping_digit_boxes_do_not_hide_each_other(monkeypatch):
    from types import SimpleNamespace

    from pages.ui import number_mode

    placed_labels = []
    real = number_mode._label_place

    def recording(placed, *args):
        spot = real(placed, *args)
        placed_labels.append(spot)
        return spot

    monkeypatch.setattr(number_mode, "_label_place", recording)
    img = np.zeros((280, 720, 3), np.uint8)
    digits = [SimpleNamespace(box=(300, 60, 100, 160), digit=8, confidence=1.0),
              SimpleNamespace(box=(360, 70, 90, 150), digit=6, confidence=0.99),  # overlaps the 8
              SimpleNamespace(box=(680, 100, 38, 150), digit=1, confidence=0.4)]  # at the right edge
    out = number_mode.boxed_picture(img, SimpleNamespace(digits=digits), max_side=720)
    assert out.shape == (280, 720, 3) and len(placed_labels) == 3
    (x8, t8), (x6, t6), (x1, _) = placed_labels
    # The 6's label is not on the 8's: below its box, or higher up.
    assert t6 != t8 and (abs(t6 - t8) > 20 or x6 > x8 + 80)
    # The right-hand label is moved left so that it stays in the picture.
    (tw, _), _ = cv2.getTextSize("1 40%", cv2.FONT_HERSHEY_SIMPLEX, 1.2, 2)
    assert x1 + tw + 6 <= 719
