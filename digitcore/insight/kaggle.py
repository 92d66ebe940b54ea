"""Kaggle "Digit Recognizer" files: read ``train.csv`` / ``test.csv``, write ``submission.csv``.

* ``train.csv``: a header ``label,pixel0,...,pixel783``, then one image per line: the digit, then
  784 whole numbers 0-255 (28x28, row by row, white ink on black like MNIST).
* ``test.csv``: the same without the label column (784 columns).
* ``submission.csv``: ``ImageId,Label`` with ImageId counting from 1, one line per test image.

Bad files raise :class:`KaggleError` with a message for the user. Reading is bounded: the header
line is checked before anything else (a file with a million columns is refused after reading at
most :data:`MAX_HEADER_BYTES`), rows are parsed in chunks straight into uint8, and at most
:data:`MAX_ROWS` images are accepted.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

__all__ = [
    "KaggleError",
    "KaggleData",
    "N_PIXELS",
    "MAX_ROWS",
    "MAX_BYTES",
    "read_kaggle_csv",
    "submission_csv",
    "read_submission",
    "to_kaggle_csv",
]

N_PIXELS = 28 * 28
#: Kaggle's train.csv has 42,000 images and test.csv 28,000; this leaves room without unbounded memory.
MAX_ROWS = 100_000
#: Kaggle's train.csv is 73 MB; a file over this is refused before parsing.
MAX_BYTES = 200 * 1024 * 1024
#: A Kaggle header is about 7 KB; a first line longer than this cannot be one.
MAX_HEADER_BYTES = 64 * 1024
#: A data line is at most ~3.2 KB (785 values of up to 3 digits); this leaves room for padding.
MAX_LINE_BYTES = 32 * 1024
_CHUNK_ROWS = 2000
_PANDAS_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class KaggleError(ValueError):
    """A Kaggle CSV could not be used; the message says why, in words for the user."""


@dataclass(frozen=True)
class KaggleData:
    """Images from a Kaggle CSV: ``images`` (N,28,28) uint8, ``labels`` (N,) int64 for train.csv else None."""

    images: np.ndarray
    labels: np.ndarray | None
    name: str
    sha256: str

    @property
    def kind(self) -> str:
        """``"train"`` when the file has labels, else ``"test"``."""
        return "train" if self.labels is not None else "test"

    def __len__(self) -> int:
        return int(len(self.images))


def _read_source(source: bytes | str | Path | BinaryIO, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), name or "the file"
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise KaggleError(f"{path.name} is {size / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB.")
            return path.read_bytes(), name or path.name
        except FileNotFoundError:
            raise KaggleError(f"File not found: {path}") from None
        except IsADirectoryError:
            raise KaggleError(f"{path} is a folder, not a CSV file.") from None
        except OSError as exc:
            raise KaggleError(f"{path.name} could not be read ({exc.strerror or exc.__class__.__name__}).") from None
    data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise KaggleError(f"The file is over {MAX_BYTES // 2**20} MB.")
    return data, name or getattr(source, "name", "the file")


def _header(data: bytes, name: str) -> tuple[list[str], int]:
    """The header's column names and the byte offset where the data rows start."""
    end = data.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0:
        if len(data) > MAX_HEADER_BYTES:
            raise KaggleError(
                f"{name} is not a Kaggle digits file: its first line is over {MAX_HEADER_BYTES // 1024} KB long, "
                f"far more than the {N_PIXELS} or {N_PIXELS + 1} column names it should hold."
            )
        end = len(data)
    line = data[:end].rstrip(b"\r")
    if line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise KaggleError(f"{name} is not a CSV text file.") from None
    if "\x00" in text:
        raise KaggleError(f"{name} is not a CSV text file (it is binary).")
    cols = [c.strip().strip('"') for c in text.split(",")]
    if cols and cols[-1] == "" and len(cols) > 1:
        cols = cols[:-1]  # a trailing comma
    if all(_is_number(c) for c in cols):
        raise KaggleError(
            f"{name} has no header row: the first line must name the columns "
            f"(label,pixel0,...,pixel783 for train.csv or pixel0,...,pixel783 for test.csv)."
        )
    return cols, end + 1


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(cols: list[str], name: str) -> bool:
    """True when the file has a label column (train.csv), False for test.csv; KaggleError otherwise."""
    n = len(cols)
    if n == N_PIXELS + 1:
        if cols[0].lower() != "label":
            raise KaggleError(f"{name} has {n} columns but the first is '{cols[0][:40]}', not 'label'.")
        return True
    if n == N_PIXELS:
        if cols[0].lower() == "label":
            raise KaggleError(f"{name} has a label column but only {N_PIXELS - 1} pixel columns; "
                              f"a 28x28 image needs {N_PIXELS}.")
        return False
    raise KaggleError(
        f"{name} has {n:,} column{'s' if n != 1 else ''}; a Kaggle digits file has {N_PIXELS} pixel columns "
        f"(test.csv) or a label plus {N_PIXELS} (train.csv)."
    )


def _bad_value_message(chunk: pd.DataFrame, name: str, first_line: int) -> str:
    """Find the first non-numeric cell of a chunk for a precise message."""
    for col in chunk.columns:
        if not pd.api.types.is_numeric_dtype(chunk[col]):
            values = pd.to_numeric(chunk[col], errors="coerce")
            bad = np.flatnonzero(values.isna().to_numpy() & chunk[col].notna().to_numpy())
            if len(bad):
                row = int(bad[0])
                text = str(chunk[col].iloc[row])[:30]
                return (f"{name}, line {first_line + row}, column {col}: '{text}' is not a number; "
                        "every value must be a whole number from 0 to 255.")
    return f"{name} has values that are not numbers; every value must be a whole number from 0 to 255."


def _check_chunk(values: np.ndarray, chunk: pd.DataFrame, name: str, first_line: int, has_label: bool) -> None:
    finite = np.isfinite(values)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise KaggleError(f"{name}, line {first_line + r}: a value is missing in column {chunk.columns[c]} "
                          f"(every line needs {values.shape[1]} values).")
    pixels = values[:, 1:] if has_label else values
    bad = (pixels < 0) | (pixels > 255) | (pixels != np.round(pixels))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        col = chunk.columns[c + (1 if has_label else 0)]
        raise KaggleError(f"{name}, line {first_line + r}, column {col}: {pixels[r, c]:g} is not a pixel value; "
                          "pixels must be whole numbers from 0 to 255.")
    if has_label:
        labels = values[:, 0]
        bad = (labels < 0) | (labels > 9) | (labels != np.round(labels))
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise KaggleError(f"{name}, line {first_line + r}: label {labels[r]:g} is not a digit 0-9.")


def _check_lines(body: bytes, n_cols: int, name: str) -> int:
    """Count the data lines, refusing any with the wrong number of values or absurd length, before parsing.

    Uses only ``bytes.find``/``count`` (C speed, no copies), so a line with a million values is refused
    after scanning it once instead of being tokenised into memory.
    """
    pos, line_no, rows, n = 0, 2, 0, len(body)
    while pos < n:
        end = body.find(b"\n", pos)
        if end < 0:
            end = n
        length = end - pos
        if length > MAX_LINE_BYTES:
            values = body.count(b",", pos, end) + 1
            raise KaggleError(f"{name}, line {line_no}: {values:,} values, but the header has {n_cols} columns.")
        if body[pos:end].strip():
            values = body.count(b",", pos, end) + 1
            if values != n_cols:
                raise KaggleError(f"{name}, line {line_no}: {values:,} value{'s' if values != 1 else ''}, "
                                  f"but the header has {n_cols} columns.")
            rows += 1
            if rows > MAX_ROWS:
                raise KaggleError(f"{name} has more than {MAX_ROWS:,} images; that is more than this app "
                                  "accepts (Kaggle's files have 42,000 and 28,000).")
        pos, line_no = end + 1, line_no + 1
    return rows


def read_kaggle_csv(source: bytes | str | Path | BinaryIO, name: str | None = None, *,
                    expect: str | None = None) -> KaggleData:
    """Read a Kaggle ``train.csv`` (with labels) or ``test.csv`` (without).

    ``expect`` (``"train"`` or ``"test"``) refuses the other kind with a message that says which
    file it looks like. Raises :class:`KaggleError` for anything that is not a valid file.
    """
    data, name = _read_source(source, name)
    if len(data) > MAX_BYTES:
        raise KaggleError(f"{name} is {len(data) / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB.")
    if not data.strip():
        raise KaggleError(f"{name} is empty.")
    cols, start = _header(data, name)
    has_label = _kind(cols, name)
    if expect == "train" and not has_label:
        raise KaggleError(f"{name} has no label column, so it looks like a test.csv: there is nothing to check "
                          "the answers against. Use it to make a submission instead.")
    if expect == "test" and has_label:
        raise KaggleError(f"{name} has a label column, so it looks like a train.csv: use it to evaluate a model "
                          "instead (a submission is made from test.csv).")

    body = data[start:]
    n_rows = _check_lines(body, len(cols), name)
    if n_rows == 0:
        raise KaggleError(f"{name} has a header but no images.")

    images: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    rows = 0
    line = 2  # the first data line (1-based, after the header)
    names = [f"c{i}" for i in range(len(cols))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            reader = pd.read_csv(io.BytesIO(body), header=None, names=names, index_col=False,
                                 chunksize=_CHUNK_ROWS, engine="c", skip_blank_lines=True, low_memory=True)
            for chunk in reader:
                chunk.columns = cols
                if rows + len(chunk) > MAX_ROWS:
                    raise KaggleError(f"{name} has more than {MAX_ROWS:,} images; that is more than this app "
                                      "accepts (Kaggle's files have 42,000 and 28,000).")
                if not all(pd.api.types.is_numeric_dtype(chunk[c]) for c in chunk.columns):
                    raise KaggleError(_bad_value_message(chunk, name, line))
                values = chunk.to_numpy(dtype=np.float64)
                _check_chunk(values, chunk, name, line, has_label)
                if has_label:
                    labels.append(values[:, 0].astype(np.int64))
                    values = values[:, 1:]
                images.append(values.astype(np.uint8).reshape(-1, 28, 28))
                rows += len(chunk)
                line += len(chunk)
    except KaggleError:
        raise
    except pd.errors.ParserWarning:
        raise KaggleError(f"{name}: the lines have more values than the header has columns ({len(cols)}).") from None
    except pd.errors.ParserError as exc:
        m = _PANDAS_LINE.search(str(exc))
        if m:
            expected, at, saw = (int(g) for g in m.groups())
            raise KaggleError(
                f"{name}, line {at + 1}: {saw:,} values, but the header has {expected} columns.") from None
        raise KaggleError(f"{name} is not a well-formed CSV file ({str(exc).strip()[:120]}).") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise KaggleError(f"{name} is not a readable CSV file ({exc.__class__.__name__}).") from None
    if rows == 0:
        raise KaggleError(f"{name} has a header but no images.")
    return KaggleData(
        images=np.concatenate(images),
        labels=np.concatenate(labels) if has_label else None,
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def submission_csv(digits: Sequence[int] | np.ndarray) -> str:
    """Kaggle's ``submission.csv`` text: ``ImageId,Label`` then one line per image, ImageId from 1."""
    digits = np.asarray(digits, dtype=np.int64).reshape(-1)
    if digits.size and (digits.min() < 0 or digits.max() > 9):
        raise ValueError("Every label must be a digit 0-9.")
    lines = ["ImageId,Label", *(f"{i},{d}" for i, d in enumerate(digits.tolist(), start=1))]
    return "\n".join(lines) + "\n"


def read_submission(text: str | bytes) -> np.ndarray:
    """The labels of a ``submission.csv`` in ImageId order (checks the header and the ids 1..N)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or [c.strip() for c in lines[0].split(",")] != ["ImageId", "Label"]:
        raise KaggleError("A submission starts with the header 'ImageId,Label'.")
    try:
        pairs = np.array([[int(v) for v in ln.split(",")] for ln in lines[1:]], dtype=np.int64).reshape(-1, 2)
    except ValueError:
        raise KaggleError("Every submission line must be two whole numbers: ImageId,Label.") from None
    if not np.array_equal(pairs[:, 0], np.arange(1, len(pairs) + 1)):
        raise KaggleError("ImageId must count 1, 2, 3, ... in order.")
    return pairs[:, 1]


def to_kaggle_csv(images: np.ndarray, labels: np.ndarray | None = None) -> str:
    """Images (N,28,28) uint8 (and labels) in Kaggle's layout: train.csv with labels, test.csv without."""
    x = np.asarray(images, dtype=np.uint8).reshape(len(images), N_PIXELS)
    header = ",".join(f"pixel{i}" for i in range(N_PIXELS))
    buf = io.StringIO()
    if labels is not None:
        y = np.asarray(labels, dtype=np.int64).reshape(-1, 1)
        buf.write("label," + header + "\n")
        np.savetxt(buf, np.hstack([y, x.astype(np.int64)]), fmt="%d", delimiter=",")
    else:
        buf.write(header + "\n")
        np.savetxt(buf, x, fmt="%d", delimiter=",")
    return buf.getvalue()
