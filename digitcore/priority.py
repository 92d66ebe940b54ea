"""Visitors first: a background training pauses between batches while someone waits for an answer.

Training and predictions in one server process share TensorFlow's thread pool and the
machine's cores; a prediction queued behind training batches can take seconds instead
of milliseconds. Predictions run inside :func:`interactive`; the training loop calls
:func:`yield_to_interactive` before each batch, which waits (a bounded time, so a
busy classroom slows training down but never stops it) until no prediction is running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_cond = threading.Condition()
_active = 0

#: Longest a training batch waits for predictions to finish before going ahead anyway.
MAX_WAIT_S = 2.0


@contextmanager
def interactive() -> Iterator[None]:
    """Mark work someone is waiting for (nesting and threads are fine)."""
    global _active
    with _cond:
        _active += 1
    try:
        yield
    finally:
        with _cond:
            _active -= 1
            if _active == 0:
                _cond.notify_all()


def interactive_count() -> int:
    """How many interactive calls are running right now."""
    with _cond:
        return _active


def yield_to_interactive(max_wait_s: float | None = None) -> float:
    """Wait while interactive work runs, at most ``max_wait_s`` (default MAX_WAIT_S); returns the seconds waited."""
    max_wait_s = MAX_WAIT_S if max_wait_s is None else max_wait_s
    with _cond:
        if _active == 0:
            return 0.0
        t0 = time.monotonic()
        _cond.wait_for(lambda: _active == 0, timeout=max_wait_s)
        return time.monotonic() - t0
