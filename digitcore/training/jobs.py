"""One training at a time per process, in a background thread, watched by any number of viewers.

The training page and ``python -m digitcore train`` both go through :data:`MANAGER`:
``start()`` checks everything that can be checked up front (config, run name, an existing run,
another training already going) and raises with a readable message; then the run trains in a
thread while ``snapshot()`` hands out a consistent copy of its progress (latest batch, one row per
finished epoch, callback messages, the result). The page polls snapshots, so every browser
session sees the same training and the server stays responsive.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..model.priority import lower_training_priority
from ..storage.atomic import write_error_message, write_problem
from ..storage.paths import models_dir
from ..storage.runs import RunBusyError, is_shipped, run_files, run_is_live
from .config import TrainConfig

log = logging.getLogger(__name__)

__all__ = ["TrainingBusyError", "JobState", "TrainingManager", "MANAGER", "get_manager", "ACTIVE_STATES"]

#: Job states while the thread is working.
ACTIVE_STATES = ("starting", "running", "stopping")
#: Most callback/info messages kept per job (a 500-epoch run must not grow without bound).
MAX_MESSAGES = 200


class TrainingBusyError(RuntimeError):
    """A training is already running in this process (only one at a time)."""


#: Most per-batch points kept for the live loss curve (every other one is dropped when full).
BATCH_POINTS = 600


def _add_batch_point(state: "JobState") -> None:
    """Append the running loss of the batch just done; thin the list so it stays small."""
    loss = state.batch_logs.get("loss")
    if not isinstance(loss, (int, float)) or not state.steps:
        return
    step = (max(state.epoch, 1) - 1) * state.steps + state.batch
    state.batch_history.append({"step": float(step), "epoch": float(state.epoch), "loss": float(loss)})
    if len(state.batch_history) > BATCH_POINTS:
        state.batch_history[:] = state.batch_history[::2]


@dataclass
class JobState:
    """Everything a viewer needs about one training job; snapshots are copies, safe to keep."""

    job_id: str
    name: str
    preset: str
    owner: str
    config: dict[str, Any]
    out_dir: str
    status: str = "starting"  # starting | running | stopping | finished | stopped | failed
    phase: str = "Loading the training data…"
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    params: int | None = None
    train_images: int | None = None
    val_images: int | None = None
    steps: int | None = None
    epochs: int = 0
    epoch: int = 0  # the epoch in progress (1-based); 0 before the first one
    batch: int = 0  # batches done in that epoch
    eta_s: float | None = None  # seconds left in this epoch
    images_per_s: float | None = None
    batch_logs: dict[str, float] = field(default_factory=dict)  # running loss/accuracy of this epoch
    history: list[dict[str, float]] = field(default_factory=list)  # one row per finished epoch
    # Running loss after each batch ({step, epoch, loss}), thinned to at most BATCH_POINTS rows.
    batch_history: list[dict[str, float]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # {time, kind, source, message}
    summary: dict[str, Any] | None = None  # model_summary.ModelSummary.to_dict()
    meta: dict[str, Any] | None = None  # the run's JSON once it ended
    error: str | None = None
    stop_requested_by: str | None = None

    @property
    def active(self) -> bool:
        """True while the job's thread is still working."""
        return self.status in ACTIVE_STATES

    @property
    def epochs_done(self) -> int:
        """Finished epochs."""
        return len(self.history)

    @property
    def overall_fraction(self) -> float:
        """Share of all planned batches done, 0..1 (an early stop ends below 1)."""
        if not self.epochs or not self.steps:
            return 0.0
        if not self.active and self.status == "finished":
            return 1.0
        done = max(self.epoch - 1, 0) + (self.batch / self.steps)
        return min(done / self.epochs, 1.0)

    @property
    def elapsed_s(self) -> float:
        """Seconds since the job started (until it ended)."""
        return (self.ended_at or time.time()) - self.started_at

    @property
    def eta_total_s(self) -> float | None:
        """Rough seconds left for the whole run at the current pace (None before the first batch)."""
        if self.eta_s is None or not self.steps or not self.epochs or self.images_per_s in (None, 0):
            return None
        per_epoch = self.steps * (self.config.get("batch_size") or 1) / self.images_per_s
        return self.eta_s + max(self.epochs - self.epoch, 0) * per_epoch


_MANAGERS: weakref.WeakSet[TrainingManager] = weakref.WeakSet()


def _training_threads() -> set[threading.Thread]:
    """Threads of the jobs running right now, in every manager of this process."""
    threads = set()
    for manager in list(_MANAGERS):
        job = manager._job
        if job is not None and job.state.active and job.thread is not None:
            threads.add(job.thread)
    return threads


def _guard_clear_session() -> None:
    """Make ``keras.backend.clear_session()`` wait while a training runs in the background.

    Hosts call it from other threads: Streamlit does after every script run (each click, each
    1-second progress refresh). It resets Keras' global state and TensorFlow's kernel cache under
    the training thread's feet, which slowed a tiny training ~50x in the app. While a job runs,
    calls from other threads are skipped (the next call after the job ends does the work).
    """
    import keras

    backend = keras.backend
    original = backend.clear_session
    if getattr(original, "_digitcore_guard", False):
        return

    def clear_session(*args, **kwargs):
        running = _training_threads()
        if running and threading.current_thread() not in running:
            return None
        return original(*args, **kwargs)

    clear_session._digitcore_guard = True  # type: ignore[attr-defined]
    clear_session.__wrapped__ = original  # type: ignore[attr-defined]
    clear_session.__doc__ = original.__doc__
    backend.clear_session = clear_session


class _Job:
    """A running job: its state (guarded by the manager's lock), its stop flag and its thread."""

    def __init__(self, state: JobState) -> None:
        self.state = state
        self.stop = threading.Event()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None


_ids = itertools.count(1)


class TrainingManager:
    """Runs at most one training at a time in a background thread; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: _Job | None = None
        _MANAGERS.add(self)

    # ------------------------------------------------------------------ start / stop

    def start(
        self,
        cfg: TrainConfig,
        *,
        data: Any = None,
        data_path: str | Path | None = None,
        out_dir: str | Path | None = None,
        overwrite: bool = False,
        owner: str = "",
        listener: Callable[[dict[str, Any]], None] | None = None,
        class_data: Any = None,
    ) -> str:
        """Validate and start training ``cfg`` in the background; returns the job id.

        ``data`` is a loaded :class:`digitcore.storage.datasets.Mnist`; without it the thread loads
        ``data_path`` (default ``$DIGITCORE_MNIST``). ``listener`` gets every training event
        (in the training thread). Raises ValueError (invalid option), FileExistsError (the run
        exists and ``overwrite`` is false), TrainingBusyError / RunBusyError (already training).
        """
        cfg.validate()
        out = Path(out_dir) if out_dir is not None else models_dir()
        files = run_files(out, cfg.name)
        with self._lock:
            if self._job is not None and self._job.state.active:
                st = self._job.state
                raise TrainingBusyError(f"A training is already running on this server: '{st.name}' ({st.preset})"
                                        f"{' started by ' + st.owner if st.owner else ''}. Only one runs at a time; "
                                        "wait for it to finish or stop it.")
            if run_is_live(files):
                raise RunBusyError(f"The run '{cfg.name}' is being trained right now (by another process).")
            if files.existing() and is_shipped(files):
                raise FileExistsError(f"'{cfg.name}' ships with the app and stays read-only; choose another name.")
            if files.existing() and not overwrite:
                raise FileExistsError(f"A run named '{cfg.name}' already exists; choose another name or tick "
                                      "'replace it'.")
            state = JobState(job_id=f"job-{next(_ids)}-{int(time.time())}", name=cfg.name, preset=cfg.preset,
                             owner=owner.strip()[:60], config=cfg.to_dict(), out_dir=str(out), epochs=cfg.epochs)
            job = _Job(state)
            job.thread = threading.Thread(target=self._run, name=f"digitcore-training-{cfg.name}", daemon=True,
                                          args=(job, cfg, data, data_path, out, overwrite, listener, class_data))
            self._job = job
            _guard_clear_session()
            job.thread.start()
        return state.job_id

    def stop(self, job_id: str | None = None, by: str = "") -> bool:
        """Ask the current job (or ``job_id`` only) to stop after its current batch; False if none is active."""
        with self._lock:
            job = self._job
            if job is None or not job.state.active or (job_id is not None and job.state.job_id != job_id):
                return False
            job.stop.set()
            job.state.status = "stopping"
            job.state.phase = "Stopping after the current batch…"
            job.state.stop_requested_by = by or None
            self._message(job.state, "info", "Stop", f"Stop requested{' by ' + by if by else ''}: training ends "
                          "after the current batch.")
            return True

    # ------------------------------------------------------------------ viewing

    def snapshot(self) -> JobState | None:
        """A copy of the latest job's state (the running one, else the last one that ended), or None."""
        with self._lock:
            if self._job is None:
                return None
            st = self._job.state
            return replace(st, config=dict(st.config), batch_logs=dict(st.batch_logs), history=list(st.history),
                           messages=list(st.messages), batch_history=list(st.batch_history))

    def forget_finished(self) -> bool:
        """Stop showing the last job that ended (no-op while one runs); True when there was one."""
        with self._lock:
            if self._job is None or self._job.state.active:
                return False
            self._job = None
            return True

    def is_busy(self) -> bool:
        """True while a training is running."""
        with self._lock:
            return self._job is not None and self._job.state.active

    def wait(self, timeout: float | None = None) -> JobState | None:
        """Block until the current job ends (or ``timeout`` seconds pass); returns its snapshot."""
        with self._lock:
            job = self._job
        if job is not None:
            job.done.wait(timeout)
        return self.snapshot()

    # ------------------------------------------------------------------ the thread

    def _load_data(self, data_path: str | Path | None):
        from ..storage.datasets import load_mnist, load_mnist_shared
        from ..storage.paths import mnist_path_from_env

        path = data_path or mnist_path_from_env()
        # The same copy the app's pages use (one per process); without a path, Keras' download.
        return load_mnist_shared(path) if path is not None else load_mnist(None)

    def _run(self, job: _Job, cfg: TrainConfig, data, data_path, out: Path, overwrite: bool, listener,
             class_data: Any = None) -> None:
        from .loop import train

        def on_event(ev: dict[str, Any]) -> None:
            with self._lock:
                self._apply(job.state, ev)
            if listener is not None:
                listener(ev)

        try:
            if data is None:
                data = self._load_data(data_path)
            with self._lock:
                if job.state.status == "starting":
                    job.state.phase = "Building the model…"
            # Visitors of the app come first: this thread and TensorFlow's compute threads run "nice".
            lower_training_priority()
            train(cfg, data, out, on_event=on_event, stop_event=job.stop, overwrite=overwrite, class_data=class_data)
        except Exception as exc:  # shown to every viewer; the traceback goes to the server log
            log.exception("training job %s failed", cfg.name)
            if write_problem(exc):  # disk full or read-only: say so, and where
                message = write_error_message(exc, out)
            else:
                message = str(exc) if isinstance(exc, (ValueError, OSError, RuntimeError)) else \
                    f"{exc.__class__.__name__}: {exc}"
            with self._lock:
                job.state.status, job.state.error = "failed", message
                job.state.phase = "Failed"
                self._message(job.state, "error", "Error", message)
            if listener is not None:
                try:
                    listener({"type": "error", "message": message})
                except Exception:
                    log.exception("training listener failed")
        finally:
            with self._lock:
                if job.state.active:  # e.g. a KeyboardInterrupt in the thread
                    job.state.status = "failed"
                    job.state.error = job.state.error or "The training ended unexpectedly."
                job.state.ended_at = time.time()
            job.done.set()

    @staticmethod
    def _message(state: JobState, kind: str, source: str, text: str, epoch: int | None = None) -> None:
        state.messages.append({"time": time.time(), "kind": kind, "source": source, "message": text,
                               "epoch": epoch})
        del state.messages[:-MAX_MESSAGES]

    def _apply(self, st: JobState, ev: dict[str, Any]) -> None:
        """Fold one training event into the job state (called with the lock held)."""
        kind = ev.get("type")
        if kind == "start":
            st.params, st.train_images, st.val_images = ev["params"], ev["train_images"], ev["val_images"]
            st.steps, st.epochs, st.summary = ev["steps"], ev["epochs"], ev.get("summary")
            if st.status == "starting":
                st.status = "running"
            st.phase = "Training"
            self._message(st, "info", "Start", f"Training {st.params:,} parameters on {st.train_images:,} images, "
                          f"checking on {st.val_images:,}.")
        elif kind == "epoch_begin":
            st.epoch, st.batch = ev["epoch"], 0
            st.batch_logs = {}
        elif kind == "batch":
            st.epoch, st.batch, st.steps = ev["epoch"], ev["batch"], ev["steps"]
            st.eta_s, st.images_per_s = ev["eta_s"], ev.get("images_per_s")
            st.batch_logs = dict(ev.get("logs") or {})
            _add_batch_point(st)
            if st.batch == st.steps and st.status == "running":
                st.phase = "Checking on the validation images…"
            elif st.status == "running":
                st.phase = "Training"
        elif kind == "epoch":
            row = {"epoch": ev["epoch"], "seconds": ev.get("seconds", 0.0), **ev.get("logs", {})}
            st.history.append(row)
            if st.status == "running":
                st.phase = "Training"
        elif kind == "callback":
            self._message(st, "callback", ev.get("callback", ""), ev.get("message", ""), ev.get("epoch"))
        elif kind == "phase":
            st.phase = ev.get("message", st.phase)
        elif kind == "end":
            st.meta = ev.get("meta")
            st.status = ev.get("status", "finished")
            st.error = (st.meta or {}).get("error")
            st.phase = {"finished": "Finished", "stopped": "Stopped", "failed": "Failed"}.get(st.status, st.status)
            st.eta_s = 0.0 if st.status == "finished" else st.eta_s
            if st.error:
                self._message(st, "error", "Error", st.error)


#: The one manager of this process (the Streamlit server shares it between all sessions).
MANAGER = TrainingManager()


def get_manager() -> TrainingManager:
    """The process-wide training manager."""
    return MANAGER
