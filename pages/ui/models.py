"""The one cached model loader every page shares, so a model is loaded once per server process."""

from __future__ import annotations

import functools
import gc
import logging
import sys
import threading

import numpy as np

import streamlit as st

from digitcore.storage.model_store import ModelEntry
from digitcore.model.pair_reader import default_pair_reader
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
    start_warm_up(predictor)
    return predictor


log = logging.getLogger(__name__)
_warm_lock = threading.Lock()
_warmed: dict[int, threading.Event] = {}


def warm_up_picture(side: int = 360) -> np.ndarray:
    """A canvas-like RGBA picture with one white stroke: the same path as a real drawing."""
    import cv2

    image = np.zeros((side, side, 4), np.uint8)
    image[..., 3] = 255
    cv2.line(image, (side // 2, side // 6), (side // 2, side * 5 // 6), (255, 255, 255, 255), side // 16)
    return image


def start_warm_up(predictor: Predictor) -> threading.Event:
    """Answer one practice drawing in the background, once per loaded model.

    TensorFlow builds its kernels (and the first trace) on a model's first call; doing that
    here, while the first visitor is still drawing, makes their first answer as fast as the
    later ones. Returns an event that is set when the practice answer is done.
    """
    with _warm_lock:
        done = _warmed.get(id(predictor))
        if done is not None:
            return done
        done = _warmed[id(predictor)] = threading.Event()

    def practice() -> None:
        try:
            picture = warm_up_picture()
            predictor.predict(picture)
            # Number mode's pair reader too, so the first number read does not wait for it.
            reader = default_pair_reader()
            if reader is not None:
                reader.read([picture[..., 0]])
        except Exception:  # a warm-up must never take the server down; the real answer will report it
            log.exception("warming up the model failed")
        finally:
            done.set()

    threading.Thread(target=practice, name="digitcore-warm-up", daemon=True).start()
    return done


def warm_up_done(predictor: Predictor) -> bool:
    """True once the practice answer for this model has finished (see :func:`start_warm_up`)."""
    done = _warmed.get(id(predictor))
    return bool(done and done.is_set())


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


def warm_up_at_start() -> threading.Thread | None:
    """Load the default model into the shared cache and answer a practice drawing, in the background.

    For ``python app.py``, which starts the server in this same process: the first visitor then
    finds TensorFlow imported, the model loaded and traced. Returns the thread (None without a
    default model).
    """
    from digitcore.storage.paths import default_model_path

    path = default_model_path()
    if not path.is_file():
        return None

    def warm() -> None:
        import time

        t0 = time.perf_counter()
        try:
            predictor = load_predictor(str(path), path.stat().st_mtime_ns)
            start_warm_up(predictor).wait(120)
            print(f"Default model ready: warmed up at server start in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr, flush=True)
        except Exception:  # the first visitor's load will report any problem properly
            log.exception("warming up the model at server start failed")

    thread = threading.Thread(target=warm, name="digitcore-start-warm-up", daemon=True)
    thread.start()
    return thread

