"""Start a training from a trained model's weights (``--init-weights``), e.g. the 10-class default
model grown to 11 outputs: every layer is copied; the output layer keeps its 10 digit columns and
gets a fresh "not a digit" column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..storage.datasets import file_sha256


def warm_start(model, path: str | Path) -> dict[str, Any]:
    """Copy the weights of the model file at ``path`` into ``model`` (same architecture; 10 -> 11 outputs allowed).

    Raises ValueError when the two networks differ in any other way.
    """
    from ..model.inference import load_keras_model

    path = Path(path)
    source = load_keras_model(path)  # safe mode, digit model checked; ModelLoadError is a ValueError
    src = [layer for layer in source.layers if layer.weights]
    dst = [layer for layer in model.layers if layer.weights]
    if len(src) != len(dst):
        raise ValueError(f"{path.name} has {len(src)} layers with weights, this network {len(dst)}: "
                         "--init-weights needs a model of the same architecture.")
    grown = False
    for i, (a, b) in enumerate(zip(src, dst)):
        wa, wb = a.get_weights(), b.get_weights()
        if [w.shape for w in wa] == [w.shape for w in wb]:
            b.set_weights(wa)
            continue
        last = i == len(dst) - 1
        if last and len(wa) == 2 and wa[0].shape[0] == wb[0].shape[0] and wa[0].shape[1] + 1 == wb[0].shape[1]:
            kernel, bias = wb  # the new column keeps its fresh initialisation
            kernel[:, : wa[0].shape[1]] = wa[0]
            bias[: wa[1].shape[0]] = wa[1]
            bias[-1] = float(np.mean(wa[1]))
            b.set_weights([kernel, bias])
            grown = True
            continue
        raise ValueError(f"{path.name}: layer {a.name} has weights {[w.shape for w in wa]}, this network's "
                         f"{b.name} {[w.shape for w in wb]}; --init-weights needs the same architecture.")
    return {"source": path.name, "sha256": file_sha256(path), "layers": len(dst),
            "output": "10 digit outputs copied, 'not a digit' output new" if grown else "all layers copied"}
