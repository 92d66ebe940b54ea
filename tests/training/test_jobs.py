"""The page's code path: digitcore.training.jobs runs one training at a time in a background thread.

Runs are tiny (the 2,000-image MNIST slice, one or two epochs): they check what is written and
what viewers see, not how well the network learns.
"""

from __future__ import annotations

import json
import threading

import keras
import numpy as np
import pandas as pd
import pytest

from digitcore.storage.datasets import load_mnist_npz
from digitcore.model.inference import load_keras_model
from digitcore.training.jobs import TrainingBusyError, TrainingManager
from digitcore.storage.model_store import list_models
from digitcore.training.presets import get_preset
from digitcore.training.loop import evaluate_arrays

WAIT_S = 600  # generous: the CI machine has 2 cores and may be busy


@pytest.fixture(scope="module")
def small(small_mnist_npz):
    return load_mnist_npz(small_mnist_npz)


@pytest.fixture
def manager():
    m = TrainingManager()
    yield m
    m.stop()
    m.wait(WAIT_S)


@pytest.fixture
def runs(tmp_path, monkeypatch, default_model_path):
    folder = tmp_path / "models"
    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(folder))
    return folder


class Gate:
    """A listener that holds the training at its "start" event until released (deterministic 'running')."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.events: list[dict] = []

    def __call__(self, ev: dict) -> None:
        self.events.append(ev)
        if ev["type"] == "start":
            self.started.set()
            assert self.release.wait(WAIT_S)


def test_short_run_writes_loadable_model_csv_and_json(manager, small, small_mnist_npz, runs):
    cfg = get_preset("tf-tutorial-cnn").config(name="class-run", epochs=1, batch_size=64)
    job_id = manager.start(cfg, data_path=small_mnist_npz, out_dir=runs, owner="Table 3")
    state = manager.wait(WAIT_S)

    assert state.job_id == job_id and state.status == "finished", state.error
    model = load_keras_model(runs / "class-run.keras")
    assert model.count_params() == 121_930
    assert getattr(model, "optimizer", None) is None, "saved without optimizer state"
    log = pd.read_csv(runs / "class-run.csv")
    assert len(log) == 1, "CSVLogger: one row per epoch"
    assert {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(log.columns)

    meta = json.loads((runs / "class-run.json").read_text())
    assert meta["status"] == "finished" and meta["preset"] == "tf-tutorial-cnn" and meta["params"] == 121_930
    assert meta["data"]["sha256"] == small.sha256 and meta["data"]["train_images"] == 2000
    for key in ("epochs", "batch_size", "optimizer", "learning_rate", "validation", "subset", "augment", "seed",
                "early_stopping_patience", "reduce_lr_patience", "checkpoint_best", "architecture"):
        assert key in meta["config"], key
    for key in ("best_val_accuracy", "best_val_loss", "final_val_accuracy", "final_val_loss", "test_accuracy",
                "train_seconds", "started", "created"):
        assert isinstance(meta[key], (int, float, str)), key
    assert meta["epochs_run"] == 1 and 0.0 < meta["test_accuracy"] <= 1.0

    # What every viewer of the page sees.
    assert state.owner == "Table 3" and state.params == 121_930 and len(state.history) == 1
    assert state.summary["total_params"] == 121_930 and state.summary["rows"][-1]["output_shape"] == "(10,)"
    assert state.meta["test_accuracy"] == meta["test_accuracy"]
    # It shows up at once in the model picker, newest first after the default.
    entries = list_models()
    assert [e.name for e in entries[:2]] == ["default", "class-run"] and not entries[1].problem
    assert not [p.name for p in runs.iterdir() if p.name.startswith(".")], "no temporary files left behind"


def test_json_says_running_while_training(manager, small, runs):
    gate = Gate()
    manager.start(get_preset("tf-tutorial-cnn").config(name="live", epochs=1, subset=300), data=small,
                  out_dir=runs, listener=gate)
    assert gate.started.wait(WAIT_S)
    try:
        meta = json.loads((runs / "live.json").read_text())
        assert meta["status"] == "running" and meta["config"]["subset"] == 300
        entry = {e.name: e for e in list_models()}["live"]
        assert entry.meta["status"] == "running" and "still training" in entry.problem
        assert manager.is_busy() and manager.snapshot().status == "running"
    finally:
        gate.release.set()
    assert manager.wait(WAIT_S).status == "finished"
    assert json.loads((runs / "live.json").read_text())["status"] == "finished"


def test_only_one_training_at_a_time(manager, small, runs):
    gate = Gate()
    manager.start(get_preset("tf-tutorial-cnn").config(name="first", epochs=1, subset=200), data=small,
                  out_dir=runs, listener=gate, owner="Ana")
    assert gate.started.wait(WAIT_S)
    try:
        with pytest.raises(TrainingBusyError, match="'first'.*Ana"):
            manager.start(get_preset("digitnet").config(name="second", epochs=1), data=small, out_dir=runs)
        assert not (runs / "second.json").exists()
    finally:
        gate.release.set()
    manager.wait(WAIT_S)
    manager.start(get_preset("tf-tutorial-cnn").config(name="second", epochs=1, subset=200), data=small, out_dir=runs)
    assert manager.wait(WAIT_S).status == "finished"


@pytest.mark.parametrize(
    "overrides, message",
    [({"epochs": 0}, "Epochs"), ({"batch_size": 0}, "Batch size"), ({"learning_rate": -1.0}, "Learning rate"),
     ({"validation": 0.7}, "Validation"), ({"subset": 10}, "subset"), ({"name": "../x"}, "letters"),
     ({"name": "default"}, "read-only"), ({"early_stopping_monitor": "loss"}, "val_loss"),
     ({"architecture": {"filters": 8}}, "only to the 'custom' preset")],
)
def test_invalid_options_are_refused_before_anything_starts(manager, small, runs, overrides, message):
    cfg = get_preset("tf-tutorial-cnn").config(**overrides)
    with pytest.raises(ValueError, match=message):
        manager.start(cfg, data=small, out_dir=runs)
    assert manager.snapshot() is None and not runs.exists()


def test_existing_run_needs_an_explicit_overwrite(manager, small, runs):
    runs.mkdir()
    (runs / "taken.keras").write_bytes(b"precious")
    cfg = get_preset("tf-tutorial-cnn").config(name="taken", epochs=1, subset=200)
    with pytest.raises(FileExistsError, match="already exists"):
        manager.start(cfg, data=small, out_dir=runs)
    assert (runs / "taken.keras").read_bytes() == b"precious" and manager.snapshot() is None
    manager.start(cfg, data=small, out_dir=runs, overwrite=True)
    assert manager.wait(WAIT_S).status == "finished"
    assert load_keras_model(runs / "taken.keras").count_params() == 121_930


def test_stop_really_stops_after_the_current_batch(manager, small, runs):
    batches = []

    def listener(ev):
        if ev["type"] == "batch":
            batches.append((ev["epoch"], ev["batch"]))
            if len(batches) == 4:
                manager.stop(by="test")

    cfg = get_preset("tf-tutorial-cnn").config(name="halted", epochs=20, batch_size=32)
    manager.start(cfg, data=small, out_dir=runs, listener=listener)
    state = manager.wait(WAIT_S)
    assert state.status == "stopped"
    assert batches == [(1, 1), (1, 2), (1, 3), (1, 4)], "no batch may run after the one during which Stop came"
    meta = json.loads((runs / "halted.json").read_text())
    assert meta["status"] == "stopped" and meta["epochs_run"] == 0
    assert (runs / "halted.keras").exists() and (runs / "halted.csv").exists()
    assert any(m["source"] == "Stop" for m in state.messages)


def test_stop_keeps_the_best_checkpoint_and_the_finished_epochs(manager, small, runs):
    """Stopped in epoch 3 of a run with ModelCheckpoint: the saved model is the best of epochs 1-2."""
    stop_at = (3, 5)

    def listener(ev):
        if ev["type"] == "batch" and (ev["epoch"], ev["batch"]) == stop_at:
            manager.stop()

    cfg = get_preset("tf-tutorial-cnn").config(name="best", epochs=6, batch_size=64, checkpoint_best=True,
                                               checkpoint_monitor="val_accuracy", subset=1000, validation=0.2)
    manager.start(cfg, data=small, out_dir=runs, listener=listener)
    state = manager.wait(WAIT_S)
    assert state.status == "stopped"
    log = pd.read_csv(runs / "best.csv")
    assert list(log["epoch"]) == [0, 1], "the half-done third epoch is not logged as if it were complete"
    meta = json.loads((runs / "best.json").read_text())
    assert meta["saved_from"]["weights"] == "best checkpoint"
    best_acc = float(log["val_accuracy"].max())
    assert meta["saved_from"]["value"] == pytest.approx(best_acc)
    x_val, y_val = small.x_train[800:1000], small.y_train[800:1000]
    _, acc = evaluate_arrays(load_keras_model(runs / "best.keras"), x_val, y_val)
    assert acc == pytest.approx(best_acc, abs=1e-6), "the saved weights are the best checkpoint's"
    assert [m["source"] for m in state.messages].count("ModelCheckpoint") >= 1


def test_early_stopping_ends_the_run_and_says_so(manager, small, runs):
    # min_delta 1.0: no epoch after the first can count as better, so patience 1 stops after epoch 2.
    cfg = get_preset("tf-tutorial-cnn").config(name="early", epochs=6, subset=500, early_stopping_patience=1,
                                               early_stopping_min_delta=1.0)
    manager.start(cfg, data=small, out_dir=runs)
    state = manager.wait(WAIT_S)
    assert state.status == "finished" and len(state.history) == 2
    said = [m["message"] for m in state.messages if m["source"] == "EarlyStopping"]
    assert len(said) == 1 and "early stop" in said[0] and "epoch 1" in said[0]
    meta = json.loads((runs / "early.json").read_text())
    assert meta["epochs_run"] == 2 and meta["saved_from"]["epoch"] == 1
    assert meta["callback_messages"][-1]["callback"] == "EarlyStopping"


def test_announcer_words_learning_rate_cuts_and_new_bests():
    from types import SimpleNamespace

    from digitcore.training.loop import _make_announcer

    said = []
    reduce_lr = SimpleNamespace(monitor="val_loss", patience=2)
    checkpoint = SimpleNamespace(monitor="val_accuracy", best=None)
    announcer = _make_announcer(said.append, reduce_lr, None, checkpoint)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    announcer.set_model(model)

    announcer.on_epoch_begin(0)
    checkpoint.best = 0.9
    announcer.on_epoch_end(0, {})
    announcer.on_epoch_begin(1)
    model.optimizer.learning_rate.assign(5e-4)  # what ReduceLROnPlateau does at the end of an epoch
    announcer.on_epoch_end(1, {})
    assert [e["callback"] for e in said] == ["ModelCheckpoint", "ReduceLROnPlateau"]
    assert "new best val_accuracy 90.00%" in said[0]["message"]
    assert "1.00e-03 to 5.00e-04" in said[1]["message"] and said[1]["epoch"] == 2


def test_keras_clear_session_waits_while_a_job_trains(manager, small, runs):
    """Streamlit calls keras.backend.clear_session() after every rerun; it must not hit a running training."""
    from keras.src.backend.common import global_state

    gate = Gate()
    manager.start(get_preset("tf-tutorial-cnn").config(name="guarded", epochs=1, subset=200), data=small,
                  out_dir=runs, listener=gate)
    assert gate.started.wait(WAIT_S)
    try:
        global_state.set_global_attribute("digitcore_probe", 1)
        keras.backend.clear_session()
        assert global_state.get_global_attribute("digitcore_probe") == 1
    finally:
        gate.release.set()
    manager.wait(WAIT_S)
    keras.backend.clear_session()
    assert global_state.get_global_attribute("digitcore_probe") is None


def test_data_problem_is_reported_as_a_failed_job(manager, runs, tmp_path):
    manager.start(get_preset("tf-tutorial-cnn").config(name="nodata", epochs=1), data_path=tmp_path / "nope.npz",
                  out_dir=runs)
    state = manager.wait(WAIT_S)
    assert state.status == "failed" and "not found" in state.error
    assert not np.any([p.suffix == ".keras" for p in runs.glob("*")]) if runs.exists() else True


def test_forget_finished_only_forgets_a_job_that_ended(manager, runs, small):
    assert manager.forget_finished() is False and manager.snapshot() is None
    manager.start(get_preset("tf-tutorial-cnn").config(name="gone", epochs=1, subset=200), data=small,
                  out_dir=runs)
    assert manager.forget_finished() is False, "a running job is never forgotten"
    assert manager.wait(120).status == "finished"
    assert manager.forget_finished() is True and manager.snapshot() is None
    assert (runs / "gone.keras").exists(), "only the message is forgotten, not the run"
