"""Issue 12 on the training page (AppTest): settings kept after a run, "Train again", a live per-batch
loss curve, one validation and one test figure with the data each uses, and plurals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from digitcore.insight import training_view as tv
from digitcore.training.jobs import MANAGER

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "pages" / "1_Train_a_network.py")
TIMEOUT = 180
WAIT_S = 600


@pytest.fixture
def runs(tmp_path, monkeypatch, small_mnist_npz, default_model_path):
    folder = tmp_path / "models"
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    assert not MANAGER.is_busy()
    yield folder
    MANAGER.stop()
    MANAGER.wait(WAIT_S)


def texts(at: AppTest) -> str:
    return "\n".join(p.value for p in [*at.markdown, *at.info, *at.success, *at.warning, *at.caption])


def test_settings_survive_a_run_and_train_again_reuses_them(runs):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    at.selectbox(key="train_preset").set_value("tf-tutorial-cnn").run()
    at.number_input(key="train:tf-tutorial-cnn:epochs").set_value(1)
    at.number_input(key="train:tf-tutorial-cnn:subset").set_value(300)
    at.run()
    at.button(key="train_start").click().run()
    assert not at.exception
    # While it trains, the form is folded away but still there, without a Start button.
    assert not any(b.key == "train_start" for b in at.button)
    first = MANAGER.wait(WAIT_S)
    assert first.status == "finished", first.error
    at.run()
    assert not at.exception
    # The settings are what they were, not the preset's defaults.
    assert at.selectbox(key="train_preset").value == "tf-tutorial-cnn"
    assert at.number_input(key="train:tf-tutorial-cnn:epochs").value == 1
    assert at.number_input(key="train:tf-tutorial-cnn:subset").value == 300
    # A live per-batch loss curve beside the three per-epoch charts; a 1-epoch run is more than a dot.
    assert len(at.get("vega_lite_chart")) == 4
    assert len(first.batch_history) >= 2
    page = texts(at)
    assert "**Validation** accuracy is measured after every epoch on" in page and "10,000" in page
    assert "Test accuracy: it gets" in page

    at.button(key="train_again_button").click().run()
    assert not at.exception
    second = MANAGER.wait(WAIT_S)
    assert second.status == "finished" and second.name != first.name, second.error
    meta = json.loads((runs / f"{second.name}.json").read_text())
    assert meta["config"]["epochs"] == 1 and meta["config"]["subset"] == 300


def test_stopped_headline_counts_epochs_in_words():
    class State:
        name, status, epochs_done, meta, elapsed_s, error = "r", "stopped", 1, {"test_accuracy": 0.9}, 3.0, None

    kind, text = tv.status_headline(State())
    assert kind == "warning" and "after 1 finished epoch." in text and "epoch(s)" not in text
    State.epochs_done = 2
    assert "after 2 finished epochs." in tv.status_headline(State())[1]
