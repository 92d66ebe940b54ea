"""Import TensorFlow without its C++ start-up banner (TF_CPP_MIN_LOG_LEVEL no longer hides it)."""

from __future__ import annotations

import os
import sys


def import_tensorflow_quietly() -> None:
    """Import tensorflow and keras with the process's stderr muted for the duration of the import.

    Python exceptions still propagate; only the native library's log lines are dropped.
    """
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded interpreters): nothing to mute
        import keras  # noqa: F401
        import tensorflow  # noqa: F401

        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
