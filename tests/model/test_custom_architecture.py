"""The 'custom' preset: a network designed in the page (or with CLI options), validated and recorded."""

from __future__ import annotations

import json

import pytest

from digitcore.model.architectures import CUSTOM_DEFAULTS, build_custom, custom_architecture
from digitcore.storage.datasets import load_mnist_npz
from digitcore.model.inference import load_keras_model
from digitcore.model.summary import summarize_model
from digitcore.training.presets import CUSTOM, PRESETS, build_model, get_preset
from digitcore.training.config import TrainConfig
from digitcore.training.loop import train


def test_parameter_count_follows_the_options():
    # 1 block of two 3x3 convs (8 filters, with bias), pooling to 14x14x8, straight to the 10 outputs:
    # (9*1*8 + 8) + (9*8*8 + 8) + (14*14*8*10 + 10) = 80 + 584 + 15,690
    small = build_custom({"conv_blocks": 1, "filters": 8, "kernel_size": 3, "batch_norm": False,
                          "dropout": 0.0, "dense_units": 0})
    assert small.count_params() == 16_354
    assert build_custom().count_params() == PRESETS[CUSTOM].params
    bigger = build_custom({"conv_blocks": 3, "filters": 16, "kernel_size": 5, "dense_units": 64})
    assert bigger.output_shape == (None, 10) and bigger.count_params() != PRESETS[CUSTOM].params


def test_summary_rows_show_the_blocks_halving_the_image():
    summary = summarize_model(build_custom({"conv_blocks": 3, "filters": 8, "batch_norm": False, "dropout": 0.0}))
    pools = [r.output_shape for r in summary.rows if r.kind == "MaxPooling2D"]
    assert pools == ["(14, 14, 8)", "(7, 7, 16)", "(3, 3, 32)"]
    assert sum(r.params for r in summary.rows) == summary.total_params
    assert summary.rows[0].kind == "InputLayer" and summary.rows[-1].output_shape == "(10,)"


@pytest.mark.parametrize(
    "options, message",
    [({"conv_blocks": 5}, "conv_blocks"), ({"conv_blocks": 0}, "conv_blocks"), ({"filters": 2}, "filters"),
     ({"filters": 8.5}, "filters"), ({"conv_blocks": True}, "conv_blocks"), ({"kernel_size": 4}, "kernel size"),
     ({"dropout": 0.95}, "dropout"), ({"dropout": "lots"}, "dropout"), ({"dense_units": -1}, "dense_units"),
     ({"batch_norm": "yes"}, "batch_norm"), ({"layers": 3}, "Unknown"),
     ({"conv_blocks": 4, "filters": 128}, "1024 filters")],
)
def test_bad_custom_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        custom_architecture(options)
    cfg = get_preset(CUSTOM).config(architecture=options)
    with pytest.raises(ValueError, match=message):
        cfg.validate()


def test_custom_config_records_every_option():
    cfg = get_preset(CUSTOM).config(architecture={"filters": 16})
    cfg.validate()
    assert cfg.to_dict()["architecture"] == {**CUSTOM_DEFAULTS, "filters": 16}
    assert get_preset("digitnet").config().to_dict()["architecture"] is None


def test_architecture_options_belong_to_the_custom_preset_only():
    with pytest.raises(ValueError, match="only to the 'custom' preset"):
        TrainConfig(preset="digitnet", architecture={"filters": 8}).validate()
    with pytest.raises(ValueError, match="only to the 'custom' preset"):
        build_model("kaggle-cnn", {"filters": 8})


def test_custom_run_is_saved_loadable_and_described(small_mnist_npz, tmp_path):
    arch = {"conv_blocks": 2, "filters": 8, "kernel_size": 5, "batch_norm": True, "dropout": 0.1, "dense_units": 32}
    cfg = get_preset(CUSTOM).config(name="mine", epochs=1, subset=400, architecture=arch)
    result = train(cfg, load_mnist_npz(small_mnist_npz), tmp_path)
    assert result.status == "finished"
    model = load_keras_model(tmp_path / "mine.keras")  # saved through keras.models.clone_model
    assert model.count_params() == build_custom(arch).count_params() == result.meta["params"]
    meta = json.loads((tmp_path / "mine.json").read_text())
    assert meta["preset"] == CUSTOM and meta["config"]["architecture"] == arch
