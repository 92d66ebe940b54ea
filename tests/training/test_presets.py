"""Every preset builds with exactly the parameter count its reference project published."""

import pytest

from digitcore.training.presets import PRESETS, build_model, get_preset


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_parameter_count_is_exact(name):
    model = build_model(name)
    assert model.count_params() == PRESETS[name].params
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, 10)


def test_reference_counts_are_the_published_ones():
    expected = {"u123-cnn-v2": 276_810, "deepdigits": 2_624_394, "kaggle-cnn": 887_530, "tf-tutorial-cnn": 121_930}
    assert {k: PRESETS[k].params for k in expected} == expected


def test_unknown_preset_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="digitnet"):
        get_preset("resnet-9000")


@pytest.mark.parametrize("name", list(PRESETS))
def test_recipe_is_a_valid_config(name):
    cfg = PRESETS[name].config()
    cfg.validate()
    assert cfg.preset == name
