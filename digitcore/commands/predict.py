"""``python -m digitcore predict``: recognise the digit in image files (and folders of them).

Output, one line per file, in the order given (a folder's images sorted by name):

* plain: ``PATH: 7 (99.8%)``, ``PATH: 4 (52.0%, not sure; next: 9 31.0%)``,
  ``PATH: no digit (No ink found: ...)`` or ``PATH: error: <why>``.
* ``--json``: one object per line with ``path``, ``digit``, ``confidence``, ``probabilities``,
  ``error`` and ``message``. ``probabilities`` is 10 floats (digits 0-9) when there is a prediction,
  else ``null``; ``digit`` and ``confidence`` are ``null`` then too. ``error`` is ``null`` unless the
  file could not be used. A picture without ink is not an error: ``digit`` is ``null`` and
  ``message`` says why (``message`` is ``null`` otherwise).

Folders are not searched recursively: their files with an image extension (see ``IMAGE_SUFFIXES``)
are used, hidden files skipped. A file named directly is always tried, whatever its extension.
Exit status: 0 when every file was read, 1 when any file failed, 2 when the model cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Extensions picked up from folders (case-insensitive).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".dib", ".gif", ".tif", ".tiff", ".avif"})
#: Images preprocessed before each model call; bounds memory to this many 28x28 arrays.
BATCH = 256


def add_parser(sub) -> None:
    p = sub.add_parser(
        "predict",
        help="recognise the digit in image files or folders",
        description="Recognise the handwritten digit in each image. Folders give the image files directly "
        "inside them (not sub-folders), sorted by name.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files and/or folders of images")
    p.add_argument("--model", help="a .keras model file (default: the shipped default model)")
    p.add_argument("--json", action="store_true", help="one JSON object per line instead of text")
    p.set_defaults(run=run)


@dataclass
class Item:
    """One input path and, once processed, its result."""

    path: str
    error: str | None = None
    digit: int | None = None
    confidence: float | None = None
    probabilities: list[float] | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON line for this file."""
        return {"path": self.path, "digit": self.digit, "confidence": self.confidence,
                "probabilities": self.probabilities, "error": self.error, "message": self.message}


def expand_paths(paths: list[str]) -> Iterator[Item]:
    """Files as given; folders as their image files (sorted, non-recursive). Problems become error items."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                files = sorted(
                    (c for c in p.iterdir()
                     if c.suffix.lower() in IMAGE_SUFFIXES and not c.name.startswith(".") and c.is_file()),
                    key=lambda c: c.name,
                )
            except OSError as exc:
                yield Item(raw, error=f"Cannot list folder {raw}: {exc.strerror or exc}")
                continue
            if not files:
                yield Item(raw, error=f"No image files in folder {raw} (sub-folders are not searched).")
            for f in files:
                yield Item(str(f))
        elif not p.exists():
            yield Item(raw, error=f"File not found: {raw}")
        else:
            yield Item(raw)


def _prepare(item: Item):
    """Decode and preprocess one file; returns the 28x28 digit or None (error / no ink recorded on item)."""
    from ..image_io import ImageError, load_image
    from ..preprocess import preprocess

    try:
        prep = preprocess(load_image(item.path), keep_steps=False)
    except ImageError as exc:
        item.error = str(exc)
        return None
    except MemoryError:
        item.error = "This image is too large to process."
        return None
    except Exception as exc:  # one odd file must not stop the others
        item.error = f"This image could not be processed ({exc.__class__.__name__}: {exc})."
        return None
    if not prep.has_ink:
        item.message = prep.message or "No ink found: nothing to recognise."
        return None
    return prep.digit28


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for it in items:
        chunk.append(it)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def predict_items(predictor, items: Iterator[Item], batch: int = BATCH) -> Iterator[Item]:
    """Fill in each item's prediction, one model call per ``batch`` files; yields items in order."""
    import numpy as np

    for chunk in _chunks(items, batch):
        ready: list[tuple[Item, Any]] = []
        for it in chunk:
            if it.error is None:
                d = _prepare(it)
                if d is not None:
                    ready.append((it, d))
        if ready:
            probs = predictor.predict_digits(np.stack([d for _, d in ready]))
            for (it, _), row in zip(ready, probs):
                digit = int(np.argmax(row))
                it.digit, it.confidence = digit, float(row[digit])
                it.probabilities = [float(v) for v in row]
        yield from chunk


def format_line(item: Item) -> str:
    """The plain-text line for one file."""
    from ..predictor import LOW_CONFIDENCE

    if item.error is not None:
        return f"{item.path}: error: {item.error}"
    if item.digit is None:
        return f"{item.path}: no digit ({item.message})"
    text = f"{item.path}: {item.digit} ({item.confidence:.1%}"
    if item.confidence < LOW_CONFIDENCE and item.probabilities:
        order = sorted(range(10), key=lambda d: item.probabilities[d], reverse=True)
        runner_up = order[1]
        text += f", not sure; next: {runner_up} {item.probabilities[runner_up]:.1%}"
    return text + ")"


def run(args: argparse.Namespace) -> int:
    from ..inference import ModelLoadError
    from ..predictor import Predictor

    try:
        predictor = Predictor.load(args.model)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = total = 0
    for item in predict_items(predictor, expand_paths(args.paths)):
        total += 1
        failed += item.error is not None
        print(json.dumps(item.to_dict()) if args.json else format_line(item), flush=True)
    if failed:
        print(f"{failed} of {total} file(s) could not be used.", file=sys.stderr)
    return 1 if failed else 0
