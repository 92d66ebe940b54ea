"""A classroom at once: the server stays quick for many visitors, also while a training runs.

The load test itself is ``benchmarks/classroom_load.py`` (30 sessions for the README); here it
runs with 5 sessions and a training in the background and must finish without a single error.
The other tests pin down the two mechanisms that keep answers fast.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np

from digitcore.model import priority
from digitcore.storage.datasets import load_mnist_npz
from digitcore.training.presets import get_preset
from digitcore.training.loop import train

REPO = Path(__file__).resolve().parents[2]


def test_streamlit_no_longer_resets_keras_after_each_run():
    """Streamlit clears Keras (and TensorFlow's kernel cache) after every script run; the app opts out."""
    import keras
    from streamlit.runtime.scriptrunner import script_runner

    from pages.ui.models import keep_keras_state_between_runs

    keep_keras_state_between_runs()
    keep_keras_state_between_runs()  # idempotent: no second wrapper
    assert getattr(keras.backend.clear_session, "_digitcore_skips_streamlit", False)
    keras.backend.clear_session()  # a direct call still clears
    assert keras.layers.Dense(2).name == "dense"
    assert keras.layers.Dense(2).name == "dense_1"
    script_runner._clean_problem_modules()  # what Streamlit runs after each script run
    assert keras.layers.Dense(2).name == "dense_2", "Streamlit's reset must be skipped"
    keras.backend.clear_session()
    assert keras.layers.Dense(2).name == "dense"


def test_yield_returns_at_once_when_nobody_waits():
    assert priority.interactive_count() == 0
    assert priority.yield_to_interactive(5.0) == 0.0


def test_yield_is_bounded_so_training_never_starves():
    with priority.interactive(), priority.interactive():
        assert priority.interactive_count() == 2
        waited = priority.yield_to_interactive(0.2)
    assert 0.15 <= waited < 5.0
    assert priority.interactive_count() == 0


def test_predictions_count_as_interactive(predictor):
    seen = []
    original = predictor.runner.probabilities

    def spy(x, *args, **kwargs):
        seen.append(priority.interactive_count())
        return original(x, *args, **kwargs)

    predictor.runner.probabilities = spy
    try:
        image = np.zeros((100, 100), np.uint8)
        image[20:80, 45:55] = 255
        predictor.predict(image)
        predictor.predict_batch([image, image])
        predictor.predict_digits(np.zeros((2, 28, 28), np.uint8))
    finally:
        predictor.runner.probabilities = original
    assert seen == [1, 1, 1]
    assert priority.interactive_count() == 0


def test_training_waits_between_batches_while_an_answer_is_computed(small_mnist_npz, tmp_path):
    data = load_mnist_npz(small_mnist_npz)
    batches: list[int] = []
    entered, release = threading.Event(), threading.Event()
    seen_while_held: list[int] = []

    def visitor() -> None:
        with priority.interactive():
            entered.set()
            release.wait(0.8)  # the training gets every chance to (wrongly) go on meanwhile
            seen_while_held.append(len(batches))

    def on_event(ev: dict) -> None:
        if ev["type"] == "batch":
            batches.append(ev["batch"])
            if len(batches) == 3:
                threading.Thread(target=visitor, daemon=True).start()
                entered.wait(5)

    cfg = get_preset("tf-tutorial-cnn").config(name="polite", epochs=1, batch_size=64, subset=640, validation=0.1)
    result = train(cfg, data, tmp_path, on_event=on_event)
    assert result.status == "finished"
    assert seen_while_held == [3], "no batch may run while a visitor's prediction is in flight"
    assert len(batches) > 3, "training goes on once the prediction is done"


def test_a_classroom_of_five_with_a_training_running(browser_ok, mnist_path):
    """Five visitors (two in Chromium, three as websocket clients, two of those in challenge mode) draw while
    someone trains."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import classroom_load

    result = classroom_load.run(sessions=5, browsers=2, digits=2, with_training=True, start_spread_s=3.0,
                                think_s=(1.0, 2.0), timeout_s=240.0, challenge=2)
    assert result["errors"] == 0, result["error_messages"]
    # Two of them play challenge mode (issue 14): every drawing they saved is in the class store.
    assert result["challenge_sessions"] == 2 and result["class_saves_made"] == 2 + 2 * 2
    assert result["class_rows_saved"] == result["class_saves_made"] and result["lost_rows"] == 0
    assert result["answers"] == result["answers_expected"] == 10
    assert result["correct"] == 10, "every drawn digit is recognised"
    assert result["training_still_running_at_end"], "the answers were measured while the training ran"
    assert 0 < result["server_rss_mb"]["peak"] < 1536, "the server stays under 1.5 GB"


def test_a_training_thread_runs_at_a_lower_cpu_priority():
    import os

    seen: list[int] = []

    def trainer() -> None:
        assert priority.lower_training_priority() >= 1
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=trainer)
    thread.start()
    thread.join()
    assert seen == [priority.BACKGROUND_NICE]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0, "the calling thread only"
