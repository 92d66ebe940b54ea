"""Visitors first: a background training pauses between batches while someone waits for an answer.

Training and predictions in one server process share TensorFlow's thread pool and the
machine's cores; a prediction queued behind training batches can take seconds instead
of milliseconds. Predictions run inside :func:`interactive`; the training loop calls
:func:`yield_to_interactive` before each batch, which waits (a bounded time, so a
busy classroom slows training down but never stops it) until no prediction is running.
"""

from __future__ import annotations

import contextlib
import os
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


#: Nice value for a background training's threads (Linux); visitors' requests run at 0.
BACKGROUND_NICE = 10


def lower_training_priority(nice: int = BACKGROUND_NICE) -> int:
    """Linux: give the calling thread and TensorFlow's compute threads a lower CPU priority.

    A training in the app's process would otherwise take its full share of the cores from
    the server threads answering visitors. TensorFlow's compute threads are shared with
    predictions, whose work is tiny, so those only lose against busier threads; they stay
    lowered afterwards (an unprivileged process cannot raise a priority again). Returns how
    many threads were changed (0 where this is not possible; never raises).
    """
    if not hasattr(os, "setpriority") or not os.path.isdir("/proc/self/task"):
        return 0
    tids = {threading.get_native_id()}
    with contextlib.suppress(OSError):
        for tid in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/comm") as f:
                if f.read().strip().startswith("tf_"):
                    tids.add(int(tid))
    changed = 0
    for tid in tids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, max(nice, os.getpriority(os.PRIO_PROCESS, tid)))
            changed += 1
    return changed
