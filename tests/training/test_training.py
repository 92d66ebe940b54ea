"""Training through the same code path as the page and the CLI, on a small slice of MNIST."""

import json
import threading

import keras
import numpy as np
import pandas as pd
import pytest

from digitcore.training.augment import AugmentConfig
from digitcore.storage.datasets import load_mnist_npz
from digitcore.model.inference import load_keras_model
from digitcore.training.presets import get_preset
from digitcore.training.config import TrainConfig
from digitcore.training.loop import train


@pytest.fixture(scope="module")
def small(small_mnist_npz):
    return load_mnist_npz(small_mnist_npz)


def test_short_run_writes_model_log_and_metadata(small, tmp_path):
    events = []
    cfg = get_preset("tf-tutorial-cnn").config(name="tiny", epochs=2, batch_size=64, validation=0.1)
    result = train(cfg, small, tmp_path, on_event=events.append)

    assert result.status == "finished"
    model = load_keras_model(tmp_path / "tiny.keras")
    assert model.count_params() == 121_930
    log = pd.read_csv(tmp_path / "tiny.csv")
    assert len(log) == 2 and {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"} <= set(log.columns)
    meta = json.loads((tmp_path / "tiny.json").read_text())
    assert meta["status"] == "finished" and meta["params"] == 121_930
    assert meta["data"]["sha256"] == small.sha256 and meta["data"]["train_images"] == 1800
    assert 0.5 < meta["test_accuracy"] <= 1.0
    assert meta["config"]["epochs"] == 2
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("epoch") == 2 and "batch" in kinds
    assert not list(tmp_path.glob(".*")), "no temporary files may be left behind"


def test_saved_model_has_no_optimizer_state(small, tmp_path):
    cfg = get_preset("digitnet").config(name="nopt", epochs=1, subset=500, validation=0.2)
    train(cfg, small, tmp_path)
    model = keras.saving.load_model(tmp_path / "nopt.keras", compile=False)
    assert getattr(model, "optimizer", None) is None
    assert (tmp_path / "nopt.keras").stat().st_size < 2_000_000


def test_stop_ends_training_after_the_current_batch_and_keeps_the_log(small, tmp_path):
    stop = threading.Event()
    batches = []

    def on_event(ev):
        if ev["type"] == "batch":
            batches.append(ev["batch"])
            if len(batches) == 3:
                stop.set()

    cfg = get_preset("tf-tutorial-cnn").config(name="halt", epochs=5, batch_size=32, validation=0.1)
    result = train(cfg, small, tmp_path, on_event=on_event, stop_event=stop)
    assert result.status == "stopped"
    assert len(batches) == 3, "training must end right after the batch during which Stop was pressed"
    meta = json.loads((tmp_path / "halt.json").read_text())
    assert meta["status"] == "stopped"
    assert (tmp_path / "halt.keras").exists() and (tmp_path / "halt.csv").exists()


def test_existing_run_is_never_overwritten_without_asking(small, tmp_path):
    (tmp_path / "taken.keras").write_bytes(b"precious")
    cfg = get_preset("tf-tutorial-cnn").config(name="taken", epochs=1)
    with pytest.raises(FileExistsError):
        train(cfg, small, tmp_path)
    assert (tmp_path / "taken.keras").read_bytes() == b"precious"


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_failed_retraining_gives_the_old_run_back(small, tmp_path, monkeypatch):
    import errno

    from digitcore.training import loop as training

    cfg = get_preset("tf-tutorial-cnn").config(name="mine", epochs=1, subset=300, validation=0.2)
    assert train(cfg, small, tmp_path).status == "finished"
    before = _snapshot(tmp_path)

    def disk_full(model, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(training, "_save_inference_model", disk_full)
    result = train(cfg, small, tmp_path, overwrite=True)
    assert result.status == "failed" and "disk is full" in result.meta["error"]
    assert _snapshot(tmp_path) == before, "the old run is back, byte for byte, and nothing else is left"

    monkeypatch.undo()
    again = train(cfg.__class__(**{**cfg.__dict__, "epochs": 2}), small, tmp_path, overwrite=True)
    assert again.status == "finished"
    assert json.loads((tmp_path / "mine.json").read_text())["config"]["epochs"] == 2
    assert not list(tmp_path.glob(".*")), "the old run's backup is gone once the new one is saved"


def test_killed_retraining_gives_the_old_run_back_when_listed(small, tmp_path):
    from digitcore.storage.model_store import list_models
    from digitcore.storage.runs import run_files, set_aside

    cfg = get_preset("tf-tutorial-cnn").config(name="mine", epochs=1, subset=300, validation=0.2)
    train(cfg, small, tmp_path)
    before = _snapshot(tmp_path)
    # What a server killed right after it began retraining leaves: the old run aside, a "running" JSON.
    files = run_files(tmp_path, "mine")
    assert set_aside(files)
    files.meta.write_text(json.dumps({"name": "mine", "status": "running"}))
    (tmp_path / ".mine.csv.partial").write_text("epoch,loss\n")
    entries = {e.name: e for e in list_models(tmp_path)}
    assert not entries["mine"].problem and entries["mine"].meta["status"] == "finished"
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(".")} == before


def test_a_model_that_ships_with_the_app_is_never_retrained(small, tmp_path, default_model_path):
    import shutil

    from digitcore.training.jobs import TrainingManager

    for suffix in (".keras", ".csv", ".json"):
        shutil.copy(default_model_path.parent / f"u123-cnn-v2{suffix}", tmp_path / f"u123-cnn-v2{suffix}")
    before = _snapshot(tmp_path)
    cfg = get_preset("u123-cnn-v2").config(name="u123-cnn-v2", epochs=1, subset=300)
    with pytest.raises(FileExistsError, match="ships with the app"):
        train(cfg, small, tmp_path, overwrite=True)
    with pytest.raises(FileExistsError, match="ships with the app"):
        TrainingManager().start(cfg, data=small, out_dir=tmp_path, overwrite=True)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"epochs": 0}, "Epochs"),
        ({"batch_size": -1}, "Batch size"),
        ({"optimizer": "adagrad"}, "Optimizer"),
        ({"learning_rate": 0.0}, "Learning rate"),
        ({"learning_rate": float("nan")}, "Learning rate"),
        ({"validation": 0.9}, "Validation"),
        ({"validation": "train"}, "Validation"),
        ({"subset": 5}, "subset"),
        ({"preset": "nope"}, "Unknown preset"),
        ({"augment": AugmentConfig(rotation=400)}, "rotation"),
        ({"reduce_lr_factor": 1.5}, "factor"),
    ],
)
def test_invalid_options_are_refused_before_anything_starts(change, message, tmp_path):
    cfg = TrainConfig(**{**TrainConfig().__dict__, **change})
    with pytest.raises(ValueError, match=message):
        cfg.validate()


def test_augmentation_keeps_shape_range_and_changes_images(small):
    import tensorflow as tf

    from digitcore.training.augment import augment_batch
    from digitcore.storage.datasets import to_model_input

    x = to_model_input(small.x_train[:64])
    tf.random.set_seed(0)
    out = augment_batch(tf.constant(x), AugmentConfig()).numpy()
    assert out.shape == x.shape and out.min() >= 0.0 and out.max() <= 1.0
    assert np.abs(out - x).mean() > 0.01
    same = augment_batch(tf.constant(x), AugmentConfig.off()).numpy()
    np.testing.assert_allclose(same, x, atol=1e-6)
