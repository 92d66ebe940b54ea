"""A model's layers as plain rows (what ``model.summary()`` prints), for the page and the CLI."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["LayerRow", "ModelSummary", "summarize_model"]


@dataclass(frozen=True)
class LayerRow:
    """One layer: its name, type, output shape (without the batch axis) and parameter count."""

    name: str
    kind: str
    output_shape: str
    params: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class ModelSummary:
    """All layers plus the totals."""

    name: str
    rows: list[LayerRow]
    total_params: int
    trainable_params: int
    non_trainable_params: int

    @property
    def size_mb(self) -> float:
        """Weights in megabytes as float32 (what the saved model roughly weighs)."""
        return self.total_params * 4 / 1e6

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"name": self.name, "rows": [r.to_dict() for r in self.rows], "total_params": self.total_params,
                "trainable_params": self.trainable_params, "non_trainable_params": self.non_trainable_params}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelSummary:
        """Inverse of :meth:`to_dict`."""
        return cls(d["name"], [LayerRow(**r) for r in d["rows"]], d["total_params"], d["trainable_params"],
                   d["non_trainable_params"])


def _shape_text(shape: Any) -> str:
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return ", ".join(_shape_text(s) for s in shape)
    dims = tuple(shape)[1:] if shape is not None else ()
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _count(weights) -> int:
    return int(sum(math.prod(w.shape) for w in weights))


def summarize_model(model: Any) -> ModelSummary:
    """Layer rows and parameter totals of a built Keras model (the input layer included)."""
    rows = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):  # a layer used more than once has no single output
            shape = None
        rows.append(LayerRow(layer.name, type(layer).__name__, _shape_text(shape), int(layer.count_params())))
    trainable = _count(model.trainable_weights)
    frozen = _count(model.non_trainable_weights)
    return ModelSummary(model.name, rows, trainable + frozen, trainable, frozen)
