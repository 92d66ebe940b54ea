"""Our class: the class's own drawings (from challenge mode, corrections and imports) and how a model does on them.

Counts per digit, the chosen model's accuracy, confusion matrix and misses (the same views as the
MNIST pages, from ``digitcore.insight``), a gallery filterable by digit, and export as an .npz in
MNIST layout or a Kaggle-style CSV. Deleting and importing need the teacher key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from digitcore.insight.class_results import class_results
from digitcore.insight.kaggle import to_kaggle_csv
from digitcore.storage.class_store import ClassStore, ClassStoreError, load_npz_digits, npz_bytes
from pages.ui.class_store import class_store, forget_failure, is_teacher, teacher_key_configured
from pages.ui.insight import confusion_view, pick_model, predictor_for, setup_page, top_errors_view

INTRO = (
    "Every digit your class drew in **challenge mode** or corrected with **Was I right?** on the home page is "
    "kept here (no names). See how many you have of each digit, how well a model reads *your* handwriting, "
    "which digits it mixes up, and export the drawings to train on them."
)
GALLERY_MAX = 60


def unavailable(why: str) -> None:
    st.error(f"The class store is unavailable: {why}", icon=":material/database_off:")
    st.caption("Recognition on the home page keeps working; drawings can't be saved or shown until this is fixed.")
    st.button("Try again", on_click=forget_failure, key="class_try_again")


def teacher_panel() -> bool:
    """The teacher key field; True when the right key was given."""
    with st.sidebar:
        st.subheader("Teacher")
        if teacher_key_configured() is None:
            st.caption("Deleting, importing and training with the class's drawings are available only from the "
                       "command line (`python -m digitcore class ...`). Set `teacher_key` in "
                       "`.streamlit/secrets.toml` or `$DIGITCORE_TEACHER_KEY` to do them here.")
            return False
        given = st.text_input("Teacher key", type="password", key="teacher_key_input",
                              help="Students can add drawings, never remove them.")
        ok = is_teacher(given)
        if given and not ok:
            st.error("That is not the teacher key.")
        elif ok:
            st.success("Teacher actions unlocked.", icon=":material/lock_open:")
        return ok


def counts_view(per_digit: dict[int, int]) -> None:
    total = sum(per_digit.values())
    st.subheader(f"{total:,} drawings")
    frame = pd.DataFrame({"digit": [str(d) for d in per_digit], "drawings": list(per_digit.values())})
    st.bar_chart(frame, x="digit", y="drawings", height=220, width="stretch")
    fewest = min(per_digit, key=per_digit.get)
    if total:
        st.caption(f"Fewest drawings: **{fewest}** ({per_digit[fewest]}). Challenge mode asks for every digit "
                   "equally often.")


def export_buttons(x: np.ndarray, y: np.ndarray) -> None:
    a, b = st.columns(2)
    a.download_button("Export .npz (MNIST layout: x, y)", npz_bytes(x, y), file_name="our_class.npz",
                      mime="application/octet-stream", icon=":material/download:", key="class_export_npz",
                      disabled=len(y) == 0)
    b.download_button("Export Kaggle-style CSV", to_kaggle_csv(x, y), file_name="our_class.csv", mime="text/csv",
                      icon=":material/table:", key="class_export_csv", disabled=len(y) == 0)


def _delete_one(store: ClassStore, drawing_id: int) -> None:
    try:
        store.delete(drawing_id)
        st.session_state["class_notice"] = f"Deleted drawing #{drawing_id}."
    except ClassStoreError as exc:
        st.session_state["class_notice"] = f"Could not delete: {exc}"


def gallery(store: ClassStore, teacher: bool) -> None:
    st.subheader("Gallery")
    digit = st.selectbox("Digit", ["all", *range(10)], key="class_gallery_digit",
                         format_func=lambda d: "every digit" if d == "all" else str(d))
    try:
        rows = store.list(None if digit == "all" else int(digit), limit=GALLERY_MAX)
    except ClassStoreError as exc:
        st.error(str(exc))
        return
    if not rows:
        st.info("No drawings of this digit yet.", icon=":material/image_not_supported:")
        return
    st.caption(f"The newest {len(rows)} (at most {GALLERY_MAX}). Green: the model was right when it was saved.")
    per_row = 8
    for start in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        for col, r in zip(cols, rows[start : start + per_row]):
            picture = r.png if r.png else np.kron(r.digit28, np.ones((3, 3), np.uint8))
            col.image(picture, width=84)
            said = "no answer" if r.predicted is None else f"said {r.predicted}"
            mark = "" if r.correct is None else (":green[✓]" if r.correct else ":red[✗]")
            col.caption(f"{mark} a **{r.label}**, {said} · {r.source}")
            if teacher:
                col.button("Delete", key=f"class_del_{r.id}", on_click=_delete_one, args=(store, r.id),
                           icon=":material/delete:")


def teacher_actions(store: ClassStore) -> None:
    st.subheader("Teacher actions")
    left, right = st.columns(2, gap="large")
    with left:
        upload = st.file_uploader("Import drawings (.npz with x: N x 28 x 28 and y: N)", type=["npz"],
                                  key="class_import")
        if upload is not None and st.button("Import", key="class_import_go", icon=":material/upload:"):
            try:  # read from memory: uploads are never written to disk
                x, y = load_npz_digits(upload.getvalue(), name=upload.name)
                n = store.import_arrays(x, y)
                st.success(f"Imported {n} drawings from {upload.name}.")
            except ClassStoreError as exc:
                st.error(f"{exc} Nothing was imported.")
    with right:
        sure = st.checkbox("Yes, delete every drawing of the class", key="class_clear_sure")
        if st.button("Delete all", disabled=not sure, key="class_clear", icon=":material/delete_forever:",
                     type="primary"):
            try:
                n = store.clear()
                st.success(f"Deleted {n} drawings.")
            except ClassStoreError as exc:
                st.error(str(exc))


def main() -> None:
    """Lay out the page."""
    setup_page("Our class", "🧑‍🏫", INTRO)
    teacher = teacher_panel()
    store, why = class_store()
    if store is None:
        unavailable(why)
        return
    notice = st.session_state.pop("class_notice", None)
    if notice:
        st.info(notice)
    entry = pick_model("class_model", help="Whose accuracy on the class's drawings to show.")
    predictor = predictor_for(entry) if entry is not None else None
    try:
        results = class_results(store, predictor)
    except ClassStoreError as exc:
        unavailable(str(exc))
        return
    counts_view(results.per_digit)
    if results.result is not None:
        r = results.result
        st.markdown(f"**{entry.name}** reads **{r.accuracy:.1%}** of the class's drawings right "
                    f"({r.correct:,} of {r.n:,}).", unsafe_allow_html=False)
        cm_tab, miss_tab = st.tabs([":material/grid_on: Confusion matrix", ":material/error: Misses"])
        with cm_tab:
            confusion_view(r, results.x, key="class_cm", title=f"{entry.name} on our class")
        with miss_tab:
            top_errors_view(r, results.x, key="class_err", title=f"{entry.name} on our class")
    elif results.total == 0:
        st.info("No drawings yet: switch on **Challenge mode** on the home page and draw!", icon=":material/draw:")
    export_buttons(results.x, results.y)
    gallery(store, teacher)
    if teacher:
        teacher_actions(store)


if __name__ == "__main__":
    from pages.ui.navigation import page_entry

    page_entry(main)
