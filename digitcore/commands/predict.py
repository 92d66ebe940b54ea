"""``python -m digitcore predict``: recognise the digit in image files (and folders of them).

Output, one line per file, in the order given (a folder's images sorted by name):

* plain: ``PATH: 7 (99.8%)``, ``PATH: 4 (52.0%, not sure; next: 9 31.0%)``,
  ``PATH: no digit (No ink found: ...)`` or ``PATH: error: <why>``.
* ``--json``: one object per line with ``path``, ``digit``, ``confidence``, ``probabilities``,
  ``error`` and ``message``. ``probabilities`` is 10 floats (digits 0-9) when there is a prediction,
  else ``null``; ``digit`` and ``confidence`` are ``null`` then too. ``error`` is ``null`` unless the
  file could not be used. A picture without ink is not an error: ``digit`` is ``null`` and
  ``message`` says why (``message`` is ``null`` otherwise). Every line also has ``reason``
  (``null`` when a digit is given, ``"no_ink"`` for a blank picture, ``"not_a_digit"`` when a model
  with a "not a digit" class declined) and ``best_guess`` (the likeliest digit, also when declined;
  ``null`` without a prediction). A declined picture is not an error either: plain text says
  ``PATH: not a digit (best guess 4)``. ``--no-reject`` always names a digit.

Several models (``--model A --model B``) each answer every file: the lines go file by file, one per
model, and carry the model too: plain ``PATH [MODEL]: 7 (99.8%)``, JSON an extra ``"model"`` field
(the path as given) and ``"label"`` (the digit a name like ``7-01.jpg`` promises, else ``null``). The
plain output then ends with each model's accuracy on the labelled files. Each picture is preprocessed
once, whatever the number of models. With one model the output is exactly as described above.

Folders are not searched recursively: their files with an image extension (see ``IMAGE_SUFFIXES``)
are used, hidden files skipped. A file named directly is always tried, whatever its extension.
Exit status: 0 when every file was read, 1 when any file failed, 2 when a model cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..insight.compare import IMAGE_SUFFIXES, list_image_files

__all__ = ["IMAGE_SUFFIXES", "Item", "expand_paths", "predict_items", "predict_items_multi", "format_line"]
#: Images preprocessed before each model call; bounds memory to this many 28x28 arrays.
BATCH = 256


def add_parser(sub) -> None:
    p = sub.add_parser(
        "predict",
        help="recognise the digit in image files or folders",
        description="Recognise the handwritten digit in each image. Folders give the image files directly "
        "inside them (not sub-folders), sorted by name.",
        epilog="--json prints one object per line: path, digit, confidence, probabilities (10 floats, null "
        "without a prediction), error (null unless the file could not be used) and message (why there is no "
        "digit, e.g. a blank picture), reason (null, no_ink or not_a_digit) and best_guess (the likeliest digit, "
        "also when the model says it is not a digit; --no-reject always names a digit). With several --model options every model answers every file and each "
        "line also has model (and, in JSON, label: the digit a name like 7-01.jpg promises). "
        "Exit status: 0 all files read, 1 some file failed, 2 unusable model.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files and/or folders of images")
    p.add_argument("--model", action="append", metavar="MODEL",
                   help="a .keras model file (default: the shipped default model); repeat to compare models")
    p.add_argument("--json", action="store_true", help="one JSON object per line instead of text")
    p.add_argument("--number", action="store_true",
                   help="read the whole number in each picture (JSON: path, number, digits, reason, error, message)")
    p.add_argument("--no-reject", action="store_true",
                   help="always name a digit, even where the model says it is not a digit")
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
    model: str | None = None  # set only when several models answer
    reason: str | None = None  # None (a digit), "no_ink" or "not_a_digit"
    best_guess: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON line for this file (with ``model`` and ``label`` when several models answer)."""
        out = {"path": self.path, "digit": self.digit, "confidence": self.confidence,
               "probabilities": self.probabilities, "error": self.error, "message": self.message,
               "reason": self.reason, "best_guess": self.best_guess}
        if self.model is not None:
            from ..insight.evaluation import label_from_filename

            out["model"] = self.model
            out["label"] = label_from_filename(self.path)
        return out


def expand_paths(paths: list[str]) -> Iterator[Item]:
    """Files as given; folders as their image files (sorted, non-recursive). Problems become error items."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                files = list_image_files(p)
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
    from ..insight.compare import prepare_image

    prep = prepare_image(item.path, item.path)
    item.error, item.message = prep.error, prep.message
    if prep.error is None and prep.digit28 is None:
        item.reason = "no_ink"
    return prep.digit28


def _fill(item: Item, scores, row: int) -> None:
    """Copy one row of ``rejection.Scores`` into ``item`` (digit None when declined)."""
    best = int(scores.best_guess[row])
    item.best_guess, item.confidence = best, float(scores.confidence[row])
    item.probabilities = [float(v) for v in scores.digits[row]]
    if scores.declined[row]:
        item.digit, item.reason = None, "not_a_digit"
        item.message = "That doesn't look like a digit."
    else:
        item.digit, item.reason = best, None


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for it in items:
        chunk.append(it)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def predict_items(predictor, items: Iterator[Item], batch: int = BATCH, reject: bool = True) -> Iterator[Item]:
    """Fill in each item's prediction, one model call per ``batch`` files; yields items in order.

    ``reject=False`` names a digit even where the model says it is not one.
    """
    import numpy as np

    for chunk in _chunks(items, batch):
        ready: list[tuple[Item, Any]] = []
        for it in chunk:
            if it.error is None:
                d = _prepare(it)
                if d is not None:
                    ready.append((it, d))
        if ready:
            scores = predictor.predict_scores(np.stack([d for _, d in ready]), reject=reject)
            for row, (it, _) in enumerate(ready):
                _fill(it, scores, row)
        yield from chunk


def predict_items_multi(predictors: list[tuple[str, Any]], items: Iterator[Item],
                        batch: int = BATCH, reject: bool = True) -> Iterator[list[Item]]:
    """For each file, one filled-in copy per ``(name, predictor)``, in that order; preprocessing happens once."""
    import numpy as np

    for chunk in _chunks(items, batch):
        ready = [(it, d) for it in chunk if it.error is None and (d := _prepare(it)) is not None]
        answers: dict[int, list[Item]] = {id(it): [replace(it, model=name) for name, _ in predictors] for it in chunk}
        if ready:
            stack = np.stack([d for _, d in ready])
            for m, (_, predictor) in enumerate(predictors):
                scores = predictor.predict_scores(stack, reject=reject)
                for row, (it, _) in enumerate(ready):
                    _fill(answers[id(it)][m], scores, row)
        for it in chunk:
            yield answers[id(it)]


def format_line(item: Item) -> str:
    """The plain-text line for one file (``PATH [MODEL]: ...`` when several models answer)."""
    from ..model.predictor import LOW_CONFIDENCE

    where = item.path if item.model is None else f"{item.path} [{item.model}]"
    if item.error is not None:
        return f"{where}: error: {item.error}"
    if item.reason == "not_a_digit":
        return f"{where}: not a digit (best guess {item.best_guess})"
    if item.digit is None:
        return f"{where}: no digit ({item.message})"
    text = f"{where}: {item.digit} ({item.confidence:.1%}"
    if item.confidence < LOW_CONFIDENCE and item.probabilities:
        order = sorted(range(10), key=lambda d: item.probabilities[d], reverse=True)
        runner_up = order[1]
        text += f", not sure; next: {runner_up} {item.probabilities[runner_up]:.1%}"
    return text + ")"


def _load_models(paths: list[str | None]) -> list[tuple[str, Any]] | None:
    from ..model.inference import ModelLoadError
    from ..model.predictor import Predictor

    out = []
    for path in dict.fromkeys(paths):  # the same model twice would only repeat its lines
        try:
            out.append((str(path) if path else "default", Predictor.load(path)))
        except ModelLoadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return None
    return out


def run(args: argparse.Namespace) -> int:
    predictors = _load_models(args.model or [None])
    if predictors is None:
        return 2
    if getattr(args, "number", False):
        from .predict_number import run_number

        return run_number(predictors[0][1], args.paths, args.json)
    failed = total = 0
    if len(predictors) == 1:
        for item in predict_items(predictors[0][1], expand_paths(args.paths), reject=not args.no_reject):
            total += 1
            failed += item.error is not None
            print(json.dumps(item.to_dict()) if args.json else format_line(item), flush=True)
    else:
        from ..insight.evaluation import label_from_filename

        score = {name: [0, 0] for name, _ in predictors}
        for copies in predict_items_multi(predictors, expand_paths(args.paths), reject=not args.no_reject):
            total += 1
            failed += copies[0].error is not None
            for item in copies:
                print(json.dumps(item.to_dict()) if args.json else format_line(item), flush=True)
                label = label_from_filename(item.path) if item.error is None else None
                if label is not None:
                    score[item.model][0] += item.digit == label
                    score[item.model][1] += 1
        if not args.json:
            for name, (right, n) in score.items():
                if n:
                    print(f"{name}: {right}/{n} right ({right / n:.1%}) on files named after their digit")
    if failed:
        print(f"{failed} of {total} file(s) could not be used.", file=sys.stderr)
    return 1 if failed else 0
