"""The pair reader: reads a part of a number at its own width as one digit, two touching digits, or more.

The single-digit model sees every part squeezed into the MNIST form, where a touching "91"
is a fine 9 and the left piece of a cut 0 a fine 6. The pair reader sees the part at its
aspect (:func:`~digitcore.imaging.pair_form.pair_input`) and says how many digits it holds
and, for two, which (``left`` and ``right``). :mod:`digitcore.model.number_reader` asks it
about parts wide enough to hold two digits. Trained by :mod:`digitcore.training.pairs`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..imaging.pair_form import PAIR_SHAPE, pair_input
from ..storage.paths import REPO_ROOT

__all__ = ["PAIR_READER_PATH", "PairReader", "PairScores", "default_pair_reader", "forget_pair_reader"]

#: Where the shipped pair reader lives (beside, not among, the models of ``models/``).
PAIR_READER_PATH = REPO_ROOT / "models" / "companions" / "pair_reader.keras"


@dataclass
class PairScores:
    """What the pair reader makes of one part."""

    count: np.ndarray  # P(one digit), P(two), P(three or more)
    left: np.ndarray  # 10 probabilities of the first digit of a pair
    right: np.ndarray  # ... and of the second

    @property
    def one(self) -> float:
        return float(self.count[0])

    @property
    def two(self) -> float:
        return float(self.count[1])

    def pair(self) -> tuple[int, int, float]:
        """The likeliest two digits and how likely they are, given that the part holds two."""
        a, b = int(np.argmax(self.left)), int(np.argmax(self.right))
        return a, b, float(self.left[a] * self.right[b])


class PairReader:
    """A loaded pair-reader network, run as one traced graph."""

    def __init__(self, model) -> None:
        import tensorflow as tf

        self.model = model
        self._fn = tf.function(lambda t: model(t, training=False),
                               input_signature=[tf.TensorSpec([None, *PAIR_SHAPE, 1], tf.float32)],
                               reduce_retracing=True)

    @classmethod
    def load(cls, path: str | Path = PAIR_READER_PATH) -> PairReader:
        import keras

        return cls(keras.saving.load_model(Path(path), compile=False, safe_mode=True))

    def read(self, masks: list[np.ndarray]) -> list[PairScores | None]:
        """Scores for each part mask (None for one without ink), in one model call."""
        forms = [pair_input(m) for m in masks]
        inked = [i for i, f in enumerate(forms) if f is not None]
        out: list[PairScores | None] = [None] * len(masks)
        if not inked:
            return out
        x = np.stack([forms[i] for i in inked])[..., None]
        count, left, right = (np.asarray(t, np.float64) for t in self._fn(x))
        for row, i in enumerate(inked):
            out[i] = PairScores(count[row], left[row], right[row])
        return out


_lock = threading.Lock()
_loaded: dict[str, PairReader | None] = {}


log = logging.getLogger(__name__)


def default_pair_reader() -> PairReader | None:
    """The shipped pair reader, loaded once per process, or None when its file is missing or
    damaged (numbers are then read without it). Safe to call from several threads at once."""
    with _lock:
        key = str(PAIR_READER_PATH)
        if key not in _loaded:
            reader = None
            if PAIR_READER_PATH.is_file():
                try:
                    reader = PairReader.load(PAIR_READER_PATH)
                except Exception as exc:  # a broken companion must not stop numbers being read
                    log.warning("the pair reader %s could not be loaded (%s); numbers are read without it",
                                PAIR_READER_PATH, exc)
            _loaded[key] = reader
        return _loaded[key]


def forget_pair_reader() -> None:
    """Drop the loaded pair reader (tests that move its file)."""
    with _lock:
        _loaded.clear()
