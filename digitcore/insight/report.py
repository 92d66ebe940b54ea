"""Evaluation reports on disk: metrics JSON, the confusion matrix as CSV and PNG, a PNG grid of the worst errors.

Pictures are drawn with OpenCV and NumPy (no matplotlib) and returned as RGB arrays, so the pages can
offer the same images for download that ``python -m digitcore evaluate --report DIR`` writes.
Every file is written atomically.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..storage.atomic import atomic_write_bytes, atomic_write_text
from .evaluation import ErrorCase, EvalResult

__all__ = [
    "REPORT_FILES",
    "cell_colours",
    "confusion_matrix_image",
    "error_grid_image",
    "png_bytes",
    "confusion_csv",
    "metrics_dict",
    "write_report",
]

#: What :func:`write_report` writes into its folder.
REPORT_FILES = ("metrics.json", "confusion_matrix.csv", "confusion_matrix.png", "top_errors.png", "top_errors.csv")

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (31, 45, 54)  # the theme's text colour
_GREEN = np.array((47, 125, 109), np.float64)  # the theme's primary colour: right answers
_GREEN_LIGHT = np.array((226, 240, 236), np.float64)
_RED = np.array((192, 57, 43), np.float64)  # wrong answers
_RED_LIGHT = np.array((252, 228, 214), np.float64)
_EMPTY = (248, 250, 251)
_GRID = (210, 218, 223)


def _mix(light: np.ndarray, dark: np.ndarray, t: float) -> tuple[int, int, int]:
    t = float(np.clip(t, 0.0, 1.0))
    c = light + (dark - light) * t
    return int(round(c[0])), int(round(c[1])), int(round(c[2]))


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.5, colour=_INK, thick: int = 1,
          centre: bool = False) -> None:
    if centre:
        (w, h), _ = cv2.getTextSize(text, _FONT, scale, thick)
        org = (int(org[0] - w / 2), int(org[1] + h / 2))
    cv2.putText(img, text, org, _FONT, scale, colour, thick, cv2.LINE_AA)


def _luminance(rgb: tuple[int, int, int]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def cell_colours(cm: np.ndarray) -> np.ndarray:
    """(K,K,3) uint8 RGB colour of each confusion-matrix cell.

    Right answers (the diagonal) are green, mistakes red, empty cells near-white. A cell's shade is
    its share of the true digit's images; mistakes are scaled to the largest one so that rare
    confusions still show.
    """
    cm = np.asarray(cm, dtype=np.int64)
    rows = cm.sum(1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros(cm.shape, np.float64), where=rows > 0)
    off = share.copy()
    np.fill_diagonal(off, 0.0)
    worst = float(off.max()) or 1.0
    out = np.empty((*cm.shape, 3), np.uint8)
    for t in range(cm.shape[0]):
        for p in range(cm.shape[1]):
            if cm[t, p] == 0:
                out[t, p] = _EMPTY
            elif t == p:
                out[t, p] = _mix(_GREEN_LIGHT, _GREEN, 0.35 + 0.65 * share[t, p])
            else:
                out[t, p] = _mix(_RED_LIGHT, _RED, math.sqrt(share[t, p] / worst))
    return out


def confusion_matrix_image(cm: np.ndarray, *, normalise: bool = False, cell: int = 58, title: str = "") -> np.ndarray:
    """The confusion matrix as an RGB picture: rows = true digit, columns = predicted.

    Colours as :func:`cell_colours`; the diagonal also gets a dark frame. With ``normalise`` cells
    print their share of the true digit's images as a percentage instead of the count.
    """
    cm = np.asarray(cm, dtype=np.int64)
    k = cm.shape[0]
    rows = cm.sum(1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros(cm.shape, np.float64), where=rows > 0)
    colours = cell_colours(cm)
    left, top, pad = 70, 92 if title else 64, 18
    size = (top + k * cell + pad, left + k * cell + pad)
    img = np.full((*size, 3), 255, np.uint8)
    if title:
        _text(img, title, (12, 26), 0.6, thick=1)
    _text(img, "predicted digit", (left + k * cell // 2, top - 44), 0.55, centre=True)
    # Vertical axis title: drawn on its own strip, then turned a quarter.
    strip = np.full((28, k * cell, 3), 255, np.uint8)
    _text(strip, "true digit", (k * cell // 2, 13), 0.55, centre=True)
    img[top : top + k * cell, 4:32] = np.rot90(strip)
    for d in range(k):
        _text(img, str(d), (left + d * cell + cell // 2, top - 16), 0.6, thick=2, centre=True)
        _text(img, str(d), (left - 18, top + d * cell + cell // 2), 0.6, thick=2, centre=True)
    for t in range(k):
        for p in range(k):
            x0, y0 = left + p * cell, top + t * cell
            colour = tuple(int(v) for v in colours[t, p])
            cv2.rectangle(img, (x0, y0), (x0 + cell - 1, y0 + cell - 1), colour, -1)
            cv2.rectangle(img, (x0, y0), (x0 + cell - 1, y0 + cell - 1), _GRID, 1)
            if cm[t, p] or t == p:
                label = f"{share[t, p]:.0%}" if normalise else f"{cm[t, p]:,}"
                if normalise and 0 < share[t, p] < 0.005:
                    label = "<1%"
                ink = (255, 255, 255) if _luminance(colour) < 150 else _INK
                scale = 0.5 if len(label) <= 4 else 0.4
                _text(img, label, (x0 + cell // 2, y0 + cell // 2), scale, ink, 1, centre=True)
    # A frame around the diagonal makes "right answers" obvious even in grey print.
    for d in range(k):
        x0, y0 = left + d * cell, top + d * cell
        cv2.rectangle(img, (x0 + 1, y0 + 1), (x0 + cell - 2, y0 + cell - 2), (20, 70, 60), 2)
    return img


def _digit_tile(image28: np.ndarray, scale: int) -> np.ndarray:
    a = np.asarray(image28)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255).round().astype(np.uint8) if a.max(initial=0) <= 1.0 else a.astype(np.uint8)
    big = np.repeat(np.repeat(a.reshape(28, 28), scale, 0), scale, 1)
    return np.dstack([big, big, big])


def error_grid_image(images: np.ndarray, errors: list[ErrorCase], probabilities: np.ndarray, *, columns: int = 6,
                     scale: int = 4, title: str = "") -> np.ndarray:
    """A grid of misclassified digits, each with its true and predicted label and both probabilities.

    ``images`` are the evaluated (N,28,28) images, ``errors`` the cases to draw (in order) and
    ``probabilities`` the (N,10) matrix they came from (for each image's top three).
    """
    side = 28 * scale
    tile_w, tile_h = max(side + 24, 168), side + 78
    n = len(errors)
    columns = max(1, min(columns, n)) if n else 1
    rows = max(1, math.ceil(n / columns))
    head = 40 if title else 8
    img = np.full((head + rows * tile_h + 8, 8 + columns * tile_w, 3), 255, np.uint8)
    if title:
        _text(img, title, (10, 27), 0.6)
    if not errors:
        _text(img, "No mistakes: every image was recognised.", (10, head + 30), 0.55)
        return img
    probs = np.asarray(probabilities)
    for i, e in enumerate(errors):
        r, c = divmod(i, columns)
        x0, y0 = 8 + c * tile_w, head + r * tile_h
        ix = x0 + (tile_w - side) // 2 - 4
        img[y0 : y0 + side, ix : ix + side] = _digit_tile(images[e.index], scale)
        cv2.rectangle(img, (ix - 1, y0 - 1), (ix + side, y0 + side), _GRID, 1)
        ty = y0 + side + 18
        _text(img, f"#{i + 1}  true {e.true}", (x0 + 4, ty), 0.5, (31, 45, 54), 1)
        _text(img, f"said {e.predicted}", (x0 + 4 + 100, ty), 0.5, tuple(int(v) for v in _RED), 2)
        _text(img, f"p({e.predicted})={e.p_predicted:.0%}  p({e.true})={e.p_true:.0%}", (x0 + 4, ty + 20), 0.45)
        top3 = np.argsort(-probs[e.index], kind="stable")[:3]
        _text(img, "top 3: " + "  ".join(f"{d}={probs[e.index, d]:.0%}" for d in top3), (x0 + 4, ty + 40), 0.4,
              (90, 105, 115))
    return img


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an RGB array as PNG bytes."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
        raise ValueError("Could not encode the picture as PNG.")
    return buf.tobytes()


def confusion_csv(cm: np.ndarray) -> str:
    """The matrix as CSV: a header ``true\\predicted,0,...,9``, then one line per true digit."""
    cm = np.asarray(cm, dtype=np.int64)
    lines = ["true\\predicted," + ",".join(str(d) for d in range(cm.shape[1]))]
    lines += [f"{t}," + ",".join(str(int(v)) for v in cm[t]) for t in range(cm.shape[0])]
    return "\n".join(lines) + "\n"


def metrics_dict(result: EvalResult, top_k: int = 36) -> dict[str, Any]:
    """Everything numeric about an evaluation, JSON-ready: scalars, per-class scores, matrix, worst errors."""
    return {
        **result.to_dict(),
        "per_class": [m.to_dict() for m in result.per_class_metrics()],
        "confusion_matrix": result.confusion_matrix().tolist(),
        "top_errors": [{"index": e.index, "true": e.true, "predicted": e.predicted, "p_predicted": e.p_predicted,
                        "p_true": e.p_true, "margin": e.margin} for e in result.top_errors(top_k)],
    }


def write_report(folder: str | Path, result: EvalResult, images: np.ndarray, info: dict[str, Any] | None = None,
                 *, top_k: int = 36, title: str = "") -> dict[str, Path]:
    """Write :data:`REPORT_FILES` into ``folder`` (created if needed); returns name -> path.

    ``info`` (model path, data source, ...) is merged into ``metrics.json`` ahead of the numbers.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    cm = result.confusion_matrix()
    errors = result.top_errors(top_k)
    paths = {name: folder / name for name in REPORT_FILES}
    metrics = {**(info or {}), **metrics_dict(result, top_k)}
    atomic_write_text(paths["metrics.json"], json.dumps(metrics, indent=2) + "\n")
    atomic_write_text(paths["confusion_matrix.csv"], confusion_csv(cm))
    acc = f"accuracy {result.accuracy:.2%} on {result.n:,} images" if result.n else "no images"
    atomic_write_bytes(paths["confusion_matrix.png"],
                       png_bytes(confusion_matrix_image(cm, title=(f"{title}: " if title else "") + acc)))
    grid_title = f"{len(errors)} most confidently wrong of {result.errors:,} mistakes"
    grid_title += f" ({title})" if title else ""
    atomic_write_bytes(paths["top_errors.png"],
                       png_bytes(error_grid_image(images, errors, result.probabilities, title=grid_title)))
    rows = ["rank,index,true,predicted,p_predicted,p_true,margin"]
    rows += [f"{i},{e.index},{e.true},{e.predicted},{e.p_predicted:.6f},{e.p_true:.6f},{e.margin:.6f}"
             for i, e in enumerate(errors, start=1)]
    atomic_write_text(paths["top_errors.csv"], "\n".join(rows) + "\n")
    return paths
