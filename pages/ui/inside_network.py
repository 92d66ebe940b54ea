"""The "Inside the network" panel: saliency heat maps, each convolution's feature maps, look-alike training
digits and a map of MNIST test digits in the model's feature space.

Opened on demand (a toggle), so the answer itself stays as fast as before. Used by the home page for
drawings and uploads, and by the Top errors and Confusion matrix pages for any image they list. All
numbers and pictures come from ``digitcore.model.explain`` / ``neighbours`` and ``digitcore.insight.inside_view``.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import streamlit as st

from digitcore.insight import presentation as pres
from digitcore.insight.inside_view import (feature_map, feature_map_frame, feature_map_spec, feature_map_grid,
                                           layer_description, saliency_overlay, saliency_words, shown_conv_layers)
from digitcore.model.explain import Explanation
from digitcore.model.neighbours import BUILDS, find_mnist
from digitcore.model.predictor import Predictor

log = logging.getLogger(__name__)

TOGGLE_LABEL = "Inside the network"
#: MNIST test digits on the feature-space map.
MAP_DIGITS = 2000


def _model_id(predictor: Predictor) -> str:
    path = predictor.path
    try:
        return f"{path}:{path.stat().st_mtime_ns}" if path else f"memory:{id(predictor)}"
    except OSError:
        return f"{path}:gone"


def _explanation(predictor: Predictor, digit28: np.ndarray, key: str) -> Explanation:
    """The explanation for this picture and model, kept for the session's reruns (only the latest per panel)."""
    arr = np.ascontiguousarray(digit28, np.float32)
    memo_key = (_model_id(predictor), hashlib.sha1(arr.tobytes()).hexdigest())
    memo = st.session_state.get(f"{key}_inside_memo")
    if memo is not None and memo[0] == memo_key and memo[1].neighbours:
        return memo[1]
    ex = predictor.explain(arr, wait_for_index=False)  # the index builds in the background meanwhile
    st.session_state[f"{key}_inside_memo"] = (memo_key, ex)
    return ex


@st.cache_resource(show_spinner=False, max_entries=4)
def _feature_map(model_id: str, _predictor: Predictor, mnist_sha: str, _mnist):
    del model_id, mnist_sha  # cache key only
    return feature_map(_predictor, _mnist, MAP_DIGITS)


def remember_open_panels(*keys: str) -> None:
    """Keep each panel's open/closed toggle across runs where it is not shown (call at the top of a page).

    Streamlit forgets a widget's value in a run that does not draw it: pressing Clear (no drawing,
    so no panel) would close the panel for the next drawing. Copying the value into the session's
    own state keeps it.
    """
    for key in keys:
        name = f"{key}_inside"
        if name in st.session_state:
            st.session_state[name] = st.session_state[name]


def inside_network_panel(predictor: Predictor | None, digit28: np.ndarray | None, *, key: str,
                         what: str = "drawing") -> None:
    """A toggle that opens the inside view for a 28x28 model input (``what``: "drawing", "picture", "image")."""
    if predictor is None or digit28 is None:
        return
    if not st.toggle(TOGGLE_LABEL, key=f"{key}_inside", help="See which pixels mattered, what each layer "
                     "responds to and which training digits the network finds most alike."):
        return
    try:
        ex = _explanation(predictor, digit28, key)
    except Exception:  # the inside view must never take the answer down
        log.exception("explaining failed")
        st.error("Sorry, the inside view could not be computed for this picture.")
        return
    if ex.digit is None:
        st.info(ex.message or "No digit to explain.")
        return
    with st.container(border=True, key=f"{key}_inside_panel"):
        _saliency_section(ex)
        _layers_section(ex)
        _neighbours_section(predictor, ex, key, what)
        _map_section(predictor, ex, key, what)


def _saliency_section(ex: Explanation) -> None:
    st.markdown("#### Which pixels mattered")
    a, b, c = st.columns([1, 1, 1.5], vertical_alignment="center")
    a.image(saliency_overlay(ex.digit28, ex.saliency, 8), caption=saliency_words(ex), width="stretch")
    if ex.runner_up_saliency is not None:
        b.image(saliency_overlay(ex.digit28, ex.runner_up_saliency, 8), caption=saliency_words(ex, runner_up=True),
                width="stretch")
    c.markdown(f"Bright pixels pushed the network towards **{ex.digit}**; dark ones hardly counted. The second "
               f"picture shows what spoke for **{ex.runner_up}**, its second guess. (Method: integrated "
               "gradients, the ink brightened from black to your digit step by step.)")


def _layers_section(ex: Explanation) -> None:
    convs = shown_conv_layers(ex)
    if not convs:
        return
    st.markdown("#### What each layer notices")
    st.caption("Each small square is one feature map: where in the picture one filter of that layer fires "
               "(bright = strong). The 16 strongest maps are shown; deeper layers see bigger pieces, more coarsely.")
    for i, (name, view) in enumerate(convs):
        st.markdown(f"**Layer {i + 1} of {len(convs)}** (`{name}`): {layer_description(i, len(convs), view.activations)}")
        st.image(feature_map_grid(view.activations, max_maps=16, tile=40))


def _neighbours_section(predictor: Predictor, ex: Explanation, key: str, what: str) -> None:
    st.markdown("#### It looks most like these training digits")
    if ex.neighbours:
        cols = st.columns(len(ex.neighbours))
        for col, nb in zip(cols, ex.neighbours):
            col.image(pres.enlarge_pixels(nb.image, 3), caption=f"{nb.label} · {nb.similarity:.0%} alike",
                      width="stretch")
        st.caption(f"The MNIST training digits whose pattern in the network's last hidden layer is closest to your "
                   f"{what}'s (similarity of those patterns). Labels that agree with the answer show where it comes from.")
        return
    mnist, why = find_mnist()
    if mnist is None:
        st.info(why, icon=":material/dataset:")
        return
    status = BUILDS.status(predictor, mnist)
    if status.state == "failed":
        st.warning(status.message, icon=":material/warning:")
        return
    _index_progress(predictor, mnist, key)


@st.fragment(run_every=1.0)
def _index_progress(predictor: Predictor, mnist, key: str) -> None:
    """The index build's progress bar, refreshed every second; the panel reruns once the index is ready."""
    status = BUILDS.status(predictor, mnist)
    if status.state == "building":
        st.progress(status.fraction, text="Comparing the 60,000 training digits once for this model, to find look-"
                    f"alikes… {status.fraction:.0%}")
    elif status.state == "ready":
        st.rerun()
    else:
        BUILDS.start(predictor, mnist)
        st.progress(0.0, text="Starting to compare the 60,000 training digits…")


def _map_section(predictor: Predictor, ex: Explanation, key: str, what: str) -> None:
    if ex.features is None:
        return
    mnist, _ = find_mnist()
    if mnist is None:
        return
    st.markdown("#### Where it sits among 2,000 test digits")
    with st.spinner("Placing 2,000 MNIST test digits on the map (once per model)…"):
        fmap = _feature_map(_model_id(predictor), predictor, mnist.sha256, mnist)
    st.vega_lite_chart(feature_map_frame(fmap, ex.features, ex.digit), feature_map_spec(), width="stretch",
                       key=f"{key}_inside_map")
    st.caption(f"Each dot is an MNIST test digit, placed by the network's last hidden layer (squashed to 2-D with "
               f"PCA: these two directions show {fmap.explained:.0%} of the differences). Digits the network finds "
               f"alike sit together; the star is your {what}. Hover over a dot to see its digit.")
