"""The training page (pages/1_Train_a_network.py) driven headless with Streamlit's AppTest.

Runs go to a temporary models folder ($DIGITCORE_MODELS_DIR) and read the 2,000-image MNIST
slice ($DIGITCORE_MNIST); the trainings are tiny. The page shares digitcore.training.jobs.MANAGER with the
whole process, so every test leaves it idle.
"""

from __future__ import annotations

import json
import sys
import threading
import types
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from digitcore.training.jobs import MANAGER
from digitcore.training.presets import PRESETS, get_preset

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "pages" / "1_Train_a_network.py")
APP = str(REPO / "app.py")
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


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()


def name_box(at: AppTest):
    return next(t for t in at.text_input if t.key.startswith("train:name:"))


def texts(at: AppTest) -> str:
    parts = [*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption]
    return "\n".join(p.value for p in parts)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def choose(at: AppTest, preset: str, epochs: int, subset: int) -> None:
    at.selectbox(key="train_preset").set_value(preset).run()
    at.number_input(key=f"train:{preset}:epochs").set_value(epochs)
    at.number_input(key=f"train:{preset}:subset").set_value(subset)
    at.run()


def test_form_shows_every_preset_with_its_parameter_count(runs):
    at = page()
    assert not at.exception
    assert at.title[0].value.endswith("Train a network")
    for name, preset in PRESETS.items():
        at.selectbox(key="train_preset").set_value(name).run()
        assert not at.exception, name
        assert metric(at, "Parameters") == f"{preset.params:,}", name
        assert name_box(at).value == name, "a free run name is suggested"
    # Every kind of option is on the page: training, augmentation, each callback.
    for key in ("epochs", "batch", "opt", "lr", "seed", "aug", "rot", "zoom", "shift", "thick", "es", "rlr", "ckpt"):
        assert any(w.key == f"train:custom:{key}" for w in at.main), key
    assert "CSVLogger" in texts(at)
    assert not at.button(key="train_start").disabled


def test_custom_design_updates_the_model_summary(runs):
    from digitcore.model.architectures import build_custom

    at = page()
    at.selectbox(key="train_preset").set_value("custom").run()
    at.number_input(key="train:custom:blocks").set_value(1)
    at.select_slider(key="train:custom:filters").set_value(8)
    at.toggle(key="train:custom:bn").set_value(False)
    at.run()
    expected = build_custom({"conv_blocks": 1, "filters": 8, "batch_norm": False}).count_params()
    assert metric(at, "Parameters") == f"{expected:,}"
    layers = at.dataframe[-1].value  # the form's summary (a finished job's table may come first)
    assert list(layers.columns) == ["Layer", "Type", "Output shape", "Parameters"]
    assert layers["Parameters"].sum() == expected and "(14, 14, 8)" in set(layers["Output shape"])


@pytest.mark.parametrize("bad, message", [("../../etc/passwd", "only use letters"), ("default", "read-only"),
                                          ("LPT1", "reserved"), ("", "Give the run a name")])
def test_unsafe_run_names_are_refused_before_anything_starts(runs, bad, message):
    at = page()
    name_box(at).set_value(bad).run()
    assert any(message in e.value for e in at.error)
    assert at.button(key="train_start").disabled
    assert MANAGER.snapshot() is None or not MANAGER.is_busy()


def test_existing_run_is_replaced_only_when_ticked(runs):
    runs.mkdir()
    (runs / "mine.keras").write_bytes(b"old")
    at = page()
    name_box(at).set_value("mine").run()
    assert at.button(key="train_start").disabled
    assert any("Choose another name" in w.value for w in at.warning)
    at.checkbox(key="train:overwrite:mine").check().run()
    assert not at.button(key="train_start").disabled


def test_tiny_training_from_the_page_lands_in_the_model_picker(runs, monkeypatch):
    at = page()
    choose(at, "tf-tutorial-cnn", epochs=1, subset=500)
    name_box(at).set_value("page-run").run()
    at.button(key="train_start").click().run()
    assert not at.exception
    state = MANAGER.wait(WAIT_S)
    assert state.status == "finished" and state.name == "page-run", state.error
    at.run()
    assert any("page-run" in s.value and "finished training" in s.value for s in at.success)
    assert metric(at, "Epochs done") == "1 / 1"
    assert len(at.get("vega_lite_chart")) == 4, "per-batch loss, then loss, accuracy and learning-rate charts"
    meta = json.loads((runs / "page-run.json").read_text())
    assert meta["status"] == "finished" and meta["config"]["subset"] == 500 and meta["config"]["epochs"] == 1
    assert (runs / "page-run.keras").exists() and (runs / "page-run.csv").exists()
    assert name_box(at).value != "page-run", "the next run gets a fresh name"

    # The home page's model picker lists it right away (the list is read on every run, not cached).
    fake = types.ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda **kw: SimpleNamespace(json_data={"objects": []}, image_data=None)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    home = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "page-run" in home.sidebar.selectbox(key="home_model").options


def test_stop_button_ends_the_training_and_keeps_the_log(runs):
    at = page()
    choose(at, "tf-tutorial-cnn", epochs=60, subset=2000)
    name_box(at).set_value("stopped-run").run()
    at.button(key="train_start").click().run()
    snap = MANAGER.snapshot()
    assert snap.active and snap.name == "stopped-run"
    # The starter's page shows the live view with a Stop button, and no Start button.
    assert not any(b.key == "train_start" for b in at.button)
    at.button(key="train_stop").click().run()
    state = MANAGER.wait(WAIT_S)
    assert state.status == "stopped" and state.epochs_done < 60
    at.run()
    assert any("was stopped" in w.value for w in at.warning)
    meta = json.loads((runs / "stopped-run.json").read_text())
    assert meta["status"] == "stopped" and (runs / "stopped-run.csv").exists()


def test_other_visitors_watch_instead_of_starting(runs, small_mnist_npz):
    release = threading.Event()

    def hold(ev):  # keeps the job 'running' while this visitor looks at the page
        if ev["type"] == "start":
            release.wait(WAIT_S)

    cfg = get_preset("tf-tutorial-cnn").config(name="someone-else", epochs=1, subset=300)
    MANAGER.start(cfg, out_dir=runs, owner="Table 3", listener=hold)
    try:
        deadline = threading.Event()
        for _ in range(600):  # until the job has built its model
            if MANAGER.snapshot().status == "running":
                break
            deadline.wait(0.5)
        at = page()
        assert not at.exception
        assert any("A training is running" in i.value and "Table 3" in i.value for i in at.info)
        assert not any(b.key == "train_start" for b in at.button), "no Start button while someone trains"
        assert not any(b.key == "train_stop" for b in at.button), "only the starter (or the teacher) may stop it"
        assert "someone-else" in texts(at) and metric(at, "Epochs done") == "0 / 1"
        at.checkbox(key="train_allow_stop").check().run()
        at.button(key="train_stop").click().run()
        assert MANAGER.snapshot().status == "stopping"
    finally:
        release.set()
    assert MANAGER.wait(WAIT_S).status == "stopped"
    at.run()
    assert any(b.key == "train_start" for b in at.button), "the Start button is back once it has ended"


def test_start_while_someone_else_trains_says_so(runs):
    at = page()  # rendered while the server was idle: the Start button is there
    release = threading.Event()
    cfg = get_preset("tf-tutorial-cnn").config(name="was-first", epochs=1, subset=300)
    MANAGER.start(cfg, out_dir=runs, owner="Ben", listener=lambda ev: ev["type"] != "start" or release.wait(WAIT_S))
    try:
        at.button(key="train_start").click().run()
        assert not at.exception
        assert any("A training is running" in i.value and "was-first" in i.value for i in at.info)
        assert not any(b.key == "train_start" for b in at.button)
    finally:
        release.set()
    assert MANAGER.wait(WAIT_S).name == "was-first"
