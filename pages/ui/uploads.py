"""Uploads that behave: a new single file replaces the previous ones, "Remove all", and
thumbnails that open their full answer.

The uploader itself only ever adds files; replacing and removing are done by giving it a
new key (an empty widget) and keeping the one newest file here until the next upload.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class KeptFile:
    """An uploaded file kept after its widget was emptied (same interface as Streamlit's ``UploadedFile``)."""

    name: str
    data: bytes
    file_id: str

    def getvalue(self) -> bytes:
        """The file's bytes."""
        return self.data


# Each uploader has a slot: "upload" (the home page's digits) or "number_upload" (Number mode).
# The slot names its session keys, its widget ("uploads", "uploads-1", ...) and its button.


def uploader_key(slot: str = "upload") -> str:
    """The uploader's current key: ``"uploads"``, then a new one after each replace or "Remove all"."""
    n = st.session_state.get(f"{slot}_round", 0)
    return f"{slot}s" if n == 0 else f"{slot}s-{n}"


def _reset_widget(slot: str) -> None:
    st.session_state[f"{slot}_round"] = st.session_state.get(f"{slot}_round", 0) + 1
    st.session_state[f"{slot}_ids"] = []
    st.session_state.pop(f"{slot}_open", None)


def remove_all(slot: str = "upload") -> None:
    """Forget every uploaded file of ``slot`` (button callback)."""
    _reset_widget(slot)
    st.session_state[f"{slot}_kept"] = None
    st.session_state[f"{slot}_results"] = {}


def current_files(files: list, slot: str = "upload") -> list:
    """The files to answer for: a single file added to earlier ones replaces them.

    Several files chosen together stay together (the table); adding one more to them,
    or to one earlier file, shows only the new one.
    """
    ids = [getattr(f, "file_id", f.name) for f in files]
    before = st.session_state.get(f"{slot}_ids") or []
    added = [f for f, i in zip(files, ids) if i not in before]
    if before and len(added) == 1 and set(before) <= set(ids):
        newest = added[0]
        st.session_state[f"{slot}_kept"] = [KeptFile(newest.name, newest.getvalue(), str(ids[files.index(newest)]))]
        _reset_widget(slot)
        st.rerun()
    st.session_state[f"{slot}_ids"] = ids
    if files:
        st.session_state[f"{slot}_kept"] = None
        return list(files)
    return list(st.session_state.get(f"{slot}_kept") or [])


def remove_all_button(count: int, slot: str = "upload") -> None:
    """The "Remove all" button (48 px high, like the canvas tools)."""
    st.button("Remove all" if count > 1 else "Remove", icon=":material/delete_sweep:", on_click=remove_all,
              args=(slot,), key=f"remove_{slot}s", help="Forget the uploaded pictures")


def open_buttons(index: int) -> bool:
    """An "Open" button under thumbnail ``index``; True on the run it was pressed."""
    return st.button("Open", icon=":material/open_in_full:", key=f"open_upload_{index}", width="stretch",
                     help="The full answer and the steps for this picture")


@st.dialog("The full answer", width="large")
def answer_dialog(render, result) -> None:
    """A thumbnail's picture, answer and steps in a dialog (``render`` is the page's single-upload view)."""
    render(result)
