"""MNIST loading: a local ``.npz`` by path (``--data`` / ``$DIGITCORE_MNIST``) or Keras' download."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .paths import mnist_path_from_env


class DataError(ValueError):
    """A dataset could not be used; the message says why, in words for the user."""


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 arrays, white digits on black, plus where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _check_split(x: np.ndarray, y: np.ndarray, name: str) -> None:
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{name} images have shape {x.shape}; expected (N, 28, 28).")
    if y.shape != (x.shape[0],):
        raise DataError(f"{name} labels have shape {y.shape}; expected ({x.shape[0]},).")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DataError(f"{name} labels must be digits 0-9.")


def load_mnist_npz(path: str | Path) -> Mnist:
    """Load an MNIST ``.npz`` in Keras' layout (x_train, y_train, x_test, y_test)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"MNIST file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
            if missing:
                raise DataError(f"{path} is not an MNIST .npz: missing {', '.join(sorted(missing))}.")
            arrays = {k: np.asarray(f[k]) for k in ("x_train", "y_train", "x_test", "y_test")}
    except DataError:
        raise
    except ValueError as exc:
        if "Object arrays" not in str(exc):
            raise DataError(f"Could not read {path} as an .npz file ({exc.__class__.__name__}).") from exc
        # Object arrays are pickles, which can run code when loaded; they are never loaded.
        raise DataError(f"{path} holds Python objects (pickled data), which are never loaded for safety; "
                        "an MNIST .npz holds plain number arrays.") from None
    except Exception as exc:  # zip/pickle/format errors: one clear message
        raise DataError(f"Could not read {path} as an .npz file ({exc.__class__.__name__}).") from exc
    _check_split(arrays["x_train"], arrays["y_train"], "Training")
    _check_split(arrays["x_test"], arrays["y_test"], "Test")
    return Mnist(
        x_train=arrays["x_train"].astype(np.uint8, copy=False),
        y_train=arrays["y_train"].astype(np.int64),
        x_test=arrays["x_test"].astype(np.uint8, copy=False),
        y_test=arrays["y_test"].astype(np.int64),
        source=str(path),
        sha256=file_sha256(path),
    )


_SHARED: dict[tuple[str, int, int], Mnist] = {}
_SHARED_LOCK = threading.Lock()


def load_mnist_shared(path: str | Path) -> Mnist:
    """:func:`load_mnist_npz`, once per process and file version: every caller gets the same arrays.

    The app's pages and its training jobs all read MNIST; one copy serves them all. The
    arrays are made read-only, so no caller can change what the others see.
    """
    p = Path(path)
    try:
        st = p.stat()
        key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        return load_mnist_npz(p)  # raises the usual clear DataError
    with _SHARED_LOCK:
        data = _SHARED.get(key)
        if data is None:
            data = load_mnist_npz(p)
            for a in (data.x_train, data.y_train, data.x_test, data.y_test):
                a.flags.writeable = False
            for old in [k for k in _SHARED if k[0] == key[0]]:
                del _SHARED[old]  # a replaced file: drop its old version
            _SHARED[key] = data
        return data


def load_mnist(path: str | Path | None = None) -> Mnist:
    """MNIST from ``path``, else ``$DIGITCORE_MNIST``, else Keras' own download (needs internet)."""
    path = path or mnist_path_from_env()
    if path:
        return load_mnist_npz(path)
    try:
        import keras

        local = keras.utils.get_file(
            "mnist.npz",
            origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
            file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        )
    except Exception as exc:
        raise DataError(
            "No MNIST file given (use --data PATH or set DIGITCORE_MNIST) and Keras could not "
            f"download it ({exc.__class__.__name__})."
        ) from exc
    return load_mnist_npz(local)


def to_model_input(x: np.ndarray) -> np.ndarray:
    """uint8 (N,28,28) -> float32 (N,28,28,1) in [0, 1], the models' input."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 255.0
    else:
        x = x.astype(np.float32, copy=False)
    return x.reshape(-1, 28, 28, 1)
