"""Reading Keras ``CSVLogger`` files (``<run>.csv``) into clean per-epoch tables for the curves page.

Real logs are messier than Keras' own output: a log appended to across restarts repeats its header
and starts again at epoch 0, a run killed mid-write leaves half a line, older Keras wrote ``acc`` and
``lr``, and a run without validation has no ``val_*`` columns. :func:`read_training_log` copes with
all of that and says what it did in ``notes``; a file it cannot use at all raises
:class:`TrainingLogError` with a message for the user. Everything here is pandas/NumPy only.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "TrainingLogError",
    "TrainingLog",
    "METRICS",
    "MAX_LOG_BYTES",
    "read_training_log",
    "parse_training_log",
    "curves_frame",
    "best_epochs_frame",
]

#: A CSVLogger line is ~100 bytes per epoch; anything this big is not a training log.
MAX_LOG_BYTES = 5 * 1024 * 1024
#: Metric -> (training column, validation column), in the order the page shows them.
METRICS: dict[str, tuple[str, str]] = {
    "loss": ("loss", "val_loss"),
    "accuracy": ("accuracy", "val_accuracy"),
    "learning rate": ("learning_rate", ""),
}
_ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy", "lr": "learning_rate"}
_KNOWN = {"loss", "accuracy", "val_loss", "val_accuracy"}
#: Columns kept, in order (epoch first); others the log may hold (extra metrics) are kept after these.
_ORDER = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"]


class TrainingLogError(ValueError):
    """A training log could not be used at all; the message says why, in words for the user."""


@dataclass
class TrainingLog:
    """One run's training history, one row per epoch.

    ``frame`` has an int ``epoch`` column counted from 1 (CSVLogger counts from 0) and float
    columns among ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``learning_rate``.
    ``best_epoch`` is the epoch with the lowest validation loss (else highest validation accuracy,
    else lowest training loss), chosen by ``best_by``. ``sessions`` counts the separate trainings
    found in the file (only the last is in ``frame``); ``notes`` explain anything unusual.
    """

    name: str
    frame: pd.DataFrame
    best_epoch: int | None = None
    best_by: str = ""
    sessions: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs in the (last) training."""
        return int(len(self.frame))

    @property
    def has_validation(self) -> bool:
        """True when the log has validation loss or accuracy."""
        return any(c in self.frame for c in ("val_loss", "val_accuracy"))

    def best_row(self) -> dict[str, float] | None:
        """The metrics at the best epoch, or None."""
        if self.best_epoch is None:
            return None
        row = self.frame.loc[self.frame["epoch"] == self.best_epoch]
        return None if row.empty else {k: float(v) for k, v in row.iloc[0].items()}

    def to_csv(self) -> str:
        """The cleaned table as CSV text (epochs counted from 1)."""
        return self.frame.to_csv(index=False)


# ----------------------------------------------------------------------------- parsing


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _to_float(text: str) -> float:
    text = text.strip()
    if text == "":
        return math.nan
    return float(text)  # "nan", "inf" are valid: a diverged training logs them


def _column_name(raw: str) -> str:
    name = raw.strip().strip('"').strip()
    return _ALIASES.get(name, name)


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise TrainingLogError(f"The training log {name} is empty: the run has not finished an epoch yet, "
                               "or it was cleared.")
    if b"\x00" in data[:4096]:
        raise TrainingLogError(f"{name} is not a training log: it is a binary file, not CSV text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrainingLogError(f"{name} is not a training log: it is not readable text (UTF-8).") from None


@dataclass
class _Segment:
    header: list[str]
    rows: list[list[float]] = field(default_factory=list)
    first_line: int = 0


def _segments(text: str, name: str) -> tuple[list[_Segment], list[str]]:
    """Split the file at every header line; data rows are parsed to floats, bad rows skipped with a note."""
    notes: list[str] = []
    segments: list[_Segment] = []
    skipped: list[int] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for line_no, fields in enumerate(reader, start=1):
            if not fields or all(not f.strip() for f in fields):
                continue
            numeric = [_is_number(f) for f in fields]
            if not any(numeric):
                # A header line (the first one, or a repeated one after a restart).
                header = [_column_name(f) for f in fields]
                if any(not h for h in header) or len(set(header)) != len(header):
                    if segments:
                        skipped.append(line_no)
                        continue
                    raise TrainingLogError(f"{name} is not a training log: its first line has empty or repeated "
                                           "column names.")
                segments.append(_Segment(header, first_line=line_no))
                continue
            if not all(n or not f.strip() for n, f in zip(numeric, fields)):
                if not segments:
                    raise TrainingLogError(f"{name} is not a training log: its first line mixes words and numbers.")
                skipped.append(line_no)  # half a header, or text where numbers belong
                continue
            if not segments:
                raise TrainingLogError(f"{name} has no header line: a Keras CSVLogger log starts with "
                                       "'epoch,accuracy,loss,...'.")
            seg = segments[-1]
            if len(fields) != len(seg.header):
                skipped.append(line_no)  # a line cut short when training was killed mid-write
                continue
            seg.rows.append([_to_float(f) for f in fields])
    except csv.Error as exc:
        raise TrainingLogError(f"{name} is not a readable CSV file ({exc}).") from None
    if skipped:
        where = ", ".join(map(str, skipped[:5])) + (" …" if len(skipped) > 5 else "")
        notes.append(f"Skipped {len(skipped)} incomplete or garbled line(s) (line {where}).")
    return segments, notes


def _frame(seg: _Segment) -> pd.DataFrame:
    return pd.DataFrame(seg.rows, columns=seg.header, dtype=np.float64)


def _split_restarts(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Cut a frame wherever the epoch counter goes back (a restart without a new header)."""
    out = []
    for f in frames:
        if "epoch" not in f or len(f) < 2:
            out.append(f)
            continue
        ep = f["epoch"].to_numpy()
        cuts = [0, *(np.flatnonzero(np.diff(ep) <= 0) + 1).tolist(), len(f)]
        out.extend(f.iloc[a:b].reset_index(drop=True) for a, b in zip(cuts, cuts[1:]) if b > a)
    return out


def _join_sessions(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Glue pieces where the epoch continues (a resumed training); a restart begins a new session."""
    sessions: list[pd.DataFrame] = []
    for f in frames:
        if f.empty:
            continue
        if sessions and "epoch" in f and "epoch" in sessions[-1] and not sessions[-1].empty:
            last = sessions[-1]["epoch"].iloc[-1]
            if f["epoch"].iloc[0] == last + 1:
                sessions[-1] = pd.concat([sessions[-1], f], ignore_index=True)
                continue
        sessions.append(f)
    return sessions


def _choose_best(frame: pd.DataFrame) -> tuple[int | None, str]:
    for col, pick in (("val_loss", "min"), ("val_accuracy", "max"), ("loss", "min")):
        if col in frame:
            values = frame[col].to_numpy(dtype=np.float64)
            if np.isfinite(values).any():
                masked = np.where(np.isfinite(values), values, np.inf if pick == "min" else -np.inf)
                i = int(np.argmin(masked) if pick == "min" else np.argmax(masked))
                return int(frame["epoch"].iloc[i]), col
    return None, ""


def parse_training_log(data: bytes, name: str = "the log") -> TrainingLog:
    """Parse CSVLogger bytes into a :class:`TrainingLog` (see the module docstring for what is repaired)."""
    if len(data) > MAX_LOG_BYTES:
        raise TrainingLogError(f"{name} is {len(data) / 2**20:.1f} MB: far too big for a training log "
                               f"(limit {MAX_LOG_BYTES // 2**20} MB).")
    text = _decode(data, name)
    segments, notes = _segments(text, name)
    if not segments:
        raise TrainingLogError(f"{name} has no header line: a Keras CSVLogger log starts with 'epoch,...'.")
    headers = len(segments)
    frames = _split_restarts([_frame(s) for s in segments])
    sessions = _join_sessions(frames)
    if not sessions:
        raise TrainingLogError(f"{name} has a header but no epochs yet: the run has not finished its first "
                               "epoch (or it stopped before that).")
    frame = sessions[-1].copy()
    if len(sessions) > 1:
        notes.append(
            f"This log holds {len(sessions)} separate trainings: the file was appended to when training was "
            f"restarted. Showing the last one ({len(frame)} epoch{'s' if len(frame) != 1 else ''})."
        )
    elif headers > 1:
        notes.append(f"Training was resumed {headers - 1} time(s); the pieces are joined into one curve.")

    metrics = [c for c in frame.columns if c in _KNOWN]
    if not metrics:
        found = ", ".join(c for c in frame.columns if c != "epoch") or "none"
        raise TrainingLogError(f"{name} has none of the columns loss, accuracy, val_loss or val_accuracy "
                               f"(its columns: {found}), so there is nothing to plot.")
    if "epoch" in frame:
        epochs = frame["epoch"].to_numpy()
        if not np.isfinite(epochs).all():
            frame["epoch"] = np.arange(len(frame))
            notes.append("Some epoch numbers were missing; epochs are counted by line instead.")
        frame["epoch"] = frame["epoch"].astype(np.int64) + 1
    else:
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1, dtype=np.int64))
        notes.append("The log has no 'epoch' column; epochs are counted by line.")
    missing = [c for c in ("loss", "accuracy") if c not in frame]
    if missing:
        notes.append(f"No training {' or '.join(missing)} column: {' and '.join(missing)} curves show "
                     "validation only." if any(f"val_{m}" in frame for m in missing)
                     else f"No {' or '.join(missing)} column in this log.")
    if not any(c in frame for c in ("val_loss", "val_accuracy")):
        notes.append("No validation columns (val_loss, val_accuracy): the run was trained without validation "
                     "data, so only training curves are shown.")
    for col in [c for c in ("loss", "val_loss") if c in frame]:
        bad = frame.index[~np.isfinite(frame[col].to_numpy())]
        if len(bad):
            notes.append(f"{col} is not a number from epoch {int(frame['epoch'].iloc[bad[0]])} on: the training "
                         "diverged (try a smaller learning rate).")
            break
    ordered = [c for c in _ORDER if c in frame] + [c for c in frame.columns if c not in _ORDER]
    frame = frame[ordered].reset_index(drop=True)
    best, best_by = _choose_best(frame)
    return TrainingLog(name, frame, best, best_by, len(sessions), notes)


def read_training_log(path: str | Path, name: str | None = None) -> TrainingLog:
    """Read a CSVLogger file; :class:`TrainingLogError` when it is missing, unreadable or unusable."""
    path = Path(path)
    label = name or path.name
    try:
        size = path.stat().st_size
        if size > MAX_LOG_BYTES:
            raise TrainingLogError(f"{label} is {size / 2**20:.1f} MB: far too big for a training log "
                                   f"(limit {MAX_LOG_BYTES // 2**20} MB).")
        data = path.read_bytes()
    except FileNotFoundError:
        raise TrainingLogError(f"This run has no training log ({path.name} is missing).") from None
    except IsADirectoryError:
        raise TrainingLogError(f"{label} is a folder, not a training log.") from None
    except OSError as exc:
        raise TrainingLogError(f"{label} could not be read ({exc.strerror or exc.__class__.__name__}).") from None
    log = parse_training_log(data, label)
    log.name = name or path.stem
    return log


# ----------------------------------------------------------------------------- chart tables


def curves_frame(logs: dict[str, TrainingLog]) -> pd.DataFrame:
    """Long table for charts: run, epoch, metric, split (training/validation), value, best, has_validation.

    ``metric`` is one of :data:`METRICS`' keys; ``best`` marks each run's best epoch and
    ``has_validation`` whether that run logged validation data at all.
    """
    parts = []
    for run, log in logs.items():
        f = log.frame
        for metric, (train_col, val_col) in METRICS.items():
            for split, col in (("training", train_col), ("validation", val_col)):
                if col and col in f:
                    parts.append(pd.DataFrame({
                        "run": run, "epoch": f["epoch"].to_numpy(), "metric": metric, "split": split,
                        "value": f[col].to_numpy(dtype=np.float64),
                        "best": (f["epoch"] == log.best_epoch).to_numpy() if log.best_epoch else False,
                        "has_validation": log.has_validation,
                    }))
    if not parts:
        return pd.DataFrame(columns=["run", "epoch", "metric", "split", "value", "best", "has_validation"])
    out = pd.concat(parts, ignore_index=True)
    return out[np.isfinite(out["value"].to_numpy())].reset_index(drop=True)


def best_epochs_frame(logs: dict[str, TrainingLog]) -> pd.DataFrame:
    """One row per run: epochs, best epoch, what chose it, and the metrics at that epoch."""
    rows = []
    for run, log in logs.items():
        best = log.best_row() or {}
        rows.append({
            "run": run, "epochs": log.epochs, "best epoch": log.best_epoch,
            "chosen by": {"val_loss": "lowest validation loss", "val_accuracy": "highest validation accuracy",
                          "loss": "lowest training loss"}.get(log.best_by, ""),
            "val accuracy": best.get("val_accuracy"), "val loss": best.get("val_loss"),
            "train accuracy": best.get("accuracy"), "train loss": best.get("loss"),
        })
    return pd.DataFrame(rows)
