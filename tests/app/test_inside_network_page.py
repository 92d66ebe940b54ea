"""The "Inside the network" panel with AppTest: home page (drawing and upload), Top errors, Confusion matrix.

The canvas is the same stand-in as in test_app.py (AppTest cannot draw); the panel's code runs unchanged.
MNIST is the small 2,000-digit sample so that the look-alike index builds in seconds.
"""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from hostile_corpus import SEVEN, canvas_drawing, encode, paper_digit

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TOP_ERRORS = str(REPO / "pages" / "4_Top_errors.py")
CONFUSION = str(REPO / "pages" / "3_Confusion_matrix.py")
TIMEOUT = 240


def fake_canvas(monkeypatch, image) -> None:
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = lambda **kw: SimpleNamespace(json_data={"objects": [{"type": "path"}]}, image_data=image)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)


@pytest.fixture
def env(tmp_path, monkeypatch, small_mnist_npz, default_model_path):
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def captions(at: AppTest) -> list[str]:
    return [c for img in at.image for c in img.captions]


def wait_for_index(predictor_path: Path | None = None) -> None:
    from digitcore import Predictor
    from digitcore.model.neighbours import BUILDS, find_mnist

    mnist, why = find_mnist()
    assert mnist is not None, why
    BUILDS.wait(Predictor.load(predictor_path), mnist, timeout=300)


def test_panel_opens_on_demand_for_a_drawing(env, monkeypatch):
    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    assert "Which pixels mattered" not in markdown(at)  # closed: the answer alone, as fast as before
    toggle = at.toggle(key="draw_inside")
    assert toggle.label == "Inside the network" and toggle.value is False
    toggle.set_value(True)
    ok(at.run())
    text = markdown(at)
    assert "Which pixels mattered" in text and "What each layer notices" in text
    assert "It looks most like these training digits" in text
    image_captions = captions(at)
    assert "These pixels made it a 7" in image_captions
    assert any(c.startswith("What still looked like a") for c in image_captions)
    assert text.count("**Layer ") == 7  # every convolution of the default model, with its words
    assert "edges" in text
    wait_for_index()
    ok(at.run())
    image_captions = captions(at)
    alike = [c for c in image_captions if "alike" in c]
    assert len(alike) == 8 and sum(c.startswith("7 ") for c in alike) >= 5
    assert any("2,000 test digits" in m for m in [m.value for m in at.markdown])
    assert len(at.get("arrow_vega_lite_chart")) >= 2 or len(at.get("vega_lite_chart")) >= 2  # answer + map


def test_panel_for_an_upload_and_without_mnist(env, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITCORE_MNIST", str(tmp_path / "missing.npz"))
    at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.file_uploader(key="uploads").set_value([("seven.png", encode(paper_digit(SEVEN)), "image/png")])
    ok(at.run())
    at.toggle(key="upload_inside").set_value(True)
    ok(at.run())
    assert "Which pixels mattered" in markdown(at)
    assert any("No MNIST" in i.value or "MNIST file not found" in i.value for i in at.info)


def test_top_errors_and_confusion_pages_open_the_view_for_a_listed_image(env, monkeypatch, default_model_path):
    models = env / "models"
    models.mkdir()
    wait_for_index(default_model_path)
    at = ok(AppTest.from_file(TOP_ERRORS, default_timeout=TIMEOUT).run())
    box = at.selectbox(key="te_inspect")
    assert "read as" in box.options[0]
    box.set_value(len(box.options) - 1)  # the default model gets only a few of the 500 sample digits wrong
    at.toggle(key="te_insp_inside").set_value(True)
    ok(at.run())
    text = markdown(at)
    assert "Which pixels mattered" in text and "It looks most like these training digits" in text
    cm = ok(AppTest.from_file(CONFUSION, default_timeout=TIMEOUT).run())
    cm.toggle(key="cm_insp_inside").set_value(True)
    ok(cm.run())
    assert "What each layer notices" in markdown(cm)


def test_an_open_panel_stays_open_after_clear_and_a_broken_model(env, monkeypatch, default_model_path):
    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    models = env / "models"
    models.mkdir()
    (models / "scribbles.keras").write_bytes(b"not a model")
    at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.toggle(key="draw_inside").set_value(True)
    ok(at.run())
    selector = at.sidebar.selectbox(key="home_model")
    selector.set_value(str(models / "scribbles.keras"))
    ok(at.run())
    assert "Which pixels mattered" not in markdown(at)  # no model, no panel
    at.sidebar.selectbox(key="home_model").set_value(str(default_model_path))
    ok(at.run())
    assert at.toggle(key="draw_inside").value is True and "Which pixels mattered" in markdown(at)
