"""Several models on the same pictures: a folder test (every model on every image) and the leaderboard numbers.

Pictures are decoded and preprocessed once (:func:`prepare_images`), then each model only runs on the
28x28 digits (:func:`answer_images`), so testing five models costs one preprocessing pass. Labels come
from file names like ``7-01.jpg`` (:func:`~digitcore.insight.evaluation.label_from_filename`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .evaluation import label_from_filename

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "IMAGE_SUFFIXES",
    "Prepared",
    "ModelAnswers",
    "list_image_files",
    "prepare_image",
    "prepare_images",
    "answer_images",
    "answers_frame",
    "accuracy_frame",
    "latency_ms",
    "leaderboard_frame",
    "best_row",
]

#: Extensions picked up from folders (case-insensitive).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".dib", ".gif", ".tif", ".tiff", ".avif"})
#: A folder test looks at no more than this many images (a classroom folder, not a dataset).
MAX_FOLDER_IMAGES = 500
#: Kept pictures (for thumbnails) are shrunk to at most this many pixels on the longer side.
KEEP_SIDE = 256


@dataclass
class Prepared:
    """One picture ready for the models: its 28x28 ``digit28``, or why there is none.

    ``error`` is set when the file is not a usable image; ``message`` when it is but holds no ink.
    ``image`` is the decoded picture, shrunk to :data:`KEEP_SIDE` (for thumbnails), when ``keep_image`` was asked for.
    """

    name: str
    label: int | None
    digit28: np.ndarray | None = field(default=None, repr=False)
    image: np.ndarray | None = field(default=None, repr=False)
    error: str | None = None
    message: str | None = None

    @property
    def usable(self) -> bool:
        """True when the models can be asked about this picture."""
        return self.digit28 is not None


def list_image_files(folder: str | Path) -> list[Path]:
    """A folder's image files (by extension), sorted by name; hidden files and sub-folders skipped.

    Raises ``OSError`` when the folder cannot be listed.
    """
    folder = Path(folder)
    return sorted(
        (c for c in folder.iterdir()
         if c.suffix.lower() in IMAGE_SUFFIXES and not c.name.startswith(".") and c.is_file()),
        key=lambda c: c.name,
    )


def _shrink(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    if max(h, w) <= side:
        return image
    import cv2

    scale = side / max(h, w)
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def prepare_image(source: Any, name: str, *, keep_image: bool = False) -> Prepared:
    """Decode and preprocess one picture (path, bytes or array); problems are recorded, never raised."""
    from ..imaging.image_io import ImageError, load_image
    from ..imaging.preprocess import preprocess

    item = Prepared(name, label_from_filename(name))
    try:
        image = load_image(source)
        prep = preprocess(image, keep_steps=False)
    except ImageError as exc:
        item.error = str(exc)
        return item
    except MemoryError:
        item.error = "This image is too large to process."
        return item
    except Exception as exc:  # one odd file must not stop the others
        item.error = f"This image could not be processed ({exc.__class__.__name__}: {exc})."
        return item
    if keep_image:
        item.image = _shrink(image, KEEP_SIDE)
    if not prep.has_ink:
        item.message = prep.message or "No ink found: nothing to recognise."
        return item
    item.digit28 = prep.digit28
    return item


def prepare_images(sources: Iterable[tuple[str, Any]], *, keep_image: bool = False,
                   limit: int = MAX_FOLDER_IMAGES) -> list[Prepared]:
    """:func:`prepare_image` for ``(name, source)`` pairs, at most ``limit`` of them."""
    out = []
    for i, (name, source) in enumerate(sources):
        if i >= limit:
            break
        out.append(prepare_image(source, name, keep_image=keep_image))
    return out


@dataclass
class ModelAnswers:
    """One model's answers for a list of :class:`Prepared` pictures.

    ``digits[i]`` is None where a picture had no digit or the model declined it as "not a digit"
    (``declined[i]``; its most likely digit stays in ``best_guesses[i]``).
    """

    model: str
    digits: list[int | None]
    confidences: list[float | None]
    probabilities: np.ndarray = field(repr=False)  # (N,10); rows of NaN where there is no answer
    seconds: float = 0.0
    declined: list[bool] = field(default_factory=list)
    best_guesses: list[int | None] = field(default_factory=list)

    def correct(self, items: Sequence[Prepared]) -> tuple[int, int]:
        """(right, labelled): answers that match the file-name label, over pictures that have a label."""
        labelled = [(it.label, d) for it, d in zip(items, self.digits) if it.label is not None]
        return sum(label == d for label, d in labelled), len(labelled)

    def accuracy(self, items: Sequence[Prepared]) -> float | None:
        """Share of labelled pictures answered right (no digit or a decline counts as wrong); None if no labels."""
        right, n = self.correct(items)
        return right / n if n else None


def answer_images(predictor: Any, model: str, items: Sequence[Prepared]) -> ModelAnswers:
    """Run one model on the usable pictures, in one call.

    A :class:`~digitcore.model.predictor.Predictor` (``predict_scores``) may decline a picture as
    "not a digit", as on the home page; anything with only ``predict_digits`` always answers.
    """
    usable = [i for i, it in enumerate(items) if it.usable]
    probs = np.full((len(items), 10), np.nan, np.float32)
    conf = np.full(len(items), np.nan, np.float32)
    declined = np.zeros(len(items), bool)
    t0 = time.perf_counter()
    if usable:
        batch = np.stack([items[i].digit28 for i in usable])
        if hasattr(predictor, "predict_scores"):
            scores = predictor.predict_scores(batch)
            probs[usable], conf[usable] = scores.digits, scores.confidence
            declined[usable] = scores.declined
        else:
            probs[usable] = np.asarray(predictor.predict_digits(batch))
            conf[usable] = probs[usable].max(axis=1)
    seconds = time.perf_counter() - t0
    digits: list[int | None] = [None] * len(items)
    best: list[int | None] = [None] * len(items)
    confs: list[float | None] = [None] * len(items)
    for i in usable:
        best[i] = int(np.argmax(probs[i]))
        confs[i] = float(conf[i])
        digits[i] = None if declined[i] else best[i]
    return ModelAnswers(model, digits, confs, probs, seconds, [bool(v) for v in declined], best)


def answers_frame(items: Sequence[Prepared], answers: Sequence[ModelAnswers]) -> "pd.DataFrame":
    """One row per picture: file, label, then per model its digit, confidence, whether it was right, and declines.

    Columns: ``file``, ``label``, and for each model ``<model>`` (digit or None), ``<model> confidence``,
    ``<model> right`` (True/False, None without a label) and ``<model> not a digit`` (declined).
    """
    import pandas as pd

    frame = pd.DataFrame({"file": [it.name for it in items],
                          "label": pd.array([it.label for it in items], dtype="Int64")})
    for a in answers:
        frame[a.model] = pd.array(a.digits, dtype="Int64")
        frame[f"{a.model} confidence"] = pd.array(a.confidences, dtype="Float64")
        frame[f"{a.model} right"] = pd.array(
            [None if it.label is None else d == it.label for it, d in zip(items, a.digits)], dtype="boolean")
        frame[f"{a.model} not a digit"] = pd.array(a.declined or [False] * len(items), dtype="boolean")
    return frame


def accuracy_frame(items: Sequence[Prepared], answers: Sequence[ModelAnswers]) -> "pd.DataFrame":
    """One row per model: right, labelled, accuracy (None without labelled pictures), declines, no-answer count."""
    import pandas as pd

    rows = []
    for a in answers:
        right, n = a.correct(items)
        declined = sum(a.declined)
        rows.append({"model": a.model, "right": right, "labelled": n, "accuracy": right / n if n else None,
                     "not a digit": declined, "no answer": sum(d is None for d in a.digits) - declined})
    return pd.DataFrame(rows, columns=["model", "right", "labelled", "accuracy", "not a digit", "no answer"])


def latency_ms(predictor: Any, repeats: int = 25) -> float:
    """Median milliseconds for the model to answer one 28x28 image (after a warm-up call).

    Only the model is timed: preprocessing is the same for every model.
    """
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 6:22, 12:16] = 1.0
    predictor.predict_digits(x)
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        predictor.predict_digits(x)
        times.append((time.perf_counter() - t0) * 1000.0)
    return float(statistics.median(times))


LEADERBOARD_COLUMNS = ["model", "preset", "parameters", "file MB", "test accuracy", "seed accuracy", "latency ms",
                       "default", "problem"]


def leaderboard_frame(rows: Iterable[dict[str, Any]]) -> "pd.DataFrame":
    """The leaderboard table, best MNIST test accuracy first (ties: faster first).

    Each row has the keys of :data:`LEADERBOARD_COLUMNS` (missing ones become empty).
    """
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=LEADERBOARD_COLUMNS)
    frame["parameters"] = pd.array(frame["parameters"], dtype="Int64")
    for col in ("file MB", "test accuracy", "seed accuracy", "latency ms"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Float64")
    frame["default"] = [bool(v) if v is not None and v == v else False for v in frame["default"]]
    frame["problem"] = [str(v) if isinstance(v, str) else "" for v in frame["problem"]]
    frame = frame.sort_values(["test accuracy", "latency ms"], ascending=[False, True], na_position="last",
                              kind="stable")
    return frame.reset_index(drop=True)


def best_row(frame: "pd.DataFrame") -> int | None:
    """Index of the leaderboard's best model (highest test accuracy, then fastest), or None."""
    ok = frame["test accuracy"].notna()
    if not ok.any():
        return None
    sub = frame[ok].sort_values(["test accuracy", "latency ms"], ascending=[False, True], kind="stable")
    return int(sub.index[0])
