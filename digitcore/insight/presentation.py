"""What the pages show, as plain data: answer wording, chart tables, preview pictures.

Pure functions (NumPy, OpenCV, pandas; no Streamlit) so the wording and the
pictures can be unit-tested and the pages stay thin.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import cv2
import numpy as np
import pandas as pd
from PIL import Image

from ..imaging.image_io import ImageError, load_image
from ..model.predictor import LOW_CONFIDENCE, Prediction

__all__ = [
    "Answer",
    "UploadResult",
    "answer_for",
    "format_percent",
    "escape_markdown",
    "unusable_models_note",
    "probability_frame",
    "probability_chart_spec",
    "runner_up_text",
    "best_guess_text",
    "NOT_A_DIGIT_HEADLINE",
    "model_label",
    "model_name",
    "with_article",
    "page_title",
    "plural",
    "to_rgb",
    "fit_within",
    "preview_with_bbox",
    "pad_to_square",
    "enlarge_pixels",
    "step_picture",
    "analyse_upload",
    "animation_note",
    "results_frame",
    "thumbnail",
    "upload_caption",
    "batch_summary",
]

#: Bar colours: the best guess stands out, the rest stay quiet.
TOP_COLOUR = "#2f7d6d"
OTHER_COLOUR = "#b9c6cf"
#: Bounding-box colour on previews (RGB).
BOX_COLOUR = (230, 57, 70)
#: Around step pictures that are not square (matches the theme's secondary background).
PAD_COLOUR = (233, 239, 241)


# ----------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class Answer:
    """How to state one prediction: ``kind`` is ``"sure"``, ``"unsure"``, ``"not_a_digit"`` or ``"empty"``."""

    kind: str
    big: str  # the large text: "7", "7?", "✗" or "?"
    headline: str  # one sentence for the class
    confidence_text: str  # "97%" or ""
    detail: str = ""  # small print under the headline, e.g. "My best guess would be 4."


#: What the page says when the model declines: the drawing is not a digit.
NOT_A_DIGIT_HEADLINE = "That doesn't look like a digit."


def best_guess_text(prediction: Prediction) -> str:
    """``"My best guess would be 4."`` for a declined prediction, else ``""``.

    No percentage: beside a chart of the digits alone (renormalised) it would read as a contradiction.
    """
    if prediction.reason != "not_a_digit" or prediction.best_guess is None:
        return ""
    return f"My best guess would be {prediction.best_guess}."


def format_percent(p: float) -> str:
    """A model's probability as a whole percentage, the one format every page uses.

    Never "100%": a float32 softmax rounds to exactly 1.0 although the model is never
    certain, so anything from 99.5% up reads ``">99%"`` (and tiny ones ``"<1%"``).
    """
    p = float(p)
    if not np.isfinite(p) or p <= 0.0:
        return "0%"
    pct = round(p * 100)
    if pct < 1:
        return "<1%"
    if pct > 99:
        return ">99%"
    return f"{pct}%"


def answer_for(prediction: Prediction, *, empty_hint: str = "") -> Answer:
    """Word a prediction for a classroom: plain when sure, hedged below ``LOW_CONFIDENCE``."""
    if prediction.reason == "not_a_digit":
        return Answer("not_a_digit", "✗", NOT_A_DIGIT_HEADLINE, "", best_guess_text(prediction))
    if prediction.digit is None:
        return Answer("empty", "?", empty_hint or prediction.message or "No digit found.", "")
    pct = format_percent(prediction.confidence)
    d = prediction.digit
    if prediction.confidence >= LOW_CONFIDENCE:
        return Answer("sure", str(d), f"It's {with_article(d)}! I'm {pct} sure.", pct)
    return Answer("unsure", f"{d}?", f"Maybe {with_article(d)}? I'm not sure ({pct}).", pct)


def with_article(digit: int) -> str:
    """``"a 7"`` but ``"an 8"``: the article as the digit is spoken."""
    return f"an {digit}" if digit == 8 else f"a {digit}"


#: What the shipped model is called in words, on every page.
DEFAULT_MODEL_TITLE = "Default model"
#: Appended to every browser tab title.
APP_NAME = "Digit recogniser"


def page_title(title: str) -> str:
    """A browser tab title, e.g. ``"Train a network · Digit recogniser"``."""
    return f"{title} · {APP_NAME}" if title and title != APP_NAME else APP_NAME


def model_name(entry: Any) -> str:
    """The one name of a model (a ``model_store.ModelEntry``) in words: "Default model" or the run's name."""
    return DEFAULT_MODEL_TITLE if entry.is_default else entry.name


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"0 epochs"`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def model_label(entry: Any) -> str:
    """Short name for a model picker (a ``model_store.ModelEntry``); accuracy is shown beside it."""
    name = model_name(entry)
    status = entry.meta.get("status")
    if status == "running":
        return f"{name} (still training)"
    if entry.problem:
        return f"{name} (failed)" if status == "failed" else f"{name} (broken)"
    return f"{name} ({status})" if status and status != "finished" else name


def unusable_models_note(entries: Sequence[Any], limit: int = 5) -> str:
    """Markdown naming the models that cannot be used and why ("" when all can); runs still training are left out.

    ``entries`` are ``model_store.ModelEntry``; e.g. ``"Can't be used: **old-run** (old-run.keras is
    damaged: not a complete Keras model file)."``
    """
    bad = [e for e in entries if e.problem and e.meta.get("status") != "running"]
    if not bad:
        return ""
    parts = [f"**{escape_markdown(e.name)}** ({escape_markdown(e.problem)})" for e in bad[:limit]]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return "Can't be used: " + "; ".join(parts) + more + "."


_MARKDOWN_SPECIAL = set("\\`*_{}[]<>()#+-.!|~$:")


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown (and Streamlit's ``$`` maths / ``:`` emoji) so user text shows as typed."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def runner_up_text(prediction: Prediction, k: int = 3) -> str:
    """The next guesses after the best one, e.g. ``"Next guesses: 1 (12%), 9 (3%)"``."""
    if prediction.digit is None:
        return ""
    rest = prediction.top(k)[1:]
    if not rest:
        return ""
    return "Next guesses: " + ", ".join(f"{d} ({format_percent(p)})" for d, p in rest)


# ----------------------------------------------------------------------------- chart


def probability_frame(probabilities: Sequence[float]) -> pd.DataFrame:
    """One row per digit 0-9: ``digit`` (str), ``probability``, ``percent`` label, ``rank`` label.

    ``rank`` is ``"best guess"`` for the most likely digit and ``"other"`` for the rest;
    ``label`` holds the percentage for the top three (blank otherwise) to print on the bars.
    """
    probs = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if probs.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got {probs.shape[0]}")
    order = np.argsort(-probs, kind="stable")
    has_answer = float(probs.max()) > 0.0
    top3 = set(order[:3].tolist()) if has_answer else set()
    best = int(order[0]) if has_answer else -1
    return pd.DataFrame(
        {
            "digit": [str(i) for i in range(10)],
            "probability": probs,
            "percent": [format_percent(p) for p in probs],
            "rank": ["best guess" if i == best else "other" for i in range(10)],
            "label": [format_percent(probs[i]) if i in top3 else "" for i in range(10)],
        }
    )


#: Chart text colours with at least 4.5:1 contrast on the page background (#f7f9fa): for projectors.
AXIS_TEXT = "#1f2d36"
AXIS_MUTED = "#3d4f5c"


def readable_axis_config(font_scale: float = 1.0) -> dict[str, Any]:
    """Vega-Lite ``config`` for axes and legends: dark labels (>= 4.5:1 contrast), sizes times ``font_scale``."""
    return {
        "axis": {"labelColor": AXIS_TEXT, "titleColor": AXIS_MUTED, "labelFontSize": round(12 * font_scale),
                 "titleFontSize": round(12 * font_scale), "tickColor": AXIS_MUTED, "domainColor": AXIS_MUTED},
        "legend": {"labelColor": AXIS_TEXT, "titleColor": AXIS_MUTED, "labelFontSize": round(12 * font_scale),
                   "titleFontSize": round(12 * font_scale)},
        "title": {"color": AXIS_TEXT},
        "text": {"color": AXIS_TEXT},
    }


def probability_chart_spec(height: int = 220, font_scale: float = 1.0) -> dict[str, Any]:
    """A Vega-Lite bar chart for :func:`probability_frame`: best guess highlighted, top three labelled.

    All ten digits are always labelled (no label is dropped for lack of room);
    ``font_scale`` enlarges the text (presenter mode).
    """
    x = {
        "field": "digit",
        "type": "ordinal",
        "sort": [str(i) for i in range(10)],
        "axis": {"labelAngle": 0, "title": "digit", "labelFontSize": round(16 * font_scale),
                 "titleFontSize": round(13 * font_scale), "labelOverlap": False, "labelSeparation": 0,
                 "labelFlush": False},
    }
    return {
        "height": round(height * (1 + (font_scale - 1) / 2)),
        "config": readable_axis_config(font_scale),
        "encoding": {"x": x},
        "layer": [
            {
                "mark": {"type": "bar", "cornerRadiusTopLeft": 4, "cornerRadiusTopRight": 4},
                "encoding": {
                    "y": {
                        "field": "probability",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1]},
                        "axis": {"format": "%", "title": "chance", "tickCount": 5},
                    },
                    "color": {
                        "field": "rank",
                        "type": "nominal",
                        "scale": {"domain": ["best guess", "other"], "range": [TOP_COLOUR, OTHER_COLOUR]},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "digit", "type": "nominal"},
                        {"field": "percent", "type": "nominal", "title": "chance"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "dy": -8, "fontSize": round(13 * font_scale), "fontWeight": "bold",
                         "color": AXIS_TEXT},
                "encoding": {
                    "y": {"field": "probability", "type": "quantitative"},
                    "text": {"field": "label"},
                },
            },
        ],
    }


# ----------------------------------------------------------------------------- pictures


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Any uint8 grey / RGB / RGBA array as RGB for display.

    Transparent pixels become white, or black when the opaque content is light
    (white strokes on a transparent canvas must stay visible).
    """
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    if a.ndim == 2:
        return np.ascontiguousarray(np.dstack([a, a, a]))
    if a.shape[2] == 3:
        return np.ascontiguousarray(a)
    rgb = a[:, :, :3].astype(np.float32)
    alpha = a[:, :, 3:4].astype(np.float32) / 255.0
    opaque = a[:, :, 3] >= 128
    light = opaque.any() and float(rgb[opaque].mean()) > 160.0
    fill = 0.0 if light else 255.0
    return (rgb * alpha + fill * (1.0 - alpha)).round().astype(np.uint8)


def fit_within(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Shrink (never enlarge) so the longer side is at most ``max_side``; returns (image, scale)."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def preview_with_bbox(
    image: np.ndarray, bbox: tuple[int, int, int, int] | None, max_side: int = 480, min_side: int = 0
) -> np.ndarray:
    """An RGB preview with the digit's box (given in original-pixel coords) drawn on it.

    Big pictures are shrunk so the longer side is at most ``max_side``; small ones are
    enlarged by a whole factor (nearest neighbour) towards ``min_side`` so the box and
    the pixels stay crisp instead of being blurred by the browser.
    """
    rgb = to_rgb(image)
    longer = max(rgb.shape[:2])
    if min_side and longer * 2 <= min(min_side, max_side):
        factor = min(min_side, max_side) // longer
        rgb, scale = enlarge_pixels(rgb, factor), float(factor)
    else:
        rgb, scale = fit_within(rgb, max_side)
    if bbox is None:
        return rgb
    rgb = rgb.copy()
    h, w = rgb.shape[:2]
    x, y, bw, bh = bbox
    thick = max(2, round(max(h, w) / 160))
    x0 = int(np.clip(round(x * scale), 0, w - 1))
    y0 = int(np.clip(round(y * scale), 0, h - 1))
    x1 = int(np.clip(round((x + bw) * scale) - 1, 0, w - 1))
    y1 = int(np.clip(round((y + bh) * scale) - 1, 0, h - 1))
    cv2.rectangle(rgb, (x0, y0), (x1, y1), BOX_COLOUR, thick)
    return rgb


def pad_to_square(image: np.ndarray, side: int, pad: tuple[int, int, int] | None = None) -> np.ndarray:
    """Centre an RGB image (at most ``side`` each way) on a ``side`` x ``side`` tile."""
    pad = PAD_COLOUR if pad is None else pad
    h, w = image.shape[:2]
    tile = np.empty((side, side, 3), np.uint8)
    tile[:] = pad
    y0, x0 = (side - h) // 2, (side - w) // 2
    tile[y0 : y0 + h, x0 : x0 + w] = image[:side, :side]
    return tile


def _as_uint8(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.dtype == np.uint8:
        return a
    if np.issubdtype(a.dtype, np.floating) and float(np.nanmax(a, initial=0.0)) <= 1.0:
        return (np.nan_to_num(a) * 255.0).round().clip(0, 255).astype(np.uint8)
    return np.clip(a, 0, 255).astype(np.uint8)


def enlarge_pixels(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """Blow an image up by an integer factor with nearest neighbour, so each pixel is a visible square.

    Float input in [0, 1] (the model's 28x28 input) is converted to uint8 first.
    """
    if scale < 1:
        raise ValueError("scale must be >= 1")
    a = _as_uint8(image)
    return np.ascontiguousarray(np.repeat(np.repeat(a, scale, axis=0), scale, axis=1))


def step_picture(image: np.ndarray, side: int = 168, pad: tuple[int, int, int] = PAD_COLOUR) -> np.ndarray:
    """A preprocessing step as a ``side`` x ``side`` RGB tile for a gallery.

    Small images are enlarged by a whole factor with nearest neighbour (pixels stay
    visible), big ones shrunk; either way the aspect ratio is kept and the rest of
    the tile is filled with ``pad`` so every tile in a row has the same size.
    """
    a = _as_uint8(image)
    h, w = a.shape[:2]
    longer = max(h, w)
    if longer < side:
        a = enlarge_pixels(a, max(1, side // longer))
    else:
        a = fit_within(a, side)[0]
    return pad_to_square(to_rgb(a), side, pad)


# ----------------------------------------------------------------------------- uploads


class _Predicts(Protocol):
    def predict(self, image: Any, *, keep_steps: bool = True) -> Prediction: ...


@dataclass
class UploadResult:
    """One uploaded file: its picture and prediction, or the reason it could not be used."""

    name: str
    image: np.ndarray | None = None
    prediction: Prediction | None = None
    error: str = ""
    note: str = ""  # something worth knowing about a usable file, e.g. "first frame only"

    @property
    def ok(self) -> bool:
        """True when a digit was recognised (not for blank pictures or drawings that are not digits)."""
        return self.prediction is not None and self.prediction.digit is not None

    @property
    def message(self) -> str:
        """Why there is no answer (unreadable file, no ink), or ``""``."""
        if self.error:
            return self.error
        if self.prediction is not None and self.prediction.digit is None:
            return self.prediction.message
        return ""


def animation_note(data: bytes) -> str:
    """``"Animated image: only its first frame is used."`` for multi-frame GIF/WebP/PNG, else ``""``."""
    if not data.startswith((b"GIF8", b"RIFF", b"\x89PNG")):
        return ""
    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = getattr(img, "n_frames", 1)
    except Exception:  # unreadable files get their message from load_image instead
        return ""
    return "Animated image: only its first frame is used." if frames > 1 else ""


def analyse_upload(predictor: _Predicts, name: str, data: bytes, *, keep_steps: bool = True) -> UploadResult:
    """Decode and predict one uploaded file; a bad file gives ``error`` instead of raising."""
    try:
        image = load_image(data)
        prediction = predictor.predict(image, keep_steps=keep_steps)
    except ImageError as exc:
        return UploadResult(name, error=str(exc))
    return UploadResult(name, image, prediction, note=animation_note(data))


def for_display(result: UploadResult, max_side: int = 400, step_side: int = 168) -> UploadResult:
    """A copy small enough to keep per visitor: picture and steps shrunk to what the page shows.

    A phone photo's result holds ~15 MB of arrays (the picture and full-size steps); the
    page never shows more than ``max_side`` (preview) and ``step_side`` (step tiles). The
    digit's box is rescaled with the picture, so the preview looks the same.
    """
    if result.image is None:
        return result
    image, scale = fit_within(result.image, max_side)
    prediction = result.prediction
    prep = prediction.preprocessed if prediction is not None else None
    if prep is not None:
        bbox = prep.bbox
        if bbox is not None and scale < 1.0:
            x, y, w, h = bbox
            bbox = (int(x * scale), int(y * scale), max(1, round(w * scale)), max(1, round(h * scale)))
        steps = [replace(step, image=fit_within(step.image, step_side)[0]) for step in prep.steps]
        prediction = replace(prediction, preprocessed=replace(prep, bbox=bbox, steps=steps))
    return replace(result, image=image, prediction=prediction)


def results_frame(results: Sequence[UploadResult]) -> pd.DataFrame:
    """The several-files table: file, digit, confidence (0-1, None without an answer), message."""
    rows = []
    for r in results:
        p = r.prediction
        answered = p is not None and p.digit is not None
        declined = p is not None and p.reason == "not_a_digit"
        notes = [f"doesn't look like a digit (best guess {p.best_guess})" if declined else r.message,
                 "not sure" if answered and not p.is_confident else "", r.note]
        note = "; ".join(n for n in notes if n)
        rows.append(
            {
                "file": r.name,
                "digit": str(p.digit) if answered else "-",
                "confidence": float(p.confidence) if answered else None,
                "message": note,
            }
        )
    return pd.DataFrame(rows, columns=["file", "digit", "confidence", "message"])


def thumbnail(result: UploadResult, side: int = 128) -> np.ndarray:
    """A ``side`` x ``side`` RGB tile with the digit's box; a plain grey tile when the file was unreadable."""
    if result.image is None:
        return np.full((side, side, 3), 215, np.uint8)
    bbox = result.prediction.preprocessed.bbox if result.prediction and result.prediction.preprocessed else None
    return pad_to_square(preview_with_bbox(result.image, bbox, max_side=side, min_side=side), side)


def upload_caption(result: UploadResult, max_name: int = 22) -> str:
    """Short caption under a thumbnail: file name and answer."""
    name = result.name if len(result.name) <= max_name else result.name[: max_name - 1] + "…"
    if result.error:
        return f"{name}: unreadable"
    if result.prediction is not None and result.prediction.reason == "not_a_digit":
        return f"{name}: not a digit"
    if not result.ok:
        return f"{name}: no digit"
    answer = answer_for(result.prediction)
    return f"{name}: {answer.big} ({answer.confidence_text})"


def batch_summary(results: Sequence[UploadResult]) -> str:
    """One line about a batch, e.g. ``"3 files: 2 recognised, 1 unreadable."``."""
    n = len(results)
    recognised = sum(r.ok for r in results)
    unreadable = sum(bool(r.error) for r in results)
    declined = sum(r.prediction is not None and r.prediction.reason == "not_a_digit" for r in results)
    no_digit = n - recognised - unreadable - declined
    parts = [f"{recognised} recognised"]
    if declined:
        parts.append(f"{declined} not a digit")
    if no_digit:
        parts.append(f"{no_digit} without a digit")
    if unreadable:
        parts.append(f"{unreadable} unreadable")
    return f"{n} file{'s' if n != 1 else ''}: " + ", ".join(parts) + "."
