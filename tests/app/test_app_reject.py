"""The home page with a model that can say "not a digit" (the session's tiny 11-class model, put in
a tmp models folder and picked in the sidebar): drawings and uploads of letters and shapes."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitcore.model.predictor import Predictor
from digitcore.synthetic.hard_sets import iter_hard_samples
from hostile_corpus import SEVEN, canvas_drawing, encode, paper_digit

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TIMEOUT = 180


@pytest.fixture(scope="module")
def declined_drawings(reject_model_path):
    """Canvas drawings (letters, shapes) the tiny model declines, and its best guesses for them."""
    predictor = Predictor.load(reject_model_path)
    out = []
    for s in iter_hard_samples("non_digits", "canvas", 30, 515, ("letter", "shape")):
        p = predictor.predict(s.image, keep_steps=False)
        if p.reason == "not_a_digit":
            out.append((s, p.best_guess))
    assert len(out) >= 10
    return out


@pytest.fixture
def reject_app(reject_model_path, monkeypatch, tmp_path):
    runs = tmp_path / "models"
    runs.mkdir()
    for suffix in (".keras", ".json"):
        shutil.copy(reject_model_path.with_suffix(suffix), runs / f"rejecter{suffix}")
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(runs))
    return AppTest.from_file(APP, default_timeout=TIMEOUT), runs / "rejecter.keras"


def _canvas(monkeypatch, image: np.ndarray) -> None:
    module = types.ModuleType("streamlit_drawable_canvas")
    module.st_canvas = lambda **kw: SimpleNamespace(json_data={"objects": [{"type": "path"}]}, image_data=image)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)


def _answers(at: AppTest) -> list[str]:
    return [md.value.split('aria-label="answer">', 1)[1].split("</div>", 1)[0]
            for md in at.markdown if 'class="dc-answer' in md.value]


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_a_drawn_letter_gets_that_does_not_look_like_a_digit(reject_app, monkeypatch, declined_drawings):
    at, model = reject_app
    sample, best = declined_drawings[0]
    _canvas(monkeypatch, sample.image)
    at.run()
    at.sidebar.selectbox(key="home_model").set_value(str(model)).run()
    assert not at.exception
    text = _texts(at)
    assert "That doesn't look like a digit." in text
    assert f"My best guess would be {best}." in text
    assert _answers(at) == ["✗"]
    assert any("doesn't look like a digit" in c.value for c in at.sidebar.caption)
    assert not any("not sure" in m.value for m in at.markdown)


def test_a_drawn_digit_is_still_answered_by_the_rejecting_model(reject_app, monkeypatch):
    at, model = reject_app
    _canvas(monkeypatch, canvas_drawing(SEVEN))
    at.run()
    at.sidebar.selectbox(key="home_model").set_value(str(model)).run()
    assert not at.exception
    assert [a.rstrip("?") for a in _answers(at)] == ["7"]
    assert not any("That doesn't look like a digit." in md.value for md in at.markdown)


def test_uploads_of_non_digits_say_so_alone_and_in_the_table(reject_app, monkeypatch, declined_drawings):
    at, model = reject_app
    _canvas(monkeypatch, None)
    at.run()
    at.sidebar.selectbox(key="home_model").set_value(str(model)).run()
    star, best = declined_drawings[1]
    at.file_uploader(key="uploads").set_value([("star.png", star.encoded, "image/png")])
    at.run()
    assert not at.exception and not at.warning
    assert "That doesn't look like a digit." in _texts(at) and f"My best guess would be {best}." in _texts(at)

    files = [("star.png", star.encoded), ("seven.png", encode(paper_digit(SEVEN)))]
    at.file_uploader(key="uploads").set_value([(n, d, "image/png") for n, d in files])
    at.run()
    assert not at.exception
    (table,) = at.dataframe
    df = table.value
    assert list(df["digit"]) == ["-", "7"]
    assert df["message"].iloc[0] == f"doesn't look like a digit (best guess {best})"
    assert any("1 not a digit" in m.value for m in at.markdown)
