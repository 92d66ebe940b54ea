"""``python -m digitcore predict --number``: read the whole number in each image file.

One line per file, in the order given (folders give their image files, as for single digits):

* plain: ``PATH: 42 (97.1%)``, ``PATH: no number (No ink found: ...)`` or ``PATH: error: <why>``;
* ``--json``: one object per line: ``{"path", "number", "digits": [{"digit", "confidence", "box"}],
  "reason", "error", "message"}``. ``number`` is the digits as a string (leading zeros kept) or
  ``null``; ``box`` is ``[x, y, w, h]`` in the image's pixels; ``reason`` is ``null``, ``"no_ink"`` or
  ``"not_a_digit"``; ``error`` is ``null`` unless the file could not be used.
"""

from __future__ import annotations

import json
from typing import Any

from .predict import expand_paths

__all__ = ["number_record", "run_number"]


def number_record(path: str, reading=None, error: str | None = None) -> dict[str, Any]:
    """The JSON object for one file (``reading`` is a ``NumberReading``; None with an error)."""
    if reading is None:
        return {"path": path, "number": None, "digits": [], "reason": None, "error": error, "message": None}
    return {
        "path": path,
        "number": reading.number,
        "digits": [d.to_dict() for d in reading.digits],
        "reason": reading.reason,
        "error": None,
        "message": reading.message or None,
    }


def _plain(rec: dict[str, Any], confidence: float | None) -> str:
    if rec["error"] is not None:
        return f"{rec['path']}: error: {rec['error']}"
    if rec["number"] is None:
        read = "".join("?" if d["digit"] is None else str(d["digit"]) for d in rec["digits"])
        why = rec["message"] or "nothing to read"
        return f"{rec['path']}: no number ({why})" + (f" [read: {read}]" if read else "")
    note = f" ({confidence:.1%})" if confidence is not None else ""
    return f"{rec['path']}: {rec['number']}{note}" + (f" - {rec['message']}" if rec["message"] else "")


def run_number(predictor, paths: list[str], as_json: bool) -> int:
    """Print one line per file; exit status 0 when every file was read, 1 when any failed."""
    from ..imaging.image_io import ImageError

    failed = total = 0
    for item in expand_paths(paths):
        total += 1
        reading = None
        error = item.error
        if error is None:
            try:
                reading = predictor.read_number(item.path)
            except ImageError as exc:
                error = str(exc)
        failed += error is not None
        rec = number_record(item.path, reading, error)
        print(json.dumps(rec) if as_json else _plain(rec, reading.confidence if reading else None), flush=True)
    if failed:
        import sys

        print(f"{failed} of {total} file(s) could not be used.", file=sys.stderr)
    return 1 if failed else 0
