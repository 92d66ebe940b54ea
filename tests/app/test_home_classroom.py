"""Issue 12 on the home page, headless (AppTest): presenter mode, the canvas tools, uploads, names.

The canvas component is swapped for a stand-in that returns a prepared drawing (as in
tests/app/test_app.py); the page code runs unchanged.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from hostile_corpus import ONE, SEVEN, canvas_drawing, encode, paper_digit

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TIMEOUT = 180


class StrokeCanvas:
    """Stands in for st_canvas: ``strokes`` distinct objects and their picture; records every call."""

    def __init__(self, strokes: int, image: np.ndarray | None) -> None:
        self.objects = [{"type": "path", "n": i} for i in range(strokes)]
        self.image = image
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        initial = kwargs.get("initial_drawing")
        objects = list(initial["objects"]) if initial else self.objects
        return SimpleNamespace(json_data={"objects": objects}, image_data=self.image if objects else None)


@pytest.fixture
def app(default_model_path, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path / "models"))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def stroke_canvas(monkeypatch, strokes: int = 0, image: np.ndarray | None = None) -> StrokeCanvas:
    fake = StrokeCanvas(strokes, image)
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = fake
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)
    return fake


def html_of(at: AppTest) -> str:
    return " ".join(e.proto.body for e in at.get("html"))


def answers(at: AppTest) -> list[str]:
    return [md.value.split('aria-label="answer">', 1)[1].split("</div>", 1)[0]
            for md in at.markdown if 'class="dc-answer' in md.value]


# ----------------------------------------------------------------------------- presenter


def test_presenter_mode_by_address_gives_a_big_canvas_and_a_join_code(app, monkeypatch):
    fake = stroke_canvas(monkeypatch)
    app.query_params["present"] = "1"
    app.run()
    assert not app.exception
    assert app.toggle(key="present").value is True
    assert fake.calls[-1]["width"] >= 520 and fake.calls[-1]["height"] >= 520
    page = html_of(app)
    join = [md.value for md in app.markdown if 'aria-label="join"' in md.value]
    assert join and "http://" in join[0]
    assert app.get("imgs") or app.image, "the QR code"
    assert "stSidebar" in page  # the sidebar is hidden by presenter CSS

    app.toggle(key="present").set_value(False).run()
    assert fake.calls[-1]["width"] == 360
    assert not [md for md in app.markdown if 'aria-label="join"' in md.value]
    assert "present" not in app.query_params


def test_presenter_toggle_switches_it_on(app, monkeypatch):
    fake = stroke_canvas(monkeypatch)
    app.run()
    assert app.toggle(key="present").value is False and fake.calls[-1]["width"] == 360
    app.toggle(key="present").set_value(True).run()
    assert fake.calls[-1]["width"] >= 520
    assert app.query_params["present"] == ["1"] or app.query_params["present"] == "1"


# ----------------------------------------------------------------------------- canvas tools


def test_undo_redraws_the_strokes_without_the_last_one(app, monkeypatch):
    fake = stroke_canvas(monkeypatch, strokes=3, image=canvas_drawing(SEVEN))
    app.run()
    assert not app.button(key="undo_canvas").disabled
    key = fake.calls[-1]["key"]
    app.button(key="undo_canvas").click().run()
    first = fake.calls[-1]["initial_drawing"]
    assert [o["n"] for o in first["objects"]] == [0, 1]
    assert fake.calls[-1]["key"] == key and fake.calls[-1]["drawing_mode"] == "freedraw"
    app.button(key="undo_canvas").click().run()
    second = fake.calls[-1]["initial_drawing"]
    assert [o["n"] for o in second["objects"]] == [0] and second != first
    app.button(key="undo_canvas").click().run()
    assert fake.calls[-1]["initial_drawing"]["objects"] == []
    # Nothing left: no answer, the hint, and Undo has nothing to take back.
    assert answers(app) == [] and app.button(key="undo_canvas").disabled


def test_eraser_draws_in_the_background_colour_and_pen_switches_back(app, monkeypatch):
    fake = stroke_canvas(monkeypatch, strokes=1, image=canvas_drawing(ONE))
    app.run()
    assert fake.calls[-1]["stroke_color"] == "#FFFFFF"
    app.button_group(key="canvas_tool").set_value("eraser").run()
    assert fake.calls[-1]["stroke_color"] == "#000000" == fake.calls[-1]["background_color"]
    assert fake.calls[-1]["drawing_mode"] == "freedraw"
    app.button_group(key="canvas_tool").set_value("pen").run()
    assert fake.calls[-1]["stroke_color"] == "#FFFFFF"


def test_clear_after_undo_gives_an_empty_fresh_canvas(app, monkeypatch):
    fake = stroke_canvas(monkeypatch, strokes=2, image=canvas_drawing(SEVEN))
    app.run()
    app.button(key="undo_canvas").click().run()
    key = fake.calls[-1]["key"]
    app.button(key="clear_canvas").click().run()
    assert fake.calls[-1]["key"] != key and fake.calls[-1]["initial_drawing"] is None


def test_the_toolbar_of_the_component_is_hidden_and_tools_are_finger_sized(app, monkeypatch):
    stroke_canvas(monkeypatch)
    app.run()
    page = html_of(app)
    assert ".dc-toolbar { display: none !important; }" in page
    assert "min-height: 48px" in page
    assert app.slider(key="pen_size").value == 20


# ----------------------------------------------------------------------------- uploads


def _upload(at: AppTest, key: str, files) -> AppTest:
    at.file_uploader(key=key).set_value([(n, d, "application/octet-stream") for n, d in files])
    return at.run()


def test_several_labelled_uploads_are_marked_right_or_wrong_and_open(app):
    app.run()
    seven, one = encode(paper_digit(SEVEN)), encode(paper_digit(ONE))
    _upload(app, "uploads", [("7-01.png", seven), ("3-01.png", one), ("photo.png", seven)])
    assert not app.exception
    df = app.dataframe[0].value
    assert list(df["right"]) == ["✓", "✗", ""] and list(df["true digit"]) == ["7", "3", ""]
    assert all(s.startswith(">") or s.endswith("%") for s in df["sure"])
    assert "100%" not in list(df["sure"])
    app.button(key="open_upload_0").click().run()
    assert not app.exception
    # The dialog: the picture with its box, the big answer and the steps of that one file.
    assert "7" in [a.rstrip("?") for a in answers(app)]
    assert any(e.label == "How the computer sees it" for e in app.expander)


def test_remove_all_empties_the_uploader(app):
    app.run()
    _upload(app, "uploads", [("a.png", encode(paper_digit(SEVEN))), ("b.png", encode(paper_digit(ONE)))])
    assert app.dataframe
    app.button(key="remove_uploads").click().run()
    assert not app.exception
    assert not app.dataframe and answers(app) == []
    assert any("Upload a photo" in i.value for i in app.info)
    assert app.file_uploader(key="uploads-1").value in (None, [])


# ----------------------------------------------------------------------------- names


def test_home_page_is_named_and_the_tab_title_has_the_app_name(app, monkeypatch):
    stroke_canvas(monkeypatch)
    app.run()
    assert not app.exception
    # st.navigation runs the home page: the sidebar model picker still says "Default model".
    assert app.sidebar.selectbox(key="home_model").options[0] == "Default model"


def test_the_number_canvas_has_the_same_tools_kept_apart(app, monkeypatch):
    fake = stroke_canvas(monkeypatch, strokes=3, image=canvas_drawing(SEVEN))
    app.run()
    app.segmented_control(key="home_mode").set_value("Number").run()
    assert not app.exception
    assert fake.calls[-1]["width"] == 720 and fake.calls[-1]["key"].startswith("number-canvas-")
    key = fake.calls[-1]["key"]
    app.button(key="undo_number_canvas").click().run()
    assert [o["n"] for o in fake.calls[-1]["initial_drawing"]["objects"]] == [0, 1]
    assert fake.calls[-1]["key"] == key
    app.button_group(key="number_canvas_tool").set_value("eraser").run()
    assert fake.calls[-1]["stroke_color"] == "#000000"
    app.slider(key="number_pen_size").set_value(30).run()
    assert fake.calls[-1]["stroke_width"] == 30
    app.button(key="clear_number_canvas").click().run()
    assert fake.calls[-1]["key"] != key and fake.calls[-1]["initial_drawing"] is None
    # The single-digit canvas kept its own state.
    assert "canvas_initial" not in app.session_state or app.session_state["canvas_initial"] is None
