"""The MNIST training digits that look most like an input *to the model*: nearest neighbours in its last hidden layer.

The feature index holds the 60,000 training digits' hidden features (L2-normalised, float16), so
a query is one matrix product (cosine similarity). It is computed once per model version and
MNIST file, in a background thread with progress (:data:`BUILDS`), and kept under
``data_dir()/cache/neighbours/`` keyed by the model file's sha256 and MNIST's, written
atomically: a retrained model (new bytes) gets a new index, and the stale one is removed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..storage.atomic import atomic_write_bytes
from ..storage.datasets import DataError, Mnist, file_sha256, load_mnist_shared
from ..storage.paths import REPO_ROOT, data_dir, mnist_path_from_env
from .priority import yield_to_interactive

log = logging.getLogger(__name__)

__all__ = ["Neighbour", "FeatureIndex", "IndexStatus", "IndexBuilds", "BUILDS", "model_fingerprint", "index_path",
           "build_index", "load_index", "find_mnist", "find_neighbours", "INDEX_VERSION"]

#: Bump when the file layout or the features change meaning: older files are then rebuilt.
INDEX_VERSION = 1
#: Training digits per model call while building (bounds memory, lets visitors' answers go first).
BUILD_BATCH = 500
NO_MNIST = ("No MNIST training digits on this computer (set DIGITCORE_MNIST to mnist.npz), so there are no "
            "look-alikes to show.")


@dataclass(frozen=True)
class Neighbour:
    """One MNIST training digit close to the input in the model's feature space."""

    index: int  # into MNIST x_train
    label: int
    image: np.ndarray  # 28x28 uint8
    similarity: float  # cosine similarity of the hidden features, -1..1 (1: the same to the model)

    def to_dict(self) -> dict[str, Any]:
        """``index``, ``label``, ``similarity`` (JSON-ready)."""
        return {"index": self.index, "label": self.label, "similarity": round(self.similarity, 6)}


@dataclass
class FeatureIndex:
    """Normalised hidden features of MNIST training digits ``0..count-1``."""

    features: np.ndarray  # (count, D) float32, unit rows (float16 on disk; numpy multiplies float16 slowly)
    key: str
    layer: str = ""
    not_saved: str = ""  # why the index lives only in memory (e.g. a read-only disk); empty when saved

    @property
    def count(self) -> int:
        """How many training digits the index covers."""
        return int(self.features.shape[0])

    def query(self, vector: np.ndarray, k: int = 8) -> list[tuple[int, float]]:
        """The ``k`` most similar training digits to one feature vector: (index, cosine similarity), best first."""
        v = np.asarray(vector, np.float32).reshape(-1)
        if v.shape[0] != self.features.shape[1]:
            raise ValueError(f"Feature size {v.shape[0]} does not match the index's {self.features.shape[1]}.")
        norm = float(np.linalg.norm(v))
        if norm == 0 or not np.isfinite(norm):
            return []
        sims = self.features @ (v / norm)
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]  # best first, ties by index: the same answer every time
        return [(int(i), float(sims[i])) for i in top]


@dataclass(frozen=True)
class IndexStatus:
    """Where a model's feature index stands: ``missing``, ``building``, ``ready`` or ``failed``."""

    state: str
    fraction: float = 0.0
    message: str = ""

    @property
    def ready(self) -> bool:
        """True when neighbours can be looked up."""
        return self.state == "ready"


# ----------------------------------------------------------------------------- keys and files

_FINGERPRINTS: dict[tuple[str, int, int], str] = {}


def model_fingerprint(predictor) -> str:
    """sha256 of the model file, or of its weights when it has no file; remembered on the predictor.

    Remembered at the first call, so a loaded model keeps its key even when its file is retrained
    meanwhile (the new file is a new model, loaded and keyed afresh).
    """
    found = getattr(predictor, "_digitcore_fingerprint", None)
    if found is not None:
        return found
    path = getattr(predictor, "path", None)
    if path is not None and Path(path).is_file():
        st = Path(path).stat()
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
        found = _FINGERPRINTS.get(key)
        if found is None:
            found = _FINGERPRINTS[key] = file_sha256(path)
    else:
        h = hashlib.sha256()
        for w in predictor.model.get_weights():
            h.update(np.ascontiguousarray(w).tobytes())
        found = h.hexdigest()
    try:
        predictor._digitcore_fingerprint = found
    except AttributeError:  # an object that takes no attributes: computed again next time
        pass
    return found


def _owner_tag(predictor) -> str:
    """Short hash of where the model lives: a model's older index files share it and are removed."""
    path = getattr(predictor, "path", None)
    where = str(Path(path).resolve()) if path is not None else f"memory:{predictor.model.name}"
    return hashlib.sha256(where.encode()).hexdigest()[:10]


def cache_dir() -> Path:
    """Folder of the feature index files."""
    return data_dir() / "cache" / "neighbours"


def index_path(predictor, mnist: Mnist, count: int | None = None) -> Path:
    """The index file for this model version and MNIST file (``count``: only the first N training digits)."""
    n = len(mnist.x_train) if count is None else min(int(count), len(mnist.x_train))
    name = f"{_owner_tag(predictor)}-{model_fingerprint(predictor)[:20]}-{mnist.sha256[:12]}-{n}-v{INDEX_VERSION}.npz"
    return cache_dir() / name


def build_index(predictor, mnist: Mnist, *, count: int | None = None,
                progress: Callable[[float], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> FeatureIndex:
    """Compute, save (atomically) and return the feature index of MNIST's first ``count`` (default all) training digits.

    ``progress(fraction)`` is called after each batch. Between batches the build waits while a visitor's
    answer is being computed, so it never slows the app's answers much.
    """
    from .explain import explainer_for

    ex = explainer_for(predictor.model)
    n = len(mnist.x_train) if count is None else min(int(count), len(mnist.x_train))
    path = index_path(predictor, mnist, count)
    parts = []
    for start in range(0, n, BUILD_BATCH):
        if should_stop is not None and should_stop():
            raise InterruptedError("The index build was stopped.")
        yield_to_interactive()
        f = ex.features(mnist.x_train[start : min(start + BUILD_BATCH, n)])
        norms = np.linalg.norm(f, axis=1, keepdims=True)
        parts.append((f / np.maximum(norms, 1e-12)).astype(np.float16))
        if progress is not None:
            progress(min(start + BUILD_BATCH, n) / n)
    features = np.concatenate(parts) if parts else np.zeros((0, 1), np.float16)
    index = FeatureIndex(features.astype(np.float32), path.stem, ex.feature_layer_name or "")
    meta = {"version": INDEX_VERSION, "model": str(getattr(predictor, "path", "") or ""), "layer": index.layer,
            "model_sha256": model_fingerprint(predictor), "mnist_sha256": mnist.sha256, "count": n}
    buf = io.BytesIO()
    np.savez(buf, features=features, meta=np.array(json.dumps(meta)))
    try:
        atomic_write_bytes(path, buf.getvalue())
    except OSError as exc:
        # A full or read-only disk only costs the next server start a rebuild; this process keeps it.
        from ..storage.atomic import write_error_message

        index.not_saved = write_error_message(exc, path.parent, "the look-alike index")
        log.warning("%s", index.not_saved)
        return index
    owner = path.name.split("-")[0]
    for old in path.parent.glob(f"{owner}-*-{n}-v*.npz"):
        if old != path:  # the same model's index for an older version of its file
            old.unlink(missing_ok=True)
    return index


def load_index(path: str | Path) -> FeatureIndex | None:
    """A saved index, or None when it is missing or unreadable (it is then rebuilt)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            features = np.asarray(f["features"])
            meta = json.loads(str(f["meta"]))
        if features.ndim != 2 or meta.get("version") != INDEX_VERSION:
            return None
        return FeatureIndex(features.astype(np.float32), path.stem, str(meta.get("layer", "")))
    except Exception:  # a damaged cache file is only a cache miss
        log.warning("ignoring unreadable feature index %s", path, exc_info=True)
        return None


# ----------------------------------------------------------------------------- background builds


class IndexBuilds:
    """Feature index builds in background threads: one per model version at most, progress readable by pages."""

    def __init__(self, memory_slots: int = 4) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, dict[str, Any]] = {}  # path -> {"thread", "fraction", "error"}
        self._loaded: dict[str, FeatureIndex] = {}
        self._slots = memory_slots

    def _remember(self, key: str, index: FeatureIndex) -> None:
        self._loaded[key] = index
        while len(self._loaded) > self._slots:
            self._loaded.pop(next(iter(self._loaded)))

    def get(self, predictor, mnist: Mnist, count: int | None = None) -> FeatureIndex | None:
        """The index if it is built (from memory or disk), else None."""
        key = str(index_path(predictor, mnist, count))
        with self._lock:
            found = self._loaded.get(key)
        if found is not None:
            return found
        index = load_index(key)
        if index is not None:
            with self._lock:
                self._remember(key, index)
        return index

    def status(self, predictor, mnist: Mnist, count: int | None = None) -> IndexStatus:
        """``ready``, ``building`` (with the fraction done), ``failed`` (with why) or ``missing``."""
        key = str(index_path(predictor, mnist, count))
        with self._lock:
            if key in self._loaded:
                return IndexStatus("ready", 1.0)
            job = self._jobs.get(key)
        if job is not None and job["thread"].is_alive():
            return IndexStatus("building", job["fraction"], "Comparing the 60,000 training digits once for this "
                               f"model… {job['fraction']:.0%}")
        if job is not None and job["error"]:
            return IndexStatus("failed", 0.0, job["error"])
        if self.get(predictor, mnist, count) is not None:
            return IndexStatus("ready", 1.0)
        return IndexStatus("missing")

    def start(self, predictor, mnist: Mnist, count: int | None = None) -> IndexStatus:
        """Start building the index in a background thread unless it exists or is being built."""
        key = str(index_path(predictor, mnist, count))
        current = self.status(predictor, mnist, count)
        if current.state in ("ready", "building"):
            return current
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job["thread"].is_alive():  # another visitor started it meanwhile
                return IndexStatus("building", job["fraction"])
            job = {"fraction": 0.0, "error": None}

            def work() -> None:
                try:
                    index = build_index(predictor, mnist, count=count,
                                        progress=lambda f: job.__setitem__("fraction", f))
                    with self._lock:
                        self._remember(key, index)
                except Exception as exc:
                    log.exception("building the feature index %s failed", key)
                    job["error"] = _build_error(exc)

            job["thread"] = threading.Thread(target=work, name="digitcore-neighbours", daemon=True)
            self._jobs[key] = job
            job["thread"].start()
        return IndexStatus("building", 0.0)

    def wait(self, predictor, mnist: Mnist, count: int | None = None, timeout: float | None = None) -> IndexStatus:
        """Start the build if needed and wait for it (at most ``timeout`` seconds)."""
        key = str(index_path(predictor, mnist, count))
        self.start(predictor, mnist, count)
        with self._lock:
            job = self._jobs.get(key)
        if job is not None:
            job["thread"].join(timeout)
        return self.status(predictor, mnist, count)

    def building(self) -> int:
        """How many builds are running right now."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j["thread"].is_alive())


def _build_error(exc: Exception) -> str:
    from ..storage.atomic import write_problem

    problem = write_problem(exc)
    if problem:
        return f"The look-alike index could not be saved in {cache_dir()}: {problem}."
    return f"The look-alike index could not be built ({exc.__class__.__name__}: {exc})."


#: The process-wide builds every page, the CLI and ``explain`` share.
BUILDS = IndexBuilds()


# ----------------------------------------------------------------------------- lookups


def find_mnist() -> tuple[Mnist | None, str]:
    """MNIST from ``$DIGITCORE_MNIST``, ``../shared/datasets/mnist.npz`` or Keras' cache (shared, read-only copy).

    Returns (None, why) when there is none or it is unusable.
    """
    env = mnist_path_from_env()
    candidates = [env] if env is not None else [REPO_ROOT.parent / "shared" / "datasets" / "mnist.npz",
                                                Path.home() / ".keras" / "datasets" / "mnist.npz"]
    for path in candidates:
        if path.is_file():
            try:
                return load_mnist_shared(path), ""
            except DataError as exc:
                return None, f"The MNIST file can't be used ({exc}), so there are no look-alikes to show."
    if env is not None:
        return None, f"MNIST file not found: {env} (from DIGITCORE_MNIST), so there are no look-alikes to show."
    return None, NO_MNIST


def find_neighbours(predictor, features: np.ndarray | None, *, mnist: Mnist | None = None, wait: bool = True,
                    k: int = 8, timeout: float | None = None) -> tuple[list[Neighbour], str]:
    """The ``k`` closest MNIST training digits to ``features`` (best first), or ([], why not)."""
    if features is None:
        return [], "This model has no hidden layer to compare digits in."
    if mnist is None:
        mnist, why = find_mnist()
        if mnist is None:
            return [], why
    index = BUILDS.get(predictor, mnist)
    if index is None:
        status = BUILDS.wait(predictor, mnist, timeout=timeout) if wait else BUILDS.start(predictor, mnist)
        if status.state == "failed":
            return [], status.message
        index = BUILDS.get(predictor, mnist)
        if index is None:
            return [], status.message or "The look-alike index is being built for this model."
    t0 = time.perf_counter()
    hits = index.query(features, k)
    log.debug("neighbour query %.1f ms", (time.perf_counter() - t0) * 1000)
    return [Neighbour(i, int(mnist.y_train[i]), np.asarray(mnist.x_train[i]), s) for i, s in hits], ""
