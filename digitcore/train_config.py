"""TrainConfig: every choice that decides a training run, validated before anything starts."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .augment import AugmentConfig

OPTIMIZERS = ("adam", "rmsprop", "sgd")
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy")


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

    def validate(self) -> None:
        """Raise ValueError with a readable message for any invalid value, before anything starts."""
        from .presets import get_preset

        get_preset(self.preset)
        if not (1 <= self.epochs <= 500):
            raise ValueError(f"Epochs must be between 1 and 500, got {self.epochs}.")
        if not (1 <= self.batch_size <= 4096):
            raise ValueError(f"Batch size must be between 1 and 4096, got {self.batch_size}.")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Optimizer must be one of {', '.join(OPTIMIZERS)}, got '{self.optimizer}'.")
        if not (0 < self.learning_rate <= 1.0) or not math.isfinite(self.learning_rate):
            raise ValueError(f"Learning rate must be in (0, 1], got {self.learning_rate}.")
        if not (0 < self.lr_decay <= 1.0):
            raise ValueError(f"Learning-rate decay must be in (0, 1], got {self.lr_decay}.")
        if self.validation != "test":
            if not isinstance(self.validation, (int, float)) or not (0.0 < float(self.validation) < 0.5):
                raise ValueError("Validation must be 'test' or a fraction between 0 and 0.5.")
        if self.subset is not None and not (100 <= self.subset <= 60000):
            raise ValueError(f"Training subset must be between 100 and 60000 images, got {self.subset}.")
        if self.early_stopping_patience is not None and not (1 <= self.early_stopping_patience <= 100):
            raise ValueError("Early-stopping patience must be between 1 and 100 epochs.")
        if self.reduce_lr_patience is not None and not (1 <= self.reduce_lr_patience <= 100):
            raise ValueError("Reduce-on-plateau patience must be between 1 and 100 epochs.")
        if not (0.0 < self.reduce_lr_factor < 1.0):
            raise ValueError(f"Reduce-on-plateau factor must be between 0 and 1, got {self.reduce_lr_factor}.")
        if self.reduce_lr_monitor not in ("val_loss", "val_accuracy"):
            raise ValueError("Reduce-on-plateau can watch 'val_loss' or 'val_accuracy'.")
        if self.loss not in LOSSES:
            raise ValueError(f"Loss must be one of {', '.join(LOSSES)}.")
        if not (0 <= self.seed < 2**31):
            raise ValueError(f"Random seed must be between 0 and 2^31-1, got {self.seed}.")
        if self.augment is not None:
            self.augment.validate()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = asdict(self)
        d["augment"] = self.augment.to_dict() if self.augment else None
        return d
