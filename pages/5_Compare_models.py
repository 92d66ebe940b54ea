"""Compare models: a leaderboard of every run, and every model tested on a folder of pictures.

Numbers come from ``digitcore.insight.evaluation`` (MNIST test accuracy) and ``digitcore.insight.compare`` (folder
tests, latency); all of them are cached per model file version, so the page is fast after the first visit.
The folder test is also ``python -m digitcore predict --model A --model B FOLDER``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from digitcore.insight import presentation as pres
from digitcore.insight.compare import (
    ModelAnswers,
    Prepared,
    accuracy_frame,
    answer_images,
    best_row,
    latency_ms,
    leaderboard_frame,
    list_image_files,
    prepare_images,
)
from digitcore.insight.eval_sets import mnist_test_set
from digitcore.storage.model_store import ModelEntry
from digitcore.storage.paths import PICTURE_FOLDERS_ENV, picture_folders, seed_digits_dir
from pages.ui.insight import all_models, evaluate_cached, get_mnist, load_predictor, model_key, setup_page

INTRO = (
    "Which model is best? The **leaderboard** scores every model on the same MNIST test digits and on "
    "the hand-drawn seed digits, and times how long each needs for one picture. The **folder test** shows every "
    "model's answer for every picture in a folder, so you can see where they disagree."
)
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
THUMB = 120
#: At most this many pictures of a folder are tested (a big folder would keep the server busy).
MAX_FOLDER_PICTURES = 300
BEST_BACKGROUND = "background-color: #dcefe9; font-weight: 600"


# ----------------------------------------------------------------------------- cached work


def _folder_signature(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        st_ = f.stat()
        h.update(f"{f.name}:{st_.st_size}:{st_.st_mtime_ns};".encode())
    return h.hexdigest()


@st.cache_data(show_spinner="Reading the pictures…", max_entries=8)
def _prepare_files(paths: tuple[str, ...], signature: str) -> list[Prepared]:
    del signature  # cache key only: a changed file is read again
    return prepare_images(((Path(p).name, Path(p)) for p in paths), keep_image=True)


@st.cache_data(show_spinner="Reading the pictures…", max_entries=8)
def _prepare_uploads(signature: str, _files: tuple[tuple[str, bytes], ...]) -> list[Prepared]:
    del signature
    return prepare_images(_files, keep_image=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _answers(model_path: str, mtime_ns: int, images_key: str, name: str, _items: list[Prepared]) -> ModelAnswers:
    return answer_images(load_predictor(model_path, mtime_ns), name, _items)


@st.cache_data(show_spinner=False, max_entries=32)
def _latency(model_path: str, mtime_ns: int) -> float:
    return latency_ms(load_predictor(model_path, mtime_ns))


def _usable(entries: list[ModelEntry]) -> list[ModelEntry]:
    ok = []
    for e in entries:
        if e.problem:
            continue
        try:
            load_predictor(*model_key(e))
        except Exception:  # a damaged file is reported in the leaderboard, not here
            continue
        ok.append(e)
    return ok


def seed_items() -> tuple[list[Prepared], str] | None:
    """The seed digits folder's pictures (cached), or None when there is no such folder."""
    folder = seed_digits_dir()
    if folder is None or not folder.is_dir():
        return None
    files = list_image_files(folder)
    if not files:
        return None
    sig = _folder_signature(files)
    return _prepare_files(tuple(str(f) for f in files), sig), f"folder:{folder}:{sig}"


# ----------------------------------------------------------------------------- leaderboard


def leaderboard(entries: list[ModelEntry]) -> None:
    """Score every model (cached) and show the sortable table with the best one highlighted."""
    mnist = get_mnist("cmp_mnist")
    test = mnist_test_set(mnist) if mnist is not None else None
    seeds = seed_items()
    rows = []
    progress = st.progress(0.0, text="Scoring the models…")
    for i, e in enumerate(entries):
        row = {"model": pres.model_name(e), "preset": e.meta.get("preset") or "", "parameters": e.meta.get("params"),
               "default": e.is_default, "problem": e.problem}
        progress.progress(i / max(1, len(entries)), text=f"Scoring {pres.model_name(e)} ({i + 1} of {len(entries)})…")
        try:
            row["file MB"] = e.path.stat().st_size / 1e6
        except OSError:
            pass
        if not e.problem:
            try:
                path, mtime = model_key(e)
                predictor = load_predictor(path, mtime)
                if row["parameters"] is None:
                    row["parameters"] = int(predictor.model.count_params())
                if test is not None:
                    row["test accuracy"] = evaluate_cached(path, mtime, test.key, test.x, test.y).accuracy
                if seeds is not None:
                    items, key = seeds
                    row["seed accuracy"] = _answers(path, mtime, key, pres.model_name(e), items).accuracy(items)
                row["latency ms"] = _latency(path, mtime)
            except Exception as exc:  # one broken model must not hide the others
                row["problem"] = str(exc) or exc.__class__.__name__
        rows.append(row)
    progress.empty()
    frame = leaderboard_frame(rows)
    best = best_row(frame)
    if best is not None:
        b = frame.loc[best]
        wrong = int(round((1 - b["test accuracy"]) * len(test)))
        st.success(f"**Best on the MNIST test set: {b['model']}** with {b['test accuracy']:.2%} "
                   f"({wrong} mistake{'s' if wrong != 1 else ''} in {len(test):,} images).",
                   icon=":material/trophy:")
    show = frame.assign(**{
        "test accuracy": frame["test accuracy"] * 100,
        "seed accuracy": frame["seed accuracy"] * 100,
    })

    def highlight(row: pd.Series) -> list[str]:
        return [BEST_BACKGROUND if row.name == best else ""] * len(row)

    # Only what tells something: the "Default model" name says which is shipped, and an
    # all-empty problem column is noise.
    show = show.drop(columns=["default"] + ([] if show["problem"].astype(bool).any() else ["problem"]))
    styled = show.style.apply(highlight, axis=1).format(
        {"test accuracy": "{:.2f}%", "seed accuracy": "{:.0f}%", "latency ms": "{:.2f}", "file MB": "{:.2f}",
         "parameters": "{:,}"}, na_rep="–")
    st.dataframe(styled, hide_index=True, width="stretch", key="cmp_board", column_config={
        "model": st.column_config.TextColumn("Model"),
        "preset": st.column_config.TextColumn("Preset"),
        "parameters": st.column_config.NumberColumn("Parameters", help="Numbers the model learned."),
        "file MB": st.column_config.NumberColumn("File (MB)"),
        "test accuracy": st.column_config.NumberColumn(
            "MNIST test accuracy", help=f"Share of the {len(test):,} MNIST test digits answered right." if test
            else "MNIST was not found."),
        "seed accuracy": st.column_config.NumberColumn(
            "Seed digits accuracy", help="Share of the hand-drawn seed pictures answered right."
            if seeds else "The seed digits folder was not found."),
        "latency ms": st.column_config.NumberColumn(
            "Latency (ms)", help="Model time for one 28×28 picture (median of 25), on this computer."),
        "problem": st.column_config.TextColumn("Problem"),
    })
    notes = ["Click a column header to sort."]
    if test is None:
        notes.append("MNIST was not found, so there is no test accuracy.")
    if seeds is None:
        notes.append("No seed digits folder (`../shared/datasets/seed_digits` or `DIGITCORE_SEED_DIGITS`).")
    st.caption(" ".join(notes))


# ----------------------------------------------------------------------------- folder test


def choose_pictures() -> tuple[list[Prepared], str] | None:
    """A picture folder the server offers (the seed digits by default) or uploaded pictures."""
    source = st.radio("Pictures", ["folder", "upload"], horizontal=True, key="cmp_source",
                      format_func={"folder": "A picture folder on the server", "upload": "Upload pictures"}.get)
    if source == "upload":
        files = st.file_uploader("Pictures of digits (name them like 7-01.jpg to get them marked right or wrong)",
                                 type=UPLOAD_TYPES, accept_multiple_files=True, key="cmp_upload")
        if not files:
            st.info("Upload a few pictures of single digits. A name starting with the digit, like `7-01.jpg`, "
                    "tells the page the right answer.", icon=":material/upload:")
            return None
        pairs = tuple((f.name, f.getvalue()) for f in files)
        sig = hashlib.sha256(b"".join(hashlib.sha256(d).digest() + n.encode() for n, d in pairs)).hexdigest()
        return _prepare_uploads(sig, pairs), f"upload:{sig}"
    folders = picture_folders()
    if not folders:
        st.info("No picture folders are set up on this server: upload pictures instead. (The teacher can list "
                f"folders in `{PICTURE_FOLDERS_ENV}`.)", icon=":material/folder:")
        return None
    by_name = {str(f): f for f in folders}
    chosen = st.selectbox("Folder", list(by_name), key="cmp_folder", format_func=lambda p: folder_title(by_name[p]),
                          help=f"The seed digits and the folders the teacher listed in `{PICTURE_FOLDERS_ENV}`; "
                               "every image file directly in the folder is used (not sub-folders).")
    folder = by_name[chosen]
    if not folder.is_dir():
        st.error(f"`{folder}` is not a folder on this computer.", icon=":material/folder_off:")
        return None
    try:
        files = list_image_files(folder)
    except OSError as exc:
        st.error(f"Cannot read the folder `{folder}`: {exc.strerror or exc}", icon=":material/folder_off:")
        return None
    if not files:
        st.warning(f"No image files in `{folder}` (sub-folders are not searched).", icon=":material/folder_off:")
        return None
    if len(files) > MAX_FOLDER_PICTURES:
        st.caption(f":material/info: The folder has {len(files):,} pictures; the first {MAX_FOLDER_PICTURES} "
                   "(by name) are used. The command line takes them all: `python -m digitcore predict FOLDER`.")
        files = files[:MAX_FOLDER_PICTURES]
    sig = _folder_signature(files)
    return _prepare_files(tuple(str(f) for f in files), sig), f"folder:{folder}:{sig}"


def folder_title(folder: Path) -> str:
    """A folder as the picker shows it: "Seed digits" or its own name, never the server's full path."""
    seeds = seed_digits_dir()
    if seeds is not None and folder.resolve() == seeds.resolve():
        return "Seed digits (the project's hand-drawn examples)"
    return folder.name or str(folder)


def _thumb(item: Prepared) -> np.ndarray:
    if item.image is None:
        return np.full((THUMB, THUMB, 3), 215, np.uint8)
    return pres.pad_to_square(pres.preview_with_bbox(item.image, None, max_side=THUMB, min_side=THUMB), THUMB)


def _answer_html(model: str, item: Prepared, answers: ModelAnswers, i: int) -> str:
    digit, conf = answers.digits[i], answers.confidences[i]
    name = pres.escape_markdown(model).replace("\\", "")
    if answers.declined and answers.declined[i]:
        guess = answers.best_guesses[i]
        ok = item.label is None  # declining a labelled digit is a mistake
        mark = "" if ok else "✗ "
        return (f'<div class="dc-model-line {"dc-none" if ok else "dc-wrong"}">{mark}<b>not a digit</b> '
                f'(best guess {guess}) {name}</div>')
    if digit is None:
        return f'<div class="dc-model-line dc-none">– no answer {name}</div>'
    # The answer first: a long model name is cut off at the card's edge, never the answer.
    text = f"<b>{digit}</b> ({pres.format_percent(conf)}) {name}"
    if item.label is None:
        return f'<div class="dc-model-line">{text}</div>'
    ok = digit == item.label
    return f'<div class="dc-model-line {"dc-right" if ok else "dc-wrong"}">{"✓" if ok else "✗"} {text}</div>'


def folder_grid(items: list[Prepared], answers: list[ModelAnswers], per_row: int = 5) -> None:
    """Picture cards: thumbnail, file name and label, then each model's answer marked right or wrong."""
    import html

    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, i in zip(cols, range(start, min(start + per_row, len(items)))):
            item = items[i]
            with col.container(border=True):
                st.image(_thumb(item), width=THUMB)
                label = f"true digit {item.label}" if item.label is not None else "no label in the name"
                lines = [f'<div class="dc-card-title">{html.escape(item.name)}</div>'
                         f'<div class="dc-card-line">{label}</div>']
                if item.error:
                    lines.append(f'<div class="dc-card-line dc-wrong">{html.escape(item.error)}</div>')
                elif item.message:
                    lines.append(f'<div class="dc-card-line dc-none">{html.escape(item.message)}</div>')
                else:
                    lines += [_answer_html(a.model, item, a, i) for a in answers]
                st.html("".join(lines))


def folder_test(entries: list[ModelEntry]) -> None:
    """Every chosen model on every picture; per-model accuracy, then the picture grid."""
    usable = _usable(entries)
    if not usable:
        st.error("No usable model to test.")
        return
    names = [pres.model_name(e) for e in usable]
    chosen = st.multiselect("Models", names, default=names[:6], key="cmp_models",
                            placeholder="Choose the models to compare")
    got = choose_pictures()
    if got is None:
        return
    items, images_key = got
    if not chosen:
        st.info("Choose at least one model.", icon=":material/model_training:")
        return
    by_name = {pres.model_name(e): e for e in usable}
    answers = []
    with st.spinner("The models are looking at the pictures…"):
        for name in chosen:
            path, mtime = model_key(by_name[name])
            answers.append(_answers(path, mtime, images_key, name, items))
    usable_n = sum(it.usable for it in items)
    labelled = sum(it.label is not None for it in items)
    st.markdown(f"**{len(items)}** pictures, **{labelled}** with the right answer in their name"
                + (f", **{len(items) - usable_n}** without a usable digit." if usable_n < len(items) else "."))
    acc = accuracy_frame(items, answers)
    if labelled:
        st.dataframe(acc.assign(accuracy=acc["accuracy"] * 100), hide_index=True, width="stretch", column_config={
            "model": st.column_config.TextColumn("Model"),
            "right": st.column_config.NumberColumn("Right"),
            "labelled": st.column_config.NumberColumn("Labelled pictures"),
            "accuracy": st.column_config.ProgressColumn("Accuracy", format="%.0f%%", min_value=0.0, max_value=100.0),
            "not a digit": st.column_config.NumberColumn(
                "Said \"not a digit\"", help="Pictures the model declined (a model with a 'not a digit' class)."),
            "no answer": st.column_config.NumberColumn("No digit found"),
        })
    folder_grid(items, answers)


def main() -> None:
    """Lay out the page."""
    setup_page("Compare models", "🏆", INTRO)
    entries = all_models()
    if not entries:
        st.error("No models found: the default model `models/default.keras` is missing and nothing has been trained.")
        return
    board, folder = st.tabs([":material/leaderboard: Leaderboard", ":material/folder: Folder test"])
    with board:
        leaderboard(entries)
    with folder:
        folder_test(entries)


if __name__ == "__main__":
    from pages.ui.navigation import page_entry

    page_entry(main)
