"""The training page's "add the class's drawings" option (teacher only) and its before/after result."""

from __future__ import annotations

import streamlit as st

from digitcore.storage.class_store import ClassStoreError
from digitcore.training.class_data import ClassData, load_class_data
from pages.ui.class_store import is_teacher, teacher_key_configured


def option() -> bool:
    """The teacher key field and the checkbox; True when the class's drawings should be added."""
    if teacher_key_configured() is None:
        st.caption(":material/groups: Training with the class's drawings is available from the command line "
                   "(`python -m digitcore train --class-data`); set a teacher key to do it here.")
        return False
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    given = c1.text_input("Teacher key (to train with the class's drawings)", type="password",
                          key="train_teacher_key")
    if given and not is_teacher(given):
        c1.error("That is not the teacher key.")
        return False
    return c2.checkbox("Add the class's drawings (a fixed quarter is held out to measure)", key="train_class_data",
                       disabled=not is_teacher(given))


def load() -> ClassData | None:
    """The class's drawings for a run, or None after showing why they can't be used."""
    try:
        return load_class_data()
    except ClassStoreError as exc:
        st.error(f"Can't train with the class's drawings: {exc}", icon=":material/database_off:")
        return None


def show_result(meta: dict | None) -> None:
    """Accuracy on the held-out class drawings before and after, when the run used them."""
    cd = (meta or {}).get("class_data")
    if not cd:
        return
    before = (cd.get("before") or {}).get("accuracy")
    after = (cd.get("after") or {}).get("accuracy")
    a, b, c = st.columns(3)
    a.metric(f"Class drawings before ({(cd.get('before') or {}).get('model', '–')})",
             "–" if before is None else f"{before:.1%}", border=True)
    b.metric("After this run", "–" if after is None else f"{after:.1%}",
             None if before is None or after is None else f"{after - before:+.1%}", border=True)
    c.metric("Held-out class drawings", f"{cd.get('held_out_drawings', 0):,}", border=True)
