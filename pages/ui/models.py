"""The one cached model loader every page shares, so a model is loaded once per server process."""

from __future__ import annotations

import functools
import gc
import sys

import streamlit as st

from digitcore.storage.model_store import ModelEntry
from digitcore.model.predictor import Predictor


@st.cache_resource(show_spinner="Loading the model (only the first visitor waits for this)…", max_entries=8)
def load_predictor(path: str, mtime_ns: int) -> Predictor:
    """One Predictor per model file and version, shared by every session and page of this server."""
    del mtime_ns  # only part of the cache key: a retrained file gets loaded afresh
    predictor = Predictor.load(path)
    keep_keras_state_between_runs()
    # TensorFlow and Keras leave a million long-lived objects; Python's full collections would
    # walk them all (a pause of a second for every visitor). Freezing moves them out of its way.
    gc.collect()
    gc.freeze()
    return predictor


def keep_keras_state_between_runs() -> None:
    """Stop Streamlit from resetting Keras after every script run (idempotent, once per process).

    Streamlit's script runner calls ``keras.backend.clear_session()`` after each run of
    any page (its ``_clean_problem_modules``). That empties TensorFlow's kernel cache, so
    the next prediction rebuilds its kernels: about 0.4 s instead of a few ms, plus a
    full garbage collection, for every stroke of every visitor. The models here are
    cached on purpose, so only that call is skipped; any other caller still clears.
    """
    import keras

    original = keras.backend.clear_session
    if getattr(original, "_digitcore_skips_streamlit", False):
        return

    @functools.wraps(original)
    def clear_session(*args, **kwargs):
        frame = sys._getframe(1)
        for _ in range(4):  # other wrappers (digitcore.training.jobs) may sit in between
            if frame is None:
                break
            if frame.f_code.co_name == "_clean_problem_modules" and str(
                    frame.f_globals.get("__name__", "")).startswith("streamlit."):
                return None
            frame = frame.f_back
        return original(*args, **kwargs)

    clear_session._digitcore_skips_streamlit = True  # type: ignore[attr-defined]
    keras.backend.clear_session = clear_session


def model_key(entry: ModelEntry) -> tuple[str, int]:
    """(path, mtime_ns): what identifies a version of a model file in the caches."""
    return str(entry.path), entry.path.stat().st_mtime_ns
