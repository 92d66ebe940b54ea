"""``python -m digitcore train`` and ``presets``: the page's options on the command line, same code path."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from digitcore.training.augment import AugmentConfig
from digitcore.cli import build_parser, main
from digitcore.commands.train import config_from_args


def cfg_for(*argv):
    return config_from_args(build_parser().parse_args(["train", *argv]))


def test_options_override_the_preset_recipe():
    cfg = cfg_for("--preset", "kaggle-cnn", "--epochs", "3", "--batch-size", "64", "--optimizer", "sgd",
                  "--learning-rate", "0.01", "--validation", "0.2", "--subset", "3000", "--seed", "7",
                  "--name", "k1")
    assert (cfg.preset, cfg.name, cfg.epochs, cfg.batch_size, cfg.optimizer, cfg.learning_rate) == (
        "kaggle-cnn", "k1", 3, 64, "sgd", 0.01)
    assert (cfg.validation, cfg.subset, cfg.seed) == (0.2, 3000, 7)
    assert cfg.reduce_lr_patience == 3 and cfg.reduce_lr_monitor == "val_accuracy", "the recipe's callbacks stay"
    assert cfg_for("--preset", "tf-tutorial-cnn", "--validation", "test").validation == "test"


def test_callback_options():
    cfg = cfg_for("--preset", "digitnet", "--early-stopping", "4", "--early-stopping-monitor", "val_accuracy",
                  "--early-stopping-min-delta", "0.001", "--reduce-lr", "2", "--reduce-lr-factor", "0.2",
                  "--reduce-lr-min", "1e-5", "--checkpoint-best", "--checkpoint-monitor", "val_accuracy")
    assert (cfg.early_stopping_patience, cfg.early_stopping_monitor, cfg.early_stopping_min_delta) == (
        4, "val_accuracy", 0.001)
    assert (cfg.reduce_lr_patience, cfg.reduce_lr_factor, cfg.reduce_lr_min) == (2, 0.2, 1e-5)
    assert cfg.checkpoint_best and cfg.checkpoint_monitor == "val_accuracy"
    off = cfg_for("--preset", "u123-cnn-v2", "--early-stopping", "0", "--reduce-lr", "0", "--no-checkpoint-best")
    assert off.early_stopping_patience is None and off.reduce_lr_patience is None and not off.checkpoint_best


def test_augmentation_switch_and_amounts():
    assert cfg_for("--preset", "digitnet", "--no-augment").augment is None
    assert cfg_for("--preset", "deepdigits", "--augment").augment == AugmentConfig()
    only = cfg_for("--preset", "deepdigits", "--rotation", "8", "--thickness", "0.4").augment
    assert only == AugmentConfig(rotation=8.0, zoom=0.0, shift=0.0, shear=0.0, thickness=0.4, contrast=0.0)
    kaggle = cfg_for("--preset", "kaggle-cnn", "--zoom", "0.2").augment
    assert (kaggle.rotation, kaggle.zoom, kaggle.shift) == (10.0, 0.2, 0.1), "the recipe's other amounts stay"


def test_custom_architecture_options():
    cfg = cfg_for("--preset", "custom", "--conv-blocks", "3", "--filters", "16", "--kernel-size", "5",
                  "--no-batch-norm", "--dropout", "0.3", "--dense-units", "64")
    assert cfg.architecture == {"conv_blocks": 3, "filters": 16, "kernel_size": 5, "batch_norm": False,
                                "dropout": 0.3, "dense_units": 64}


@pytest.mark.parametrize(
    "argv, message",
    [(["--epochs", "0"], "Epochs"), (["--validation", "lots"], "--validation"), (["--name", "../x"], "letters"),
     (["--name", "CON"], "reserved"), (["--name", "default"], "read-only"), (["--rotation", "90"], "rotation"),
     (["--no-augment", "--zoom", "0.1"], "cannot be combined"), (["--filters", "8"], "need --preset custom"),
     (["--preset", "custom", "--conv-blocks", "9"], "conv_blocks"), (["--reduce-lr-factor", "2"], "factor"),
     (["--preset", "nope"], "Unknown preset")],
)
def test_invalid_options_exit_2_with_a_message(argv, message, capsys, small_mnist_npz):
    assert main(["train", *argv, "--data", str(small_mnist_npz)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_trains_prints_callback_messages_and_saves_the_run(capsys, small_mnist_npz, tmp_path):
    argv = ["train", "--preset", "custom", "--filters", "8", "--conv-blocks", "1", "--epochs", "5", "--subset", "400",
            "--early-stopping", "1", "--early-stopping-min-delta", "1", "--name", "cli-run", "--out", str(tmp_path),
            "--data", str(small_mnist_npz)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "EarlyStopping: Epoch 2: early stop" in err
    assert "epoch 2/5" in err and "epoch 3/5" not in err
    assert out.startswith("finished: ") and "cli-run.keras" in out and "test accuracy" in out
    assert len(pd.read_csv(tmp_path / "cli-run.csv")) == 2
    meta = json.loads((tmp_path / "cli-run.json").read_text())
    assert meta["config"]["architecture"]["filters"] == 8 and meta["status"] == "finished"

    assert main(argv) == 2, "an existing run is not replaced without --overwrite"
    assert "already exists" in capsys.readouterr().err


def test_presets_lists_every_preset_with_its_parameter_count(capsys):
    from digitcore.training.presets import PRESETS

    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for preset in PRESETS.values():
        assert preset.name in out and f"{preset.params:,d}" in out
