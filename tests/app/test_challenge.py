"""Challenge mode and "Was I right?" on the home page (issue 14), with AppTest and a real SQLite class store.

The canvas is the fake from ``test_app.py`` (AppTest can't draw); the page code, the model and the
database are real. Saves run in background threads, so the tests wait for the rows to appear.
"""

from __future__ import annotations

import socket
import time

import pytest
from hostile_corpus import SEVEN, canvas_drawing
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, answers, fake_canvas

from digitcore.storage.class_store import ClassStore


@pytest.fixture
def home(default_model_path, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DIGITCORE_DB_URL", raising=False)
    fake_canvas(monkeypatch, canvas_drawing(SEVEN))
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def stored(tmp_path, n: int, timeout: float = 60.0) -> ClassStore:
    """The class store once it holds ``n`` drawings (the page saves in the background)."""
    store = ClassStore(f"sqlite:///{tmp_path / 'data' / 'class.sqlite'}")
    deadline = time.monotonic() + timeout
    while store.count() < n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert store.count() == n
    return store


def prompt_digit(at: AppTest) -> int:
    text = next(md.value for md in at.markdown if 'aria-label="challenge"' in md.value)
    return int(text.split("<b", 1)[1].split(">", 1)[1].split("<", 1)[0])


def test_a_challenge_round_saves_ten_labelled_drawings_and_keeps_score(home, tmp_path):
    home.run()
    assert not home.exception
    home.toggle(key="challenge_on").set_value(True).run()
    asked = []
    for i in range(10):
        assert answers(home) == ["7"]  # the answer comes first; saving waits for the button
        digit = prompt_digit(home)
        assert f"digit {i + 1} of 10" in next(md.value for md in home.markdown if "challenge" in md.value)
        asked.append(digit)
        home.button(key="challenge_next").click().run()
        assert not home.exception
    assert sorted(asked) == list(range(10))  # a shuffled round of ten
    store = stored(tmp_path, 10)
    rows = store.list(newest_first=False)
    assert [r.label for r in rows] == asked
    assert {r.source for r in rows} == {"challenge"} and {r.model for r in rows} == {"default"}
    assert all(r.predicted == 7 and 0 < r.confidence <= 1 and r.png for r in rows)
    right = sum(r.correct for r in rows)
    assert any(f"I got **{right} of 10**" in s.value for s in home.success)
    home.button(key="challenge_again").click().run()
    assert "digit 1 of 10" in next(md.value for md in home.markdown if 'aria-label="challenge"' in md.value)


def test_was_i_right_saves_a_confirmation_and_a_correction(home, tmp_path):
    home.run()
    assert answers(home) == ["7"]
    assert any("Was I right?" in md.value for md in home.markdown)
    home.button(key="right_yes").click().run()
    assert any("Saved as a 7" in c.value for c in home.caption)
    store = stored(tmp_path, 1)
    first = store.list()[0]
    assert (first.label, first.predicted, first.source, first.correct) == (7, 7, "correction", True)

    home.button(key="clear_canvas").click().run()  # a new drawing (the fake canvas draws the 7 again)
    assert not any(b.key == "right_fix_7" for b in home.button), "the answer itself is not offered as a fix"
    home.button(key="right_fix_1").click().run()
    store = stored(tmp_path, 2)
    newest = store.list()[0]
    assert (newest.label, newest.predicted, newest.source, newest.correct) == (1, 7, "correction", False)


def test_recognition_keeps_working_when_the_database_is_unreachable(home, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DIGITCORE_DB_URL", f"postgresql+psycopg://nobody@127.0.0.1:{port}/none")
    home.run()
    assert answers(home) == ["7"]
    home.button(key="right_yes").click().run()
    assert not home.exception
    assert answers(home) == ["7"]
    warning = " ".join(w.value for w in home.warning)
    assert "not saved yet" in warning and "can't be reached" in warning
    home.button(key="class_retry").click().run()  # still down: still kept, still said
    assert "not saved yet" in " ".join(w.value for w in home.warning)


def test_the_challenge_link_opens_challenge_mode_and_the_switch_keeps_the_address(home, tmp_path):
    home.query_params["challenge"] = "1"
    home.run()  # one run: the student is asked for a digit at once, no switch to flip
    assert not home.exception
    assert home.toggle(key="challenge_on").value is True
    assert "Draw a" in next(md.value for md in home.markdown if 'aria-label="challenge"' in md.value)
    home.button(key="challenge_next").click().run()
    assert stored(tmp_path, 1).list()[0].source == "challenge"
    home.toggle(key="challenge_on").set_value(False).run()
    assert "challenge" not in home.query_params
    assert not [md for md in home.markdown if 'aria-label="challenge"' in md.value]
    home.toggle(key="challenge_on").set_value(True).run()
    assert home.query_params["challenge"] in ("1", ["1"])  # a reload keeps the mode


def test_in_challenge_mode_the_presenter_join_code_opens_challenge_mode(home):
    home.query_params["present"] = "1"
    home.run()
    join = next(md.value for md in home.markdown if 'aria-label="join"' in md.value)
    assert "?challenge=1" not in join
    home.toggle(key="challenge_on").set_value(True).run()
    join = next(md.value for md in home.markdown if 'aria-label="join"' in md.value)
    assert "/?challenge=1" in join
