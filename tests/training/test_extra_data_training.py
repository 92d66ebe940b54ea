"""Training any preset with ``--extra-data``: an 11th class ("not a digit"), the data recorded with
sha256s, a fitted temperature; 10-class presets stay as they were."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitcore.cli import build_parser, main
from digitcore.commands.train import config_from_args
from digitcore.training.presets import PRESETS, build_model, get_preset


@pytest.fixture()
def tiny_extra(monkeypatch, tmp_path):
    """A tiny generated part in a private cache folder (a real build, just small)."""
    monkeypatch.setenv("DIGITCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DIGITCORE_EXTRA_DIGITS", "40")
    monkeypatch.setenv("DIGITCORE_EXTRA_NEGATIVES", "40")
    monkeypatch.setenv("DIGITCORE_EXTRA_NUMBERS", "6")
    return tmp_path / "cache"


def test_every_preset_builds_with_an_11th_output_and_keeps_its_10_class_size():
    for name, preset in PRESETS.items():
        ten = build_model(name)
        eleven = build_model(name, classes=11)
        assert ten.output_shape[-1] == 10 and eleven.output_shape[-1] == 11
        assert ten.count_params() == preset.params or name == "custom"
        assert eleven.count_params() > ten.count_params()


def test_the_flag_and_the_config():
    cfg = config_from_args(build_parser().parse_args(["train", "--preset", "u123-cnn-v2", "--extra-data"]))
    assert cfg.extra_data is True and cfg.epochs == PRESETS["u123-cnn-v2"].recipe["epochs"]
    assert config_from_args(build_parser().parse_args(["train"])).extra_data is False
    bad = get_preset("digitnet").config(extra_data="yes")
    with pytest.raises(ValueError, match="extra_data"):
        bad.validate()


def test_a_tiny_extra_data_training_records_classes_data_and_temperature(tmp_path, small_mnist_npz, tiny_extra):
    from digitcore.model.inference import load_keras_model
    from digitcore.storage.datasets import file_sha256, load_mnist_npz
    from digitcore.training.loop import train

    data = load_mnist_npz(small_mnist_npz)
    cfg = get_preset("tf-tutorial-cnn").config(name="extra", epochs=1, subset=400, validation=0.2, extra_data=True)
    events = []
    res = train(cfg, data, tmp_path / "runs", on_event=events.append)
    assert res.status == "finished", res.meta.get("error")
    meta = json.loads(res.meta_path.read_text())
    assert meta["classes"] == 11 and meta["not_a_digit_index"] == 10
    assert isinstance(meta["temperature"], float) and 0.05 <= meta["temperature"] <= 20
    cal = meta["calibration"]
    assert {"split", "ece_before", "ece_after"} <= set(cal) and cal["fit_images"] > 0 and cal["measured_images"] > 0
    extra = meta["data"]["extra"]
    assert extra["mnist"]["sha256"] == file_sha256(small_mnist_npz)
    assert extra["usps"]["sha256"] == "ff1e144b09abdd42b3877b83440fe2c032f76dd3d7d247010b756c454c067fd9"
    assert extra["generated"]["seed"] and extra["generated"]["version"] >= 1
    assert len(extra["generated"]["cache_sha256"]) == 64 and (tiny_extra / extra["generated"]["cache"]).is_file()
    parts = extra["number_parts"]
    assert parts["numbers"] == 6 and parts["images"] > 0 and (tiny_extra / parts["cache"]).is_file()
    assert len(parts["cache_sha256"]) == 64
    assert meta["data"]["train_images"] == 320, "400 images of the mix, the last 20% for validation"
    assert 0.0 <= meta["test_declined"] <= 1.0
    assert any(e["type"] == "phase" and "Generating training data" in e.get("message", "") for e in events)
    from digitcore.model.inference import ModelRunner

    model = load_keras_model(res.model_path)  # an 11-output model is a loadable digit model
    out = ModelRunner(model).probabilities(np.zeros((2, 28, 28), np.float32))  # (this preset gives logits)
    assert out.shape == (2, 11) and np.allclose(out.sum(1), 1.0, atol=1e-4)


def test_without_the_flag_a_run_stays_10_class(tmp_path, small_mnist_npz):
    from digitcore.storage.datasets import load_mnist_npz
    from digitcore.training.loop import train

    cfg = get_preset("tf-tutorial-cnn").config(name="plain", epochs=1, subset=200, validation=0.2)
    res = train(cfg, load_mnist_npz(small_mnist_npz), tmp_path)
    meta = json.loads(res.meta_path.read_text())
    assert "classes" not in meta and "temperature" not in meta and meta["data"]["source"] == "mnist_small.npz"


def test_cli_extra_data_trains_and_missing_usps_is_refused(tmp_path, small_mnist_npz, tiny_extra, monkeypatch,
                                                          capsys):
    rc = main(["train", "--preset", "tf-tutorial-cnn", "--name", "cli-extra", "--extra-data", "--epochs", "1",
               "--subset", "300", "--validation", "0.2", "--data", str(small_mnist_npz), "--out", str(tmp_path)])
    assert rc == 0
    assert json.loads((tmp_path / "cli-extra.json").read_text())["classes"] == 11
    monkeypatch.setenv("DIGITCORE_USPS", str(tmp_path / "missing.npz"))
    rc = main(["train", "--preset", "tf-tutorial-cnn", "--name", "no-usps", "--extra-data", "--epochs", "1",
               "--data", str(small_mnist_npz), "--out", str(tmp_path)])
    assert rc == 2 and "USPS file not found" in capsys.readouterr().err
    assert not (tmp_path / "no-usps.json").exists()


def test_usps_repeat_adds_copies_of_the_training_side_only(monkeypatch, small_mnist_npz, tiny_extra):
    from digitcore.storage.datasets import load_mnist_npz
    from digitcore.training.extra import training_mix

    data = load_mnist_npz(small_mnist_npz)
    once = training_mix(data, seed=3)
    monkeypatch.setenv("DIGITCORE_EXTRA_USPS_REPEAT", "3")
    thrice = training_mix(data, seed=3)
    # The hold-out is the same images either way: repeating never moves a copy into it.
    assert np.array_equal(once.x_cal, thrice.x_cal) and np.array_equal(once.y_cal, thrice.y_cal)
    n_usps = thrice.info["usps"]["images"]
    added = len(thrice.y) - len(once.y)
    # Each USPS digit outside the 5 % hold-out comes twice more; nothing else is added.
    assert thrice.info["usps"]["repeat"] == 3 and once.info["usps"]["repeat"] == 1
    assert added % 2 == 0 and 2 * 0.9 * n_usps <= added <= 2 * n_usps
    extra_per_class = np.bincount(thrice.y, minlength=11) - np.bincount(once.y, minlength=11)
    assert extra_per_class.min() >= 0 and extra_per_class[10] == 0
    monkeypatch.setenv("DIGITCORE_EXTRA_USPS_REPEAT", "0")
    with pytest.raises(ValueError, match="USPS_REPEAT"):
        training_mix(data, seed=3)


def test_the_number_count_comes_from_the_environment_and_bad_values_are_refused(monkeypatch):
    from digitcore.training.extra import number_count

    monkeypatch.setenv("DIGITCORE_EXTRA_NUMBERS", "300")
    assert number_count() == 300 and number_count(subset=400) == 10, "a quick subset run renders few numbers"
    for bad in ("-1", "many"):
        monkeypatch.setenv("DIGITCORE_EXTRA_NUMBERS", bad)
        with pytest.raises(ValueError, match="DIGITCORE_EXTRA_NUMBERS"):
            number_count()
