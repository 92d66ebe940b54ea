"""Challenge mode and "Was I right?" on the home page: the class's drawings go into the class store.

Challenge mode asks for the digits of a shuffled round of ten ("Draw a 7"); the student draws, sees
the answer and presses *Save and next*: the drawing is stored with the asked-for label and the
model's answer, and the round's score goes up when the model was right. In free drawing, *Was I
right?* stores a confirmation or a correction the same way. Saving happens in background threads
(``digitcore.storage.class_saver``), after the answer is on screen; a failed save keeps its drawing
and offers to try again, so nothing confirmed is lost.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import streamlit as st

from digitcore.storage.class_saver import PendingSave, drawing_from
from pages.ui.class_store import forget_failure, saver, store_opener

ROUND = 10
#: The home page's canvas key counter (app.py ``_clear_canvas``): bumping it gives an empty canvas.
CANVAS_ROUND = "canvas_round"
ON = "challenge_on"
#: ``?challenge=1`` in the address opens the page in challenge mode (the presenter's join code adds it).
QUERY = "challenge"
#: How long the page waits (after the answer is shown) for its saves to finish before reporting them.
SETTLE_S = 0.5


def _new_round() -> None:
    order = list(range(ROUND))
    random.shuffle(order)
    st.session_state["challenge_order"] = order
    st.session_state["challenge_pos"] = 0
    st.session_state["challenge_right"] = 0


def _state() -> tuple[list[int], int, int]:
    if "challenge_order" not in st.session_state:
        _new_round()
    ss = st.session_state
    return ss["challenge_order"], ss["challenge_pos"], ss["challenge_right"]


def _pending() -> list[PendingSave]:
    return st.session_state.setdefault("class_pending", [])


def _clear_canvas() -> None:
    st.session_state[CANVAS_ROUND] = st.session_state.get(CANVAS_ROUND, 0) + 1


def _wanted_by_address() -> bool:
    return str(st.query_params.get(QUERY, "")).lower() in ("1", "true", "yes", "on")


def is_on() -> bool:
    """Whether this session is in challenge mode (the switch, or ``?challenge=1`` on arrival)."""
    if ON not in st.session_state:
        return _wanted_by_address()
    return bool(st.session_state[ON])


def join_query() -> dict[str, str] | None:
    """The query for the join address while this page is in challenge mode (students join in it too)."""
    return {QUERY: "1"} if is_on() else None


def switch() -> None:
    """The challenge-mode switch (the home page puts it beside the Single digit / Number picker).

    A student who joins by the challenge link (the presenter's join code in challenge mode) arrives
    with it on: no switch to find, and no extra page run while the whole class is arriving.
    """
    if ON not in st.session_state:
        st.session_state[ON] = _wanted_by_address()
    on = st.toggle("Challenge mode", key=ON, help="I ask for the digits 0 to 9 in a shuffled order; your drawings "
                   "help the class see where the model goes wrong (they are saved without names). "
                   "Also opens with ?challenge=1 in the address.")
    # The address follows the switch, so a reload (or a shared link) keeps the mode.
    if on and st.query_params.get(QUERY) != "1":
        st.query_params[QUERY] = "1"
    elif not on and QUERY in st.query_params:
        del st.query_params[QUERY]


def prompt() -> None:
    """When challenge mode is on: "Draw a 7" with the round's score (above the canvas)."""
    if not is_on():
        return
    order, pos, right = _state()
    if pos >= ROUND:
        st.success(f"Round over! I got **{right} of {ROUND}** of your digits right.", icon=":material/trophy:")
        st.button("Another round", icon=":material/replay:", on_click=_new_round, key="challenge_again")
        return
    st.markdown(f'<div class="dc-headline" aria-label="challenge">Draw a <b style="font-size:2.2rem">'
                f'{order[pos]}</b> &nbsp;·&nbsp; digit {pos + 1} of {ROUND} &nbsp;·&nbsp; score {right} / {pos}'
                '</div>', unsafe_allow_html=True)


def _current(prediction: Any, image: np.ndarray | None, model: str) -> dict[str, Any] | None:
    prep = getattr(prediction, "preprocessed", None)
    if prediction is None or prediction.digit is None or prep is None or prep.digit28 is None:
        return None
    return {"digit28": prep.digit28, "predicted": int(prediction.digit), "confidence": float(prediction.confidence),
            "model": model, "image": image}


def _submit(label: int, source: str) -> PendingSave | None:
    cur = st.session_state.get("class_current")
    if cur is None:
        return None
    pending = PendingSave(drawing_from(cur["digit28"], label, source, cur["predicted"], cur["confidence"],
                                       cur["model"]), original=cur["image"])
    saver().submit(pending, store_opener())  # opened and written in the background
    _pending().append(pending)
    st.session_state["class_current"] = None
    return pending


def _save_challenge() -> None:
    order, pos, right = _state()
    cur = st.session_state.get("class_current")
    if cur is None or pos >= ROUND:
        return
    target = order[pos]
    _submit(target, "challenge")
    st.session_state["challenge_right"] = right + int(cur["predicted"] == target)
    st.session_state["challenge_pos"] = pos + 1
    _clear_canvas()


def _save_correction(label: int | None) -> None:
    if label is None:
        return
    if _submit(int(label), "correction") is not None:
        st.session_state["class_confirmed"] = (st.session_state.get(CANVAS_ROUND, 0), int(label))


def _retry() -> None:
    forget_failure()
    for p in _pending():
        if p.error:
            saver().submit(p, store_opener())


def save_status() -> None:
    """Saved drawings so far; failed saves with the reason and a "try again" button (nothing is dropped)."""
    pendings = _pending()
    # The answer is already on screen; a save usually takes milliseconds, so wait that long to report it.
    saver().settle(pendings, SETTLE_S)
    done = [p for p in pendings if p.done and p.error is None]
    failed = [p for p in pendings if p.error]
    if done:
        st.session_state["class_saved"] = st.session_state.get("class_saved", 0) + len(done)
    st.session_state["class_pending"] = [p for p in pendings if p not in done]
    if failed:
        st.warning(f"{len(failed)} drawing(s) not saved yet: {failed[-1].error}", icon=":material/cloud_off:")
        st.button("Try saving again", on_click=_retry, key="class_retry")
    saved = st.session_state.get("class_saved", 0)
    if saved:
        st.caption(f":material/database: {saved} of your drawings saved for the class.")


def after_answer(area, prediction: Any, image: np.ndarray | None, predictor: Any) -> None:
    """Under the answer: *Save and next* in challenge mode, *Was I right?* in free drawing."""
    model = getattr(predictor, "name", "") if predictor is not None else ""
    current = _current(prediction, image, model)
    st.session_state["class_current"] = current
    with area:
        if is_on():
            order, pos, _ = _state()
            if pos < ROUND:
                st.button("Save and next", icon=":material/arrow_forward:", type="primary", on_click=_save_challenge,
                          disabled=current is None, key="challenge_next",
                          help=f"Saves your drawing as a {order[pos]} and asks for the next digit.")
        elif current is not None:
            confirmed = st.session_state.get("class_confirmed")
            if confirmed and confirmed[0] == st.session_state.get(CANVAS_ROUND, 0):
                st.caption(f":material/check: Thanks! Saved as a {confirmed[1]}.")
            else:
                _was_i_right(current["predicted"])
        save_status()


def _was_i_right(predicted: int) -> None:
    st.markdown("**Was I right?**")
    row = st.container(horizontal=True, vertical_alignment="center", key="was_i_right")
    if 0 <= predicted <= 9:
        row.button("Yes", icon=":material/thumb_up:", on_click=_save_correction, args=(predicted,), key="right_yes")
    # One tap per digit (finger-sized, nothing to open): buttons rather than a selectbox, whose
    # choice would also outlive the drawing it was meant for.
    row.markdown("No, it was a")
    for digit in range(10):
        if digit != predicted:
            row.button(str(digit), on_click=_save_correction, args=(digit,), key=f"right_fix_{digit}")
