"""Training through the same code path as the page and the CLI, on a small slice of MNIST."""

import json
import threading

import keras
import numpy as np
import pandas as pd
import pytest

from digitcore.augment import AugmentConfig
from digitcore.data import load_mnist_npz
from digitcore.inference import load_keras_model
from digitcore.presets import get_preset
from digitcore.train_config import TrainConfig
from digitcore.training import train


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

    from digitcore.augment import augment_batch
    from digitcore.data import to_model_input

    x = to_model_input(small.x_train[:64])
    tf.random.set_seed(0)
    out = augment_batch(tf.constant(x), AugmentConfig()).numpy()
    assert out.shape == x.shape and out.min() >= 0.0 and out.max() <= 1.0
    assert np.abs(out - x).mean() > 0.01
    same = augment_batch(tf.constant(x), AugmentConfig.off()).numpy()
    np.testing.assert_allclose(same, x, atol=1e-6)
