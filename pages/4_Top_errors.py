"""Top errors: the test (or validation) images a model got wrong, most confidently wrong first.

Ranking is ``digitcore.insight.evaluation.top_errors`` (p(answer) - p(true digit)); the answers are computed
once per model file and data set (cached).
"""

from __future__ import annotations

import streamlit as st

from digitcore.insight import presentation as pres
from pages.ui.insight import (evaluate_entry, get_mnist, pick_eval_set, pick_model, predictor_for, setup_page,
                              top_errors_view)

INTRO = (
    "The pictures the model got wrong, starting with the ones where it was **most sure of its wrong answer**. "
    "Would you have read them right? Use the filters to look at one kind of mistake, e.g. every 7 that "
    "was taken for a 1."
)


def main() -> None:
    """Lay out the page."""
    setup_page("Top errors", "🔍", INTRO)
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    with left:
        entry = pick_model("te_model")
    if entry is None:
        return
    mnist = get_mnist("te_mnist")
    if mnist is None:
        return
    with right:
        data = pick_eval_set(entry, mnist, "te_set")
    result = evaluate_entry(entry, data)
    if result is None:
        return
    top_errors_view(result, data.x, key="te", title=f"{pres.model_name(entry)} on {data.name}: most confidently wrong",
                    predictor=predictor_for(entry))


if __name__ == "__main__":
    from pages.ui.navigation import page_entry

    page_entry(main)
