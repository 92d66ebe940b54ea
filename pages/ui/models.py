"""The one cached model loader every page shares, so a model is loaded once per server process."""

from __future__ import annotations

import streamlit as st

from digitcore.model_store import ModelEntry
from digitcore.predictor import Predictor


@st.cache_resource(show_spinner="Loading the model (only the first visitor waits for this)…", max_entries=8)
def load_predictor(path: str, mtime_ns: int) -> Predictor:
    """One Predictor per model file and version, shared by every session and page of this server."""
    del mtime_ns  # only part of the cache key: a retrained file gets loaded afresh
    return Predictor.load(path)


def model_key(entry: ModelEntry) -> tuple[str, int]:
    """(path, mtime_ns): what identifies a version of a model file in the caches."""
    return str(entry.path), entry.path.stat().st_mtime_ns
