"""The plain data the "Inside the network" views render: heat-map overlays, feature-map grids, words per layer,
look-alike montages and the 2-D map of MNIST test digits in the model's feature space.

Everything here is numpy images, strings and chart specs; the page (``pages/ui/inside_network.py``) and
``python -m digitcore explain`` only show or save them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import pandas as pd

from ..model.explain import Explanation, LayerView

__all__ = ["saliency_overlay", "feature_map_grid", "shown_conv_layers", "layer_description", "layers_image",
           "neighbours_image", "saliency_image", "FeatureMap", "feature_map", "feature_map_frame",
           "feature_map_spec", "saliency_words"]

_BG = (255, 255, 255)
_INK = (40, 40, 40)


def _heat(values: np.ndarray) -> np.ndarray:
    """(H, W) in [0, 1] -> RGB uint8 with OpenCV's 'inferno' map (black -> purple -> yellow)."""
    grey = np.clip(values * 255, 0, 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)


def saliency_overlay(digit28: np.ndarray, saliency: np.ndarray, scale: int = 8) -> np.ndarray:
    """The 28x28 input in grey with the saliency as a warm overlay, each pixel a ``scale``-sized square (RGB uint8)."""
    x = np.asarray(digit28, np.float32)
    if x.max() > 1.0:
        x = x / 255.0
    sal = np.asarray(saliency, np.float32)
    peak = float(sal.max())
    s = np.sqrt(sal / peak) if peak > 0 else sal  # square root: faint contributions stay visible
    grey = np.repeat((x * 0.45 * 255)[..., None], 3, axis=2)
    heat = _heat(s).astype(np.float32)
    alpha = np.clip(s * 1.4, 0, 1)[..., None]
    rgb = (grey * (1 - alpha) + heat * alpha).astype(np.uint8)
    return np.kron(rgb, np.ones((scale, scale, 1), np.uint8))


def saliency_words(explanation: Explanation, runner_up: bool = False) -> str:
    """A caption: 'These pixels made it a 7' (or, for the runner-up, what spoke for it)."""
    if explanation.digit is None:
        return ""
    if runner_up:
        from .presentation import format_percent

        d = explanation.runner_up
        return f"What still looked like a {d} ({format_percent(explanation.probabilities[d])})"
    return f"These pixels made it a {explanation.digit}"


def _normalise_map(a: np.ndarray) -> np.ndarray:
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def feature_map_grid(activations: np.ndarray, *, max_maps: int = 16, tile: int = 44, columns: int = 8,
                     gap: int = 2) -> np.ndarray:
    """The first ``max_maps`` feature maps of an (H, W, C) activation as a grid of small heat images (RGB uint8).

    Maps are ordered by how strongly they respond to this input, strongest first, each scaled to its own range.
    """
    acts = np.asarray(activations, np.float32)
    if acts.ndim != 3:
        raise ValueError(f"feature maps need (H, W, C) activations, got shape {acts.shape}")
    order = np.argsort(-acts.reshape(-1, acts.shape[2]).mean(axis=0), kind="stable")[:max_maps]
    n = len(order)
    cols = min(columns, n)
    rows = -(-n // cols)
    grid = np.full((rows * (tile + gap) - gap, cols * (tile + gap) - gap, 3), 255, np.uint8)
    # One value per map (a 1x1 layer): a map's own range is empty, so all maps share one scale.
    whole = acts.shape[0] * acts.shape[1] == 1
    peak = float(acts.max()) if whole and acts.max() > 0 else 1.0
    for k, c in enumerate(order):
        values = np.clip(acts[:, :, c] / peak, 0, 1) if whole else _normalise_map(acts[:, :, c])
        img = cv2.resize(_heat(values), (tile, tile), interpolation=cv2.INTER_NEAREST)
        r, q = divmod(k, cols)
        grid[r * (tile + gap): r * (tile + gap) + tile, q * (tile + gap): q * (tile + gap) + tile] = img
    return grid


def shown_conv_layers(explanation: Explanation) -> list[tuple[str, LayerView]]:
    """Each convolution as the next layer sees it: (conv layer's name, the view after its norm/activation).

    A convolution followed by batch normalisation and a ReLU is one step to a student; the ReLU's output
    (what the next layer gets) shows the feature maps best.
    """
    out = []
    layers = explanation.layers
    for i, layer in enumerate(layers):
        if layer.kind != "conv":
            continue
        shown = layer
        for nxt in layers[i + 1:]:
            if nxt.kind in ("norm", "activation") and nxt.activations.shape == layer.activations.shape:
                shown = nxt
            else:
                break
        out.append((layer.name, shown))
    return out


def layer_description(position: int, total: int, activations: np.ndarray) -> str:
    """One line of plain words on what the ``position``-th (0-based) of ``total`` convolution layers tends to notice."""
    h, w, c = activations.shape
    size = f"{c} feature maps of {h}×{w}"
    if h == 1 and w == 1:
        return f"Sees the whole digit at once: each of its {c} numbers says how much the digit has one overall shape."
    share = position / max(total - 1, 1)
    if position == 0:
        words = "Looks for simple things: edges and short pieces of stroke at different angles."
    elif share < 0.5:
        words = "Combines edges into corners, curves and stroke ends."
    elif share < 1.0:
        words = "Responds to bigger parts of a digit: loops, long bars, crossings and hooks."
    else:
        words = "Looks for whole parts of digits — a loop at the top, a long bar, a crossing — over a wide area."
    return f"{words} ({size}; bright = strong response)"


def _label(img: np.ndarray, text: str, height: int = 22) -> np.ndarray:
    bar = np.full((height, img.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (4, height - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.45, _INK, 1, cv2.LINE_AA)
    return np.vstack([bar, img])


def _stack(parts: list[np.ndarray], gap: int = 8) -> np.ndarray:
    width = max(p.shape[1] for p in parts)
    rows = []
    for p in parts:
        pad = np.full((p.shape[0], width - p.shape[1], 3), 255, np.uint8)
        rows.append(np.hstack([p, pad]))
        rows.append(np.full((gap, width, 3), 255, np.uint8))
    return np.vstack(rows[:-1])


def saliency_image(explanation: Explanation, scale: int = 10) -> np.ndarray:
    """The CLI's ``saliency.png``: the input, its heat map for the answer and for the runner-up (RGB uint8)."""
    x = np.asarray(explanation.digit28, np.float32)
    plain = np.kron(np.repeat((x * 255).astype(np.uint8)[..., None], 3, axis=2), np.ones((scale, scale, 1), np.uint8))
    tiles = [_label(plain, "input 28x28"), _label(saliency_overlay(x, explanation.saliency, scale),
                                                   saliency_words(explanation))]
    if explanation.runner_up_saliency is not None:
        tiles.append(_label(saliency_overlay(x, explanation.runner_up_saliency, scale),
                            f"runner-up: {explanation.runner_up}"))
    gap = np.full((tiles[0].shape[0], 8, 3), 255, np.uint8)
    row = [tiles[0]]
    for t in tiles[1:]:
        row += [gap, t]
    return np.hstack(row)


def layers_image(explanation: Explanation, max_maps: int = 16) -> np.ndarray:
    """The CLI's ``layers.png``: every convolution's feature maps (then the pooling layers'), one labelled grid each."""
    parts = []
    convs = shown_conv_layers(explanation)
    for name, view in convs:
        parts.append(_label(feature_map_grid(view.activations, max_maps=max_maps),
                            f"{name}: {view.activations.shape[0]}x{view.activations.shape[1]}x"
                            f"{view.activations.shape[2]}"))
    for view in explanation.layers:
        if view.kind == "pool" and view.spatial:
            parts.append(_label(feature_map_grid(view.activations, max_maps=max_maps),
                                f"{view.name} (pooling): {'x'.join(map(str, view.activations.shape))}"))
    if not parts:
        blank = np.full((40, 300, 3), 255, np.uint8)
        parts.append(_label(blank, "this model has no spatial layers"))
    return _stack(parts)


def neighbours_image(neighbours: list, scale: int = 3, message: str = "") -> np.ndarray:
    """The CLI's ``neighbours.png``: the look-alike training digits with label and similarity (RGB uint8)."""
    if not neighbours:
        blank = np.full((40, 420, 3), 255, np.uint8)
        return _label(blank, (message or "no look-alikes")[:70])
    tiles = []
    for nb in neighbours:
        img = np.kron(np.repeat(np.asarray(nb.image, np.uint8)[..., None], 3, axis=2), np.ones((scale, scale, 1),
                                                                                                 np.uint8))
        tiles.append(_label(img, f"{nb.label}  {nb.similarity:.2f}"))
    gap = np.full((tiles[0].shape[0], 6, 3), 255, np.uint8)
    row = [tiles[0]]
    for t in tiles[1:]:
        row += [gap, t]
    return np.hstack(row)


# ----------------------------------------------------------------------------- the feature-space map


@dataclass
class FeatureMap:
    """MNIST test digits projected to 2-D (PCA of the model's hidden features)."""

    points: np.ndarray  # (N, 2)
    labels: np.ndarray  # (N,)
    indices: np.ndarray  # (N,) into MNIST x_test
    mean: np.ndarray  # (D,)
    components: np.ndarray  # (2, D)
    explained: float  # share of the variance the two axes show

    def project(self, features: np.ndarray) -> np.ndarray:
        """(2,) or (N, 2) map coordinates of hidden feature vectors."""
        f = np.asarray(features, np.float32)
        return (f - self.mean) @ self.components.T


def feature_map(predictor, mnist, n: int = 2000) -> FeatureMap:
    """PCA of the hidden features of MNIST's first ``n`` test digits (the same layer the neighbours use)."""
    from ..model.explain import explainer_for

    x = mnist.x_test[:n]
    feats = explainer_for(predictor.model).features(x)
    mean = feats.mean(axis=0)
    centred = feats - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:2].astype(np.float32)
    var = s**2
    explained = float(var[:2].sum() / var.sum()) if var.sum() > 0 else 0.0
    return FeatureMap(centred @ components.T, np.asarray(mnist.y_test[:n]), np.arange(len(x)), mean, components,
                      explained)


def feature_map_frame(fmap: FeatureMap, current: np.ndarray | None = None, current_digit: int | None = None
                      ) -> pd.DataFrame:
    """Rows for the chart: x, y, digit (as text), kind ('MNIST test digit' or 'your drawing'), test index."""
    frame = pd.DataFrame({"x": fmap.points[:, 0], "y": fmap.points[:, 1], "digit": fmap.labels.astype(str),
                          "kind": "MNIST test digit", "test index": fmap.indices})
    if current is not None:
        px, py = fmap.project(current)
        star = pd.DataFrame({"x": [px], "y": [py], "digit": [str(current_digit) if current_digit is not None else "?"],
                             "kind": ["your drawing"], "test index": [-1]})
        frame = pd.concat([frame, star], ignore_index=True)
    return frame


def feature_map_spec(height: int = 420) -> dict[str, Any]:
    """Vega-Lite: the test digits as dots coloured by digit (hover: digit, index), the drawing as a big star."""
    digits = [str(d) for d in range(10)]
    return {
        "height": height,
        "layer": [
            {
                "transform": [{"filter": "datum.kind == 'MNIST test digit'"}],
                "mark": {"type": "circle", "size": 22, "opacity": 0.65},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "axis": None},
                    "y": {"field": "y", "type": "quantitative", "axis": None},
                    "color": {"field": "digit", "type": "nominal", "scale": {"domain": digits, "scheme": "category10"},
                              "legend": {"title": "digit", "orient": "right"}},
                    "tooltip": [{"field": "digit", "title": "MNIST digit"},
                                {"field": "test index", "title": "test image #"}],
                },
            },
            {
                "transform": [{"filter": "datum.kind == 'your drawing'"}],
                "mark": {"type": "point", "shape": "M0,-1L0.24,-0.33L0.95,-0.31L0.39,0.12L0.59,0.81L0,0.4L-0.59,0.81"
                         "L-0.39,0.12L-0.95,-0.31L-0.24,-0.33Z", "size": 700, "filled": True, "color": "#111111",
                         "stroke": "white", "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"field": "y", "type": "quantitative"},
                    "tooltip": [{"field": "kind", "title": "this is"}, {"field": "digit", "title": "the model says"}],
                },
            },
        ],
    }
