"""The several-uploads table as the home page shows it: confidence as text, right/wrong from file names.

Plain data (pandas), no Streamlit. Confidence uses :func:`presentation.format_percent`, the
one format of the app (a bar rounded to "100%" would contradict the ">99%" beside it).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .evaluation import label_from_filename
from .presentation import UploadResult, format_percent, results_frame

__all__ = ["upload_table", "has_labels"]


def has_labels(results: Sequence[UploadResult]) -> bool:
    """True when at least one file name says its digit (``7-01.jpg``)."""
    return any(label_from_filename(r.name) is not None for r in results)


def upload_table(results: Sequence[UploadResult]) -> pd.DataFrame:
    """``file, digit, sure, confidence, message`` plus ``true digit, right`` when names carry labels.

    ``sure`` is the confidence as the page words it (``">99%"``, ``"<1%"``, ``""`` without an
    answer); ``confidence`` stays 0-1 for sorting; ``right`` is ``"✓"``, ``"✗"`` or ``""``.
    """
    frame = results_frame(results)
    frame.insert(2, "sure", [format_percent(c) if c is not None and c == c else "" for c in frame["confidence"]])
    if has_labels(results):
        truths, marks = [], []
        for r in results:
            label = label_from_filename(r.name)
            truths.append("" if label is None else str(label))
            if label is None:
                marks.append("")
            else:
                marks.append("✓" if r.ok and r.prediction.digit == label else "✗")
        frame["true digit"] = truths
        frame["right"] = marks
    return frame
