"""The training page's "add the class's drawings" option (issue 14): teacher key only, before/after shown."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_train_page import PAGE, TIMEOUT, WAIT_S, choose, name_box

from digitcore.storage.class_store import ClassStore
from digitcore.training.jobs import MANAGER


@pytest.fixture
def class_runs(tmp_path, monkeypatch, small_mnist_npz, default_model_path, mnist):
    folder = tmp_path / "models"
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DIGITCORE_DB_URL", raising=False)
    monkeypatch.delenv("DIGITCORE_TEACHER_KEY", raising=False)
    # 200 "class drawings": MNIST test digits shifted right by 4 pixels (a class that writes off-centre).
    x = np.roll(mnist.x_test[:200], 4, axis=2)
    ClassStore(f"sqlite:///{tmp_path / 'data' / 'class.sqlite'}").import_arrays(x, mnist.y_test[:200])
    assert not MANAGER.is_busy()
    yield folder
    MANAGER.stop()
    MANAGER.wait(WAIT_S)


def test_without_a_teacher_key_the_option_is_command_line_only(class_runs):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("--class-data" in c.value for c in at.caption)
    assert not any(c.key == "train_class_data" for c in at.checkbox)


def test_teacher_trains_with_the_class_drawings_and_sees_before_and_after(class_runs, monkeypatch):
    monkeypatch.setenv("DIGITCORE_TEACHER_KEY", "class-key")
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert at.checkbox(key="train_class_data").disabled
    at.text_input(key="train_teacher_key").input("nope").run()
    assert any("not the teacher key" in e.value for e in at.error)
    at.text_input(key="train_teacher_key").input("class-key").run()
    at.checkbox(key="train_class_data").check().run()
    choose(at, "tf-tutorial-cnn", epochs=1, subset=300)
    name_box(at).set_value("with-class").run()
    at.button(key="train_start").click().run()
    assert not at.exception
    state = MANAGER.wait(WAIT_S)
    assert state.status == "finished", state.error
    at.run()
    meta = json.loads((class_runs / "with-class.json").read_text())
    cd = meta["class_data"]
    assert cd["held_out_drawings"] + cd["train_drawings"] == 200
    labels = {m.label: m.value for m in at.metric}
    assert labels["Class drawings before (default)"] == f"{cd['before']['accuracy']:.1%}"
    assert labels["After this run"] == f"{cd['after']['accuracy']:.1%}"
