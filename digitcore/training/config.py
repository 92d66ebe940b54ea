"""TrainConfig: every choice that decides a training run, validated before anything starts."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ..storage.runs import check_run_name
from .augment import AugmentConfig

OPTIMIZERS = ("adam", "rmsprop", "sgd")
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy")
#: What EarlyStopping, ReduceLROnPlateau and ModelCheckpoint may watch.
MONITORS = ("val_loss", "val_accuracy")

#: The preset whose architecture the user designs (options in ``TrainConfig.architecture``).
CUSTOM = "custom"
#: Every preset's name, in the order pages and the CLI list them. This module owns the names
#: so that validating a config needs no Keras; ``presets`` builds its table from them.
PRESET_NAMES: tuple[str, ...] = ("digitnet", "u123-cnn-v2", "deepdigits", "kaggle-cnn", "tf-tutorial-cnn", CUSTOM)


def check_preset_name(name: str) -> None:
    """ValueError listing the valid names unless ``name`` is a preset."""
    if name not in PRESET_NAMES:
        raise ValueError(f"Unknown preset '{name}'. Choose one of: {', '.join(PRESET_NAMES)}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int_in(value: Any, lo: int, hi: int, what: str, unit: str = "") -> None:
    if not _is_int(value) or not (lo <= value <= hi):
        raise ValueError(f"{what} must be a whole number from {lo} to {hi}{unit}, got {value!r}.")


@dataclass
class TrainConfig:
    """Everything that decides a training run; recorded in the run's JSON."""

    preset: str = "digitnet"
    name: str = "run"
    epochs: int = 30
    batch_size: int = 128
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    lr_decay: float = 1.0  # multiply the learning rate by this after every epoch (1 = constant)
    validation: str | float = 0.1  # "test" (MNIST test set, monitoring only) or a fraction of the training set
    subset: int | None = None  # use only the first N training images (quick classroom runs)
    augment: AugmentConfig | None = field(default_factory=AugmentConfig)
    seed: int = 42
    early_stopping_patience: int | None = None
    reduce_lr_patience: int | None = None
    reduce_lr_factor: float = 0.5
    reduce_lr_monitor: str = "val_loss"
    reduce_lr_min: float = 0.0
    checkpoint_best: bool = False
    loss: str = "sparse_categorical_crossentropy"  # or "categorical_crossentropy" (one-hot labels): same maths
    architecture: dict[str, Any] | None = None  # the custom preset's options (see architectures.CUSTOM_DEFAULTS)
    early_stopping_monitor: str = "val_loss"
    early_stopping_min_delta: float = 0.0
    checkpoint_monitor: str = "val_loss"
    extra_data: bool = False  # add USPS + generated styles + not-a-digit examples; the model gets an 11th class
    init_weights: str | None = None  # start from this .keras model's weights (same architecture)

    def validate(self) -> None:
        """Raise ValueError with a readable message for any invalid value, before anything starts."""
        from ..model.architectures import (
            custom_architecture,  # Keras: only when validating
        )

        check_preset_name(self.preset)
        check_run_name(self.name)
        _int_in(self.epochs, 1, 500, "Epochs")
        _int_in(self.batch_size, 1, 4096, "Batch size")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Optimizer must be one of {', '.join(OPTIMIZERS)}, got '{self.optimizer}'.")
        if not _is_number(self.learning_rate) or not (0 < self.learning_rate <= 1.0):
            raise ValueError(f"Learning rate must be in (0, 1], got {self.learning_rate}.")
        if not _is_number(self.lr_decay) or not (0 < self.lr_decay <= 1.0):
            raise ValueError(f"Learning-rate decay must be in (0, 1], got {self.lr_decay}.")
        if self.validation != "test":
            if not _is_number(self.validation) or not (0.0 < float(self.validation) < 0.5):
                raise ValueError("Validation must be 'test' or a fraction between 0 and 0.5.")
        if self.subset is not None:
            _int_in(self.subset, 100, 60000, "Training subset", " images")
        if self.early_stopping_patience is not None:
            _int_in(self.early_stopping_patience, 1, 100, "Early-stopping patience", " epochs")
        if self.reduce_lr_patience is not None:
            _int_in(self.reduce_lr_patience, 1, 100, "Reduce-on-plateau patience", " epochs")
        if not _is_number(self.reduce_lr_factor) or not (0.0 < self.reduce_lr_factor < 1.0):
            raise ValueError(f"Reduce-on-plateau factor must be between 0 and 1, got {self.reduce_lr_factor}.")
        if not _is_number(self.reduce_lr_min) or not (0.0 <= self.reduce_lr_min < 1.0):
            raise ValueError(f"Reduce-on-plateau minimum learning rate must be in [0, 1), got {self.reduce_lr_min}.")
        if not _is_number(self.early_stopping_min_delta) or not (0.0 <= self.early_stopping_min_delta <= 1.0):
            raise ValueError("Early-stopping minimum improvement (min_delta) must be between 0 and 1, "
                             f"got {self.early_stopping_min_delta}.")
        for what, monitor in (("Reduce-on-plateau", self.reduce_lr_monitor),
                              ("Early stopping", self.early_stopping_monitor),
                              ("The best-model checkpoint", self.checkpoint_monitor)):
            if monitor not in MONITORS:
                raise ValueError(f"{what} can watch 'val_loss' or 'val_accuracy', not {monitor!r}.")
        if not isinstance(self.extra_data, bool):
            raise ValueError("extra_data must be true or false.")
        if self.init_weights is not None and (not isinstance(self.init_weights, str) or not self.init_weights):
            raise ValueError("init_weights must be the path of a .keras model file.")
        if not isinstance(self.checkpoint_best, bool):
            raise ValueError("checkpoint_best must be true or false.")
        if self.loss not in LOSSES:
            raise ValueError(f"Loss must be one of {', '.join(LOSSES)}.")
        _int_in(self.seed, 0, 2**31 - 1, "Random seed")
        if self.augment is not None:
            self.augment.validate()
        if self.preset == CUSTOM:
            custom_architecture(self.architecture)
        elif self.architecture is not None:
            raise ValueError(f"Architecture options apply only to the '{CUSTOM}' preset, not '{self.preset}'.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = asdict(self)
        d["augment"] = self.augment.to_dict() if self.augment else None
        if self.architecture is not None:
            from ..model.architectures import custom_architecture

            try:  # the complete option set, defaults included, so the JSON says exactly what was built
                d["architecture"] = custom_architecture(self.architecture)
            except ValueError:
                d["architecture"] = dict(self.architecture)
        return d
