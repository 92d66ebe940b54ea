"""The home page (app.py) driven headless with Streamlit's AppTest.

AppTest cannot draw on the canvas component, so the draw tests swap the
``streamlit_drawable_canvas`` module for a fake whose ``st_canvas`` returns a
prepared RGBA drawing: the page code runs unchanged, only the browser part is skipped.
Uploads use AppTest's own file-uploader support.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

# The pictures, and the bad uploads, come from the hostile-input corpus (tests/hostile_corpus.py).
from hostile_corpus import BAD_UPLOADS, ONE, SEVEN, animated_gif, canvas_drawing, encode, paper_digit

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TIMEOUT = 180  # the first run imports TensorFlow and loads the model on a busy 2-core machine


# ----------------------------------------------------------------------------- fixtures


class FakeCanvas:
    """Stands in for st_canvas: returns ``image`` (or nothing drawn) and records its arguments."""

    def __init__(self, image: np.ndarray | None, strokes: int | None = None, objects: list[dict] | None = None) -> None:
        self.image = image
        self.strokes = (0 if image is None else 1) if strokes is None else strokes
        self.objects = objects  # the canvas's stroke objects, when a test gives real ones
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        objects = self.objects if self.objects is not None else [{"type": "path"}] * self.strokes
        return SimpleNamespace(json_data={"objects": objects}, image_data=self.image)


@pytest.fixture
def app(default_model_path, monkeypatch, tmp_path) -> AppTest:
    """The home page with only the shipped default model to choose from (trained runs kept out)."""
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path / "models"))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def fake_canvas(monkeypatch, image: np.ndarray | None, strokes: int | None = None,
                objects: list[dict] | None = None) -> FakeCanvas:
    """Swap the canvas package for a fake (the real one only imports inside a Streamlit runtime)."""
    fake = FakeCanvas(image, strokes, objects)
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = fake
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)
    return fake


def answers(at: AppTest) -> list[str]:
    """The big answer digits on the page (e.g. ``["7"]`` or ``["7?"]``)."""
    out = []
    for md in at.markdown:
        if 'class="dc-answer' in md.value:
            out.append(md.value.split('aria-label="answer">', 1)[1].split("</div>", 1)[0])
    return out


def messages(at: AppTest) -> list[str]:
    return [e.value for e in [*at.error, *at.warning]]


def upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.file_uploader(key="uploads").set_value([(name, data, "application/octet-stream") for name, data in files])
    return at.run()


# ----------------------------------------------------------------------------- page


def test_page_renders_with_default_model_and_hints(app):
    app.run()
    assert not app.exception
    assert app.title[0].value.startswith("✏️")
    selector = app.sidebar.selectbox(key="home_model")
    assert selector.options[0] == "Default model"
    assert selector.value.endswith("default.keras")
    assert [t.label.split()[-1] for t in app.tabs] == ["Draw", "Upload"]
    hints = " ".join(i.value for i in app.info)
    assert "Draw a digit" in hints and "Upload a photo" in hints
    assert answers(app) == []
    uploader = app.file_uploader(key="uploads")
    assert uploader.accept_multiple_files
    assert {"png", "jpg", "jpeg", "webp", "bmp", "gif"} <= {t.lstrip(".") for t in uploader.allowed_type}


def test_canvas_is_tablet_sized_white_on_black_and_live(app, monkeypatch):
    fake = fake_canvas(monkeypatch, None)
    app.run()
    kw = fake.calls[-1]
    assert kw["width"] >= 320 and kw["height"] >= 320
    assert kw["stroke_color"].upper() in ("#FFFFFF", "WHITE") and kw["background_color"].upper() in ("#000000", "BLACK")
    assert kw["update_streamlit"] and kw["return_image_data"] and kw["drawing_mode"] == "freedraw"
    assert kw["stroke_width"] == app.slider(key="pen_size").value == 20
    # Before the first stroke the component sends no picture at all: the hint, no answer.
    assert answers(app) == [] and any("Draw a digit" in i.value for i in app.info)


def test_empty_canvas_shows_hint_and_no_digit(app, monkeypatch):
    fake_canvas(monkeypatch, canvas_drawing([]), strokes=0)
    app.run()
    assert not app.exception
    assert answers(app) == []
    assert any("Draw a digit" in i.value for i in app.info)


def test_blank_strokes_show_hint_not_digit(app, monkeypatch):
    # Objects exist but the picture is all black (e.g. a stroke drawn in black): no answer, a hint.
    fake_canvas(monkeypatch, canvas_drawing([]), strokes=1)
    app.run()
    assert not app.exception
    assert answers(app) == []
    assert any("can't see a digit" in i.value for i in app.info)


@pytest.mark.parametrize("digit,lines", [(7, SEVEN), (1, ONE)])
def test_drawn_digit_is_recognised(app, monkeypatch, digit, lines):
    fake_canvas(monkeypatch, canvas_drawing(lines))
    app.run()
    assert not app.exception
    assert answers(app) == [str(digit)]  # a clean drawing: plainly stated, no "not sure"
    assert any(f"It's a {digit}!" in md.value for md in app.markdown)
    assert app.get("vega_lite_chart"), "probability chart missing"
    (how,) = [e for e in app.expander if e.label == "How the computer sees it"]
    captions = [c for img in how.image for c in img.captions]
    assert any("28x28" in c for c in captions)
    assert len(how.image) >= 4


def test_clear_button_gives_a_fresh_canvas(app, monkeypatch):
    fake = fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    app.run()
    first_key = fake.calls[-1]["key"]
    app.button(key="clear_canvas").click().run()
    assert not app.exception
    assert fake.calls[-1]["key"] != first_key


def test_pen_size_slider_changes_stroke_width(app, monkeypatch):
    fake = fake_canvas(monkeypatch, None)
    app.run()
    app.slider(key="pen_size").set_value(32).run()
    assert fake.calls[-1]["stroke_width"] == 32


# ----------------------------------------------------------------------------- uploads


def test_single_upload_shows_preview_and_answer(app):
    app.run()
    upload(app, [("seven.png", encode(paper_digit(SEVEN)))])
    assert not app.exception
    assert messages(app) == []
    shown = answers(app)
    assert shown and shown[0].rstrip("?") == "7"
    previews = [img for img in app.image if any("seven.png" in c for c in img.captions)]
    assert previews, "the uploaded picture with its box is shown"


def test_seed_digit_photo_upload(app, seed_digits_dir):
    app.run()
    path = seed_digits_dir / "3-01.jpg"
    upload(app, [(path.name, path.read_bytes())])
    assert not app.exception
    assert messages(app) == []
    assert len(answers(app)) == 1


def test_animated_gif_uses_first_frame(app):
    app.run()
    upload(app, [("anim.gif", animated_gif())])
    assert not app.exception
    assert messages(app) == []
    assert any("first frame" in i.value for i in app.info)
    assert answers(app)[0].rstrip("?") == "7"


# Every bad upload, one by one: tests/test_hostile_corpus.py (test_app_home_upload).


def test_several_uploads_give_a_table_and_survive_bad_files(app):
    app.run()
    files = [
        ("seven.png", encode(paper_digit(SEVEN))),
        ("one.webp", encode(paper_digit(ONE), "WEBP", lossless=True)),
        ("notes.png", BAD_UPLOADS["notes.png"]()),
        ("white.png", BAD_UPLOADS["white.png"]()),
    ]
    upload(app, files)
    assert not app.exception
    (table,) = app.dataframe
    df = table.value
    assert list(df["file"]) == [f for f, _ in files]
    assert list(df["digit"])[:2] == ["7", "1"]
    assert list(df["digit"])[2:] == ["-", "-"]
    assert "text" in df["message"].iloc[2] and "No ink" in df["message"].iloc[3]
    assert any("notes" in w.value and "text, not an image" in w.value for w in app.warning)
    thumbs = [c for img in app.image for c in img.captions]
    assert len(thumbs) == 4 and thumbs[0].startswith("seven.png")
    # The draw tab still works on the same run.
    assert any("Draw a digit" in i.value for i in app.info)


# ----------------------------------------------------------------------------- models


def test_broken_model_is_listed_with_a_clear_message(default_model_path, monkeypatch, tmp_path):
    runs = tmp_path / "models"
    runs.mkdir()
    (runs / "scribbles.keras").write_bytes(b"this is not a keras file")
    (runs / "empty.keras").write_bytes(b"")
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(runs))
    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    selector = at.sidebar.selectbox(key="home_model")
    assert len(selector.options) == 3
    assert "empty (broken)" in selector.options  # known broken before loading
    assert answers(at), "the default model answers"
    for broken in ("scribbles.keras", "empty.keras"):
        selector.set_value(str(runs / broken)).run()
        assert not at.exception
        assert any("can't be used" in e.value for e in at.sidebar.error), broken
        assert answers(at) == []
        assert any("Pick a working model" in w.value for w in at.warning)
    selector.set_value(str(default_model_path)).run()
    assert answers(at)


def test_model_is_loaded_once_per_server_not_per_session(default_model_path, monkeypatch, tmp_path):
    import streamlit as st

    from digitcore.model.predictor import Predictor

    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path))
    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    loads = []
    real = Predictor.load.__func__

    def counting_load(cls, path=None):
        loads.append(path)
        return real(cls, path)

    monkeypatch.setattr(Predictor, "load", classmethod(counting_load))
    st.cache_resource.clear()
    first = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    first.slider(key="pen_size").set_value(25).run()  # a rerun
    second = AppTest.from_file(APP, default_timeout=TIMEOUT).run()  # another session
    assert answers(first) and answers(second)
    assert len(loads) == 1
