"""Confusion matrix: which digits a model mixes up, on MNIST's test set or the run's own validation split.

The model's answers are computed once per model file and data set (cached); the counts, per-digit
scores and image lists all come from ``digitcore.insight.evaluation``.
"""

from __future__ import annotations

import streamlit as st

from digitcore.insight import presentation as pres
from pages.ui.insight import confusion_view, evaluate_entry, get_mnist, pick_eval_set, pick_model, predictor_for, setup_page

INTRO = (
    "Each row is a true digit, each column what the model answered. Big numbers on the green diagonal are "
    "right answers; every other cell is a kind of mistake, like a **4** read as a **9**. "
    "Click a cell (or pick a pair below) to see those images."
)


def main() -> None:
    """Lay out the page."""
    setup_page("Confusion matrix", "🧮", INTRO)
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    with left:
        entry = pick_model("cm_model")
    if entry is None:
        return
    mnist = get_mnist("cm_mnist")
    if mnist is None:
        return
    with right:
        data = pick_eval_set(entry, mnist, "cm_set")
    result = evaluate_entry(entry, data)
    if result is None:
        return
    confusion_view(result, data.x, key="cm", title=f"{pres.model_name(entry)} on {data.name}", predictor=predictor_for(entry))


if __name__ == "__main__":
    from pages.ui.navigation import page_entry

    page_entry(main)
