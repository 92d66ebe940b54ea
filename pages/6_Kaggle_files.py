"""Kaggle "Digit Recognizer" files: turn a test.csv into a submission.csv, or check a model on a train.csv.

Parsing and writing the CSVs is ``digitcore.insight.kaggle``; scoring is ``digitcore.insight.evaluation``. Both are
cached per uploaded file and model version.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from digitcore.insight import presentation as pres
from digitcore.insight.eval_sets import kaggle_set
from digitcore.insight.kaggle import MAX_BYTES, KaggleData, KaggleError, read_kaggle_csv, submission_csv
from digitcore.storage.model_store import ModelEntry
from digitcore.model.predictor import LOW_CONFIDENCE
from pages.ui.insight import (
    confusion_view,
    evaluate_entry,
    load_predictor,
    model_key,
    pick_model,
    predictor_for,
    setup_page,
    top_errors_view,
)

INTRO = (
    "Kaggle's [Digit Recognizer](https://www.kaggle.com/competitions/digit-recognizer) competition gives the "
    "digits as CSV files: every line is one 28 × 28 picture written as 784 numbers. Upload **test.csv** to get "
    "a **submission.csv** you can send to Kaggle, or **train.csv** (it has the right answers) to see how a "
    "model does on it."
)
UPLOAD_MB = MAX_BYTES // 2**20
PREVIEW = 18


@st.cache_data(show_spinner="Reading the CSV…", max_entries=4)
def _parse(file_id: str, size: int, name: str, expect: str, _data: bytes) -> KaggleData:
    del file_id, size  # cache key only (hashing a 70 MB upload on every rerun would be slow)
    return read_kaggle_csv(_data, name, expect=expect)


@st.cache_data(show_spinner=False, max_entries=8)
def _predict(model_path: str, mtime_ns: int, sha256: str, _images: np.ndarray) -> np.ndarray:
    del sha256  # cache key only
    return load_predictor(model_path, mtime_ns).predict_digits(_images)


def read_upload(label: str, key: str, expect: str) -> KaggleData | None:
    """The uploaded CSV, parsed; None (with the reason shown) when there is none or it is not valid."""
    f = st.file_uploader(label, type=["csv"], key=key, max_upload_size=UPLOAD_MB)
    if f is None:
        return None
    try:
        data = _parse(getattr(f, "file_id", f.name), f.size, f.name, expect, f.getvalue())
    except KaggleError as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    except Exception:  # any other surprise from a user's file: a message, not a traceback
        st.error(f"{f.name} could not be read as a Kaggle CSV file.", icon=":material/error:")
        return None
    st.caption(f"{f.name}: {len(data):,} pictures{' with labels' if data.labels is not None else ''}.")
    return data


def preview(images: np.ndarray, digits: np.ndarray, conf: np.ndarray, n: int = PREVIEW, per_row: int = 6) -> None:
    """The first pictures with the model's answers ("?" where it was unsure)."""
    n = min(n, len(images))
    for start in range(0, n, per_row):
        cols = st.columns(per_row)
        for col, i in zip(cols, range(start, min(start + per_row, n))):
            unsure = "?" if conf[i] < LOW_CONFIDENCE else ""
            col.image(pres.enlarge_pixels(images[i], 4), width="stretch", caption=f"#{i + 1} → {digits[i]}{unsure}")


def submission_tab(entry: ModelEntry | None) -> None:
    """test.csv in, submission.csv out."""
    data = read_upload("Kaggle test.csv (784 pixel columns, a header row)", "kg_test", "test")
    if data is None:
        st.info("The file needs a header row `pixel0,…,pixel783` and one picture per line "
                f"(up to {UPLOAD_MB} MB; Kaggle's test.csv has 28,000 pictures).", icon=":material/upload_file:")
        return
    if entry is None or predictor_for(entry) is None:
        return
    path, mtime = model_key(entry)
    with st.spinner(f"{pres.model_name(entry)} is reading {len(data):,} pictures…"):
        probs = _predict(path, mtime, data.sha256, data.images)
    digits = probs.argmax(1)
    conf = probs[np.arange(len(digits)), digits]
    st.download_button("Download submission.csv", submission_csv(digits), file_name="submission.csv",
                       mime="text/csv", type="primary", icon=":material/download:", key="kg_submission")
    unsure = int((conf < LOW_CONFIDENCE).sum())
    st.markdown(f"**{len(digits):,}** answers, one per line as `ImageId,Label` (ImageId counts from 1). "
                f"The model was unsure (below {LOW_CONFIDENCE:.0%}) about **{unsure:,}** of them, marked ? below.")
    counts = pd.DataFrame({"digit": [str(d) for d in range(10)],
                           "pictures": np.bincount(digits, minlength=10)})
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown("**How often each digit was answered**")
        st.bar_chart(counts, x="digit", y="pictures", height=260, color=pres.TOP_COLOUR)
    with right:
        st.markdown("**The first pictures and their answers**")
        preview(data.images, digits, conf)


def evaluation_tab(entry: ModelEntry | None) -> None:
    """train.csv in: accuracy, confusion matrix and the worst mistakes."""
    data = read_upload("Kaggle train.csv (label + 784 pixel columns, a header row)", "kg_train", "train")
    if data is None:
        st.info("The file needs a header row `label,pixel0,…,pixel783` and one picture per line "
                f"(up to {UPLOAD_MB} MB; Kaggle's train.csv has 42,000 pictures).", icon=":material/upload_file:")
        return
    if entry is None:
        return
    eval_set = kaggle_set(data.images, data.labels, data.name, data.sha256)
    result = evaluate_entry(entry, eval_set)
    if result is None:
        return
    title = f"{entry.name} on {data.name}"
    confusion_view(result, eval_set.x, key="kg_cm", title=title)
    st.divider()
    st.subheader("Most confidently wrong")
    top_errors_view(result, eval_set.x, key="kg_te", title=f"{title}: most confidently wrong")


def main() -> None:
    """Lay out the page."""
    setup_page("Kaggle files", "📄", INTRO)
    left, _ = st.columns([2, 3])
    with left:
        entry = pick_model("kg_model")
    make, check = st.tabs([":material/publish: Make a submission (test.csv)",
                           ":material/fact_check: Check a model (train.csv)"])
    with make:
        submission_tab(entry)
    with check:
        evaluation_tab(entry)


if __name__ == "__main__":
    from pages.ui.navigation import page_entry

    page_entry(main)
