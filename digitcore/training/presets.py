"""Presets: an architecture plus the training recipe it was published with. One definition each.

The page, the CLI and the tests all read this table; the user may then change any value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import keras

from ..model import architectures
from .augment import AugmentConfig
from .config import CUSTOM, PRESET_NAMES, TrainConfig, check_preset_name


@dataclass(frozen=True)
class Preset:
    """A named architecture with its own training recipe (TrainConfig values the user may override)."""

    name: str
    title: str
    build: Callable[..., keras.Model]  # takes classes= (10 digits, or 11 with 'not a digit')
    params: int  # the published parameter count; tests check the built model matches
    recipe: dict[str, Any] = field(default_factory=dict)
    published: str = ""
    description: str = ""

    def config(self, **overrides: Any):
        """A TrainConfig with this preset's recipe, then ``overrides`` on top."""
        values = {"preset": self.name, "name": self.name, **self.recipe}
        if self.name == CUSTOM:
            # Options the caller leaves out keep their defaults, so every run records the full architecture.
            given = overrides.pop("architecture", None)
            values["architecture"] = {**architectures.CUSTOM_DEFAULTS, **given} if isinstance(given, dict) else (
                dict(architectures.CUSTOM_DEFAULTS) if given is None else given)
        cfg = TrainConfig(**values)
        return replace(cfg, **overrides) if overrides else cfg


# Shift/zoom/rotation only: what Keras' ImageDataGenerator did in the reference notebook.
_KAGGLE_AUGMENT = AugmentConfig(rotation=10.0, zoom=0.1, shift=0.1, shear=0.0, thickness=0.0, contrast=0.0)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="digitnet",
            title="digitnet (the shipped default)",
            build=architectures.build_digitnet,
            params=326_826,
            recipe={"epochs": 40, "batch_size": 128, "optimizer": "adam", "learning_rate": 1e-3,
                    "lr_decay": 0.9, "validation": "test", "augment": AugmentConfig()},
            published="this project's default model",
            description="Conv+BatchNorm with strided convolutions and heavy dropout, trained with strong "
            "augmentation (rotation, zoom, shift, shear, stroke thickness, contrast) so that it reads canvas "
            "strokes and photos, not only MNIST.",
        ),
        Preset(
            name="u123-cnn-v2",
            title="u123 CNN v2",
            build=architectures.build_u123_cnn_v2,
            params=276_810,
            recipe={"epochs": 15, "batch_size": 128, "optimizer": "adam", "learning_rate": 1e-3,
                    "validation": 0.1, "augment": None, "loss": "categorical_crossentropy",
                    "early_stopping_patience": 5, "checkpoint_best": True,
                    "reduce_lr_patience": 3, "reduce_lr_factor": 0.5, "reduce_lr_monitor": "val_loss"},
            published="99.35% test accuracy",
            description="Two pairs of 3x3 convolutions, global average pooling and a dropout dense head.",
        ),
        Preset(
            name="deepdigits",
            title="DeepDigits",
            build=architectures.build_deepdigits,
            params=2_624_394,
            recipe={"epochs": 15, "batch_size": 128, "optimizer": "adam", "learning_rate": 1e-3,
                    "validation": 0.1, "augment": None},
            published="99.4% test accuracy",
            description="Four conv layers with BatchNorm, L2-regularised 512/256 dense layers with dropout.",
        ),
        Preset(
            name="kaggle-cnn",
            title="Kaggle Digit Recognizer CNN",
            build=architectures.build_kaggle_cnn,
            params=887_530,
            recipe={"epochs": 30, "batch_size": 86, "optimizer": "rmsprop", "learning_rate": 1e-3,
                    "validation": 0.1, "augment": _KAGGLE_AUGMENT, "loss": "categorical_crossentropy",
                    "reduce_lr_patience": 3, "reduce_lr_factor": 0.5, "reduce_lr_monitor": "val_accuracy",
                    "reduce_lr_min": 1e-5},
            published="99.286% validation accuracy",
            description="Two 5x5 and two 3x3 convolution pairs with max pooling, dense 256, RMSprop.",
        ),
        Preset(
            name="tf-tutorial-cnn",
            title="TensorFlow tutorial CNN",
            build=architectures.build_tf_tutorial_cnn,
            params=121_930,
            recipe={"epochs": 10, "batch_size": 32, "optimizer": "adam", "learning_rate": 1e-3,
                    "validation": "test", "augment": None},
            published="99.22% after 4 epochs",
            description="The classic small CNN from TensorFlow's tutorial; outputs logits (loss from_logits=True).",
        ),
        Preset(
            name=CUSTOM,
            title="Custom (design your own)",
            build=architectures.build_custom,
            params=468_394,  # with the default options; the real count depends on the choices
            recipe={"epochs": 10, "batch_size": 128, "optimizer": "adam", "learning_rate": 1e-3,
                    "validation": 0.1, "augment": None},
            published="your own design",
            description="Choose the number of conv blocks (two convolutions and a 2x2 max pooling each; the "
            "filters double from block to block), the kernel size, batch normalisation, dropout and the dense "
            "layer's size.",
        ),
    )
}

if tuple(PRESETS) != PRESET_NAMES:  # pragma: no cover - a developer's slip, caught at import
    raise RuntimeError("digitcore.training.config.PRESET_NAMES must list the presets of PRESETS, in order.")


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ValueError listing the valid names otherwise."""
    check_preset_name(name)
    return PRESETS[name]


def build_model(name: str, architecture: dict | None = None, classes: int = 10) -> keras.Model:
    """Build the preset's uncompiled model (``architecture``: the custom preset's options; ``classes``: 10 or 11)."""
    if name == CUSTOM:
        return architectures.build_custom(architecture, classes=classes)
    if architecture is not None:
        raise ValueError(f"Architecture options apply only to the '{CUSTOM}' preset, not '{name}'.")
    return get_preset(name).build(classes=classes)


def model_for_config(cfg) -> keras.Model:
    """The uncompiled model a TrainConfig asks for (11 outputs with ``extra_data``: index 10 = not a digit)."""
    return build_model(cfg.preset, cfg.architecture, classes=11 if getattr(cfg, "extra_data", False) else 10)
