"""The Train page's "extra data" option: USPS + generated styles + not-a-digit examples (11th class)."""

from __future__ import annotations

import streamlit as st

LABEL = "Add USPS + generated styles + not-a-digit examples"


def extra_data_option(key: str) -> bool:
    """The checkbox, with a line on what it changes; True when ticked."""
    on = st.checkbox(LABEL, False, key=key,
                     help="Trains on MNIST plus 7,291 USPS digits, generated digits in styles MNIST lacks (European "
                          "1, 4, 7 and 9, slashed 0, ...) and drawings that are not digits (letters, shapes, "
                          "scribbles). The network gets an 11th answer, 'not a digit'.")
    if on:
        st.caption("The generated images are made once and kept in `data/cache/`; the first run that needs them "
                   "spends a few minutes drawing them. With a quick classroom run only a few hundred are made.")
    return on
