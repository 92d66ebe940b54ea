"""Train a preset on MNIST and save it as a run: ``<name>.keras``, ``<name>.csv`` (CSVLogger), ``<name>.json``."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..insight.evaluation import evaluate_model, predict_probabilities
from ..model.priority import yield_to_interactive
from ..model.summary import summarize_model
from ..storage.atomic import (
    atomic_write_text,
    atomic_write_with,
    write_error_message,
    write_problem,
)
from ..storage.datasets import Mnist, to_model_input
from ..storage.runs import (
    RunFiles,
    check_can_write,
    drop_set_aside,
    restore_set_aside,
    run_files,
    run_lock,
    set_aside,
)
from .config import TrainConfig
from .presets import model_for_config

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a finished (or stopped/failed) training produced."""

    name: str
    status: str  # finished | stopped | failed
    model_path: Path | None
    log_path: Path
    meta_path: Path
    meta: dict[str, Any]


Event = dict[str, Any]
#: Columns CSVLogger writes (it sorts them) when validation is on; used for a run that ended before epoch 1.
EMPTY_LOG_COLUMNS = ("accuracy", "learning_rate", "loss", "val_accuracy", "val_loss")


def _split(cfg: TrainConfig, data: Mnist, mix=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if mix is not None:  # --extra-data: the mix is already shuffled, subset and stripped of its hold-out
        x, y = mix.x, mix.y
    else:
        x, y = data.x_train, data.y_train
    if cfg.subset and mix is None:
        x, y = x[: cfg.subset], y[: cfg.subset]
    if cfg.validation == "test":
        return x, y, data.x_test, data.y_test
    n_val = max(1, int(round(len(x) * float(cfg.validation))))
    # Keras' validation_split convention: the last part of the data is held out.
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def make_dataset(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, training: bool):
    """A batched tf.data pipeline of (image, label); shuffled and augmented when ``training``."""
    import tensorflow as tf

    from .augment import augment_batch

    labels = y.astype(np.int32)
    if cfg.loss == "categorical_crossentropy":
        labels = np.eye(n_classes(cfg), dtype=np.float32)[labels]
    ds = tf.data.Dataset.from_tensor_slices((to_model_input(x), labels))
    if training:
        ds = ds.shuffle(len(x), seed=cfg.seed, reshuffle_each_iteration=True)
    ds = ds.batch(cfg.batch_size)
    if training and cfg.augment is not None and not cfg.augment.is_off():
        aug = cfg.augment
        ds = ds.map(lambda a, b: (augment_batch(a, aug), b), num_parallel_calls=1)
    return ds.prefetch(2)


def n_classes(cfg: TrainConfig) -> int:
    """Outputs of the config's model: 11 with extra data (index 10 = not a digit), else 10."""
    return 11 if cfg.extra_data else 10


def _optimizer(cfg: TrainConfig):
    import keras

    if cfg.optimizer == "adam":
        return keras.optimizers.Adam(cfg.learning_rate)
    if cfg.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(cfg.learning_rate, rho=0.9, epsilon=1e-8)
    return keras.optimizers.SGD(cfg.learning_rate, momentum=0.9)


def _loss(cfg: TrainConfig, model):
    import keras

    from ..model.inference import outputs_probabilities

    logits = not outputs_probabilities(model)  # e.g. the TensorFlow tutorial's CNN ends in a plain Dense
    if cfg.loss == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(from_logits=logits)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=logits)


def compiled_model(cfg: TrainConfig):
    """The config's model, compiled with its optimizer, loss and the accuracy metric."""
    model = model_for_config(cfg)
    model.compile(optimizer=_optimizer(cfg), loss=_loss(cfg, model), metrics=["accuracy"])
    return model


class StopRequested(Exception):
    """Raised inside ``fit`` right after the batch during which Stop was pressed."""


def _current_lr(model) -> float:
    import keras

    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _make_progress_callback(emit: Callable[[Event], None], stop_event: threading.Event | None, steps: int,
                            epochs: int, batch_size: int):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports batches and epochs; ends training right after the batch when ``stop_event`` is set.

        It raises instead of setting ``stop_training`` because Keras would then still validate
        the half-done epoch and log it (and maybe checkpoint it) as if it were complete.
        """

        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.stopped = False
            self.t_epoch = time.time()

        def _check_stop(self) -> None:
            if stop_event is not None and stop_event.is_set():
                self.stopped = True
                raise StopRequested()

        def on_epoch_begin(self, epoch, logs=None):
            self._check_stop()
            self.epoch = epoch
            self.t_epoch = time.time()
            emit({"type": "epoch_begin", "epoch": epoch + 1, "epochs": epochs, "steps": steps})

        def on_train_batch_begin(self, batch, logs=None):
            # Someone in the app waiting for an answer goes first (a no-op outside a server).
            yield_to_interactive()

        def on_train_batch_end(self, batch, logs=None):
            elapsed = time.time() - self.t_epoch
            eta = elapsed / (batch + 1) * (steps - batch - 1)
            emit({"type": "batch", "epoch": self.epoch + 1, "epochs": epochs, "batch": batch + 1, "steps": steps,
                  "eta_s": eta, "images_per_s": (batch + 1) * batch_size / elapsed if elapsed > 0 else 0.0,
                  "logs": {k: float(v) for k, v in (logs or {}).items()}})
            self._check_stop()

        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                # In place, so that CSVLogger (next in the list) records the rate this epoch used.
                logs.setdefault("learning_rate", _current_lr(self.model))
            emit({"type": "epoch", "epoch": epoch + 1, "epochs": epochs, "seconds": time.time() - self.t_epoch,
                  "logs": {k: float(v) for k, v in (logs or {}).items()}})

    return Progress()


def _fmt(monitor: str, value: float) -> str:
    return f"{value:.2%}" if "accuracy" in monitor else f"{value:.4f}"


def _make_announcer(emit: Callable[[Event], None], reduce_lr, early_stop, checkpoint):
    """A callback placed after the others that says, in words, when one of them acted."""
    import keras

    class Announcer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.lr_begin = 0.0
            self.best = None
            self.messages: list[dict[str, Any]] = []

        def _say(self, callback: str, epoch: int, message: str) -> None:
            ev = {"type": "callback", "callback": callback, "epoch": epoch, "message": message}
            self.messages.append({k: v for k, v in ev.items() if k != "type"})
            emit(ev)

        def on_epoch_begin(self, epoch, logs=None):
            self.lr_begin = _current_lr(self.model)  # after any per-epoch schedule has set it

        def on_epoch_end(self, epoch, logs=None):
            n = epoch + 1
            if checkpoint is not None and checkpoint.best is not None and checkpoint.best != self.best:
                self.best = checkpoint.best
                self._say("ModelCheckpoint", n, f"Epoch {n}: new best {checkpoint.monitor} "
                          f"{_fmt(checkpoint.monitor, checkpoint.best)}, checkpoint saved.")
            lr = _current_lr(self.model)
            if reduce_lr is not None and lr < self.lr_begin * (1 - 1e-6):
                self._say("ReduceLROnPlateau", n, f"Epoch {n}: {reduce_lr.monitor} stopped improving for "
                          f"{reduce_lr.patience} epoch(s), learning rate reduced from {self.lr_begin:.2e} to {lr:.2e}.")
            if early_stop is not None and early_stop.stopped_epoch == epoch and self.model.stop_training:
                best = early_stop.best_epoch + 1
                kept = f" The weights of epoch {best} are kept." if early_stop.restore_best_weights else ""
                self._say("EarlyStopping", n, f"Epoch {n}: early stop, {early_stop.monitor} has not improved for "
                          f"{early_stop.patience} epoch(s); the best was epoch {best} "
                          f"({_fmt(early_stop.monitor, early_stop.best)}).{kept}")

    return Announcer()


def _close_after_stop(callbacks) -> None:
    """What ``fit`` would have done at the end: close the CSV log, restore EarlyStopping's best weights."""
    import keras

    for cb in callbacks:
        if isinstance(cb, (keras.callbacks.CSVLogger, keras.callbacks.EarlyStopping)):
            try:
                cb.on_train_end()
            except Exception:  # the log may never have been opened
                log.debug("on_train_end failed for %s", cb.__class__.__name__, exc_info=True)


def _safe_emitter(on_event: Callable[[Event], None] | None) -> Callable[[Event], None]:
    """A listener that fails must not end the training it is watching."""

    def emit(ev: Event) -> None:
        if on_event is None:
            return
        try:
            on_event(ev)
        except StopRequested:
            raise
        except Exception:
            log.exception("training event listener failed on %s", ev.get("type"))

    return emit


def train(
    cfg: TrainConfig,
    data: Mnist,
    out_dir: str | Path,
    *,
    on_event: Callable[[Event], None] | None = None,
    stop_event: threading.Event | None = None,
    overwrite: bool = False,
    class_data: Any = None,
) -> RunResult:
    """Train ``cfg`` on ``data``; save the run into ``out_dir`` atomically and return what was written.

    Raises before anything starts: ValueError (invalid config), FileExistsError (the run exists and
    ``overwrite`` is false), RunBusyError (someone is training that name right now). Once training has
    begun, problems are recorded in the run (status "failed") instead of raised. ``class_data``
    (:class:`digitcore.training.class_data.ClassData`) adds the class's drawings and records their
    held-out accuracy before and after in the JSON's ``class_data``.
    """
    cfg.validate()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = run_files(out_dir, cfg.name)
    with run_lock(files):
        check_can_write(files, overwrite)
        # The old run is kept aside until the new one has saved its model: a failed or killed
        # retraining gives it back instead of leaving the name with nothing usable.
        replacing = set_aside(files)
        try:
            result = _train_locked(cfg, data, files, _safe_emitter(on_event), stop_event, class_data)
        except BaseException:
            if replacing:
                restore_set_aside(files)
            raise
        if replacing:
            if result.status == "failed":
                restore_set_aside(files)
                log.warning("retraining %s failed; the previous run was put back", cfg.name)
            else:
                drop_set_aside(files)
        return result


def _train_locked(cfg: TrainConfig, data: Mnist, files: RunFiles, emit: Callable[[Event], None],
                  stop_event: threading.Event | None, class_data: Any = None) -> RunResult:
    import keras

    out_dir = files.model.parent
    started = time.time()
    keras.utils.set_random_seed(cfg.seed)
    mix = None
    if cfg.extra_data:
        from .extra import training_mix

        emit({"type": "phase", "phase": "data",
              "message": "Preparing the extra data: USPS + generated styles + not-a-digit examples…"})
        mix = training_mix(data, cfg.seed, cfg.subset, progress=_generation_progress(emit))
    x_tr, y_tr, x_val, y_val = _split(cfg, data, mix)
    if class_data is not None:  # the class's drawings: training part added, held-out part measured before
        class_data.measure_before()
        x_tr, y_tr = class_data.extend(x_tr, y_tr)
    steps = math.ceil(len(x_tr) / cfg.batch_size)
    model = compiled_model(cfg)
    warm = None
    if cfg.init_weights:
        from .warm_start import warm_start

        warm = warm_start(model, cfg.init_weights)
    summary = summarize_model(model)

    # Written first, so a run whose process dies mid-training is never mistaken for a finished one.
    running = _metadata(cfg, data, model, x_tr, x_val, None, "running", None, 0.0, mix)
    running["started"] = _utc(started)
    if warm is not None:
        running["init_weights"] = warm
    atomic_write_text(files.meta, json.dumps(running, indent=2) + "\n")
    emit({"type": "start", "name": cfg.name, "preset": cfg.preset, "params": summary.total_params,
          "train_images": len(x_tr), "val_images": len(x_val), "steps": steps, "epochs": cfg.epochs,
          "summary": summary.to_dict(), "config": cfg.to_dict(), "meta_path": str(files.meta)})

    partial_log = out_dir / f".{cfg.name}.csv.partial"
    best_path = out_dir / f".{cfg.name}.best.weights.h5"
    progress = _make_progress_callback(emit, stop_event, steps, cfg.epochs, cfg.batch_size)
    csv_logger = keras.callbacks.CSVLogger(str(partial_log))
    callbacks: list[keras.callbacks.Callback] = [progress, csv_logger]
    if cfg.lr_decay < 1.0:
        decay = cfg.lr_decay
        # Multiplies the current rate, so reductions by ReduceLROnPlateau are kept, not undone.
        callbacks.append(keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * decay if epoch else lr))
    reduce_lr = early_stop = checkpoint = None
    if cfg.reduce_lr_patience:
        reduce_lr = keras.callbacks.ReduceLROnPlateau(cfg.reduce_lr_monitor, factor=cfg.reduce_lr_factor,
                                                      patience=cfg.reduce_lr_patience, min_lr=cfg.reduce_lr_min,
                                                      verbose=0)
        callbacks.append(reduce_lr)
    if cfg.early_stopping_patience:
        early_stop = keras.callbacks.EarlyStopping(cfg.early_stopping_monitor, patience=cfg.early_stopping_patience,
                                                   min_delta=cfg.early_stopping_min_delta,
                                                   restore_best_weights=not cfg.checkpoint_best)
        callbacks.append(early_stop)
    if cfg.checkpoint_best:
        checkpoint = keras.callbacks.ModelCheckpoint(str(best_path), monitor=cfg.checkpoint_monitor,
                                                     save_best_only=True, save_weights_only=True)
        callbacks.append(checkpoint)
    announcer = _make_announcer(emit, reduce_lr, early_stop, checkpoint)
    callbacks.append(announcer)

    t0 = time.time()
    status, error = "finished", None
    try:
        if stop_event is not None and stop_event.is_set():
            raise StopRequested()
        model.fit(make_dataset(x_tr, y_tr, cfg, True), validation_data=make_dataset(x_val, y_val, cfg, False),
                  epochs=cfg.epochs, callbacks=callbacks, verbose=0, shuffle=False)
    except StopRequested:
        status = "stopped"
        _close_after_stop(callbacks)
        emit({"type": "callback", "callback": "Stop", "epoch": progress.epoch + 1,
              "message": f"Stopped by request during epoch {progress.epoch + 1}; the log keeps the finished epochs."})
    except Exception as exc:  # recorded in the run's JSON; the caller decides how to show it
        # An OSError here is CSVLogger (or ModelCheckpoint) finding the disk full or read-only.
        status = "failed"
        error = write_error_message(exc, out_dir, "the training log") if write_problem(exc) else \
            f"{exc.__class__.__name__}: {exc}"
        log.exception("training run %s failed", cfg.name)
        _close_after_stop([csv_logger])
    train_seconds = time.time() - t0

    saved_from: dict[str, Any] = {"weights": "last epoch"}
    final = None
    try:
        if status != "failed":
            if checkpoint is not None and best_path.exists():
                model.load_weights(best_path)
                saved_from = {"weights": "best checkpoint", "monitor": checkpoint.monitor,
                              "value": float(checkpoint.best)}
            elif early_stop is not None and early_stop.best_weights is not None:
                saved_from = {"weights": "best epoch (EarlyStopping)", "epoch": int(early_stop.best_epoch) + 1,
                              "monitor": early_stop.monitor, "value": float(early_stop.best)}
            emit({"type": "phase", "phase": "saving", "message": "Saving the model…"})
            final = _save_inference_model(model, files.model)
    except Exception as exc:  # the atomic writer has already removed its temporary file
        status = "failed"
        error = write_error_message(exc, out_dir, "the model") if write_problem(exc) else \
            f"Saving the model failed: {exc.__class__.__name__}: {exc}"
        log.exception("saving run %s failed", cfg.name)
    try:
        if partial_log.exists():
            os.replace(partial_log, files.log)
        else:  # stopped or failed before the first epoch: still a (header-only) log, like every run
            atomic_write_text(files.log, ",".join(["epoch", *EMPTY_LOG_COLUMNS]) + "\n")
    except OSError as exc:  # e.g. the folder turned read-only: the run cannot count as finished
        status, error = "failed", error or write_error_message(exc, out_dir, "the training log")
        log.exception("finishing the log of run %s failed", cfg.name)
    with contextlib.suppress(OSError):
        best_path.unlink(missing_ok=True)

    meta = _metadata(cfg, data, model, x_tr, x_val, files.log, status, error, train_seconds, mix)
    meta["started"] = _utc(started)
    if warm is not None:
        meta["init_weights"] = warm
    meta["saved_from"] = saved_from if final is not None else None
    meta["callback_messages"] = announcer.messages
    if final is not None:
        emit({"type": "phase", "phase": "evaluating", "message": f"Testing on the {len(data.y_test):,} MNIST test images…"})
        res = evaluate_model(final, data.x_test, data.y_test, 1000)
        meta["test_accuracy"], meta["test_loss"] = res.accuracy, res.loss
        meta["model_bytes"] = files.model.stat().st_size
        if mix is not None:
            emit({"type": "phase", "phase": "evaluating", "message": "Fitting the calibration temperature…"})
            meta.update(_calibrate(final, mix))
            meta.update(test_declines(final, data.x_test, data.y_test, meta))
    if class_data is not None:
        meta["class_data"] = class_data.report(final)
    # If even this fails (disk full or read-only), the OSError goes to the caller and the JSON on disk
    # still says "running", which the model list shows as failed (interrupted), never as finished.
    atomic_write_text(files.meta, json.dumps(meta, indent=2) + "\n")
    emit({"type": "end", "status": status, "meta": meta})
    return RunResult(cfg.name, status, files.model if final is not None else None, files.log, files.meta, meta)


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _save_inference_model(model, path: Path):
    """Save the weights in an uncompiled copy: no optimizer state, so the file stays small.

    The copy is rebuilt from the trained model's own config, so it works for every preset and any
    custom design. (``keras.models.clone_model`` would also clone the compile state, and saving
    would then write an optimizer's variables: three times the size.)
    """
    import keras

    fresh = keras.Model.from_config(model.get_config())
    fresh.set_weights(model.get_weights())
    atomic_write_with(path, lambda tmp: fresh.save(tmp))
    return fresh


def evaluate_arrays(model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> tuple[float, float]:
    """(loss, accuracy) of a model on uint8 images and integer labels, without compiling it."""
    res = evaluate_model(model, x, y, batch_size)  # digitcore.insight.evaluation is the one place for scoring
    return res.loss, res.accuracy


def predict_arrays(model, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Probabilities (N,10), or (N,11) for an 11-class model, for uint8 or float images (N,28,28)."""
    return predict_probabilities(model, x, batch_size)


def _generation_progress(emit: Callable[[Event], None]) -> Callable[[int, int], None]:
    shown = [-1]

    def progress(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct // 10 != shown[0]:  # one line per 10 %
            shown[0] = pct // 10
            emit({"type": "phase", "phase": "data", "message": f"Generating training data: {done:,}/{total:,} ({pct}%)"})

    return progress


def _calibrate(model, mix) -> dict[str, Any]:
    """Temperature fitted on one half of the hold-out, calibration measured on the other half."""
    from ..insight.calibration import expected_calibration_error, fit_temperature
    from ..model.rejection import apply_temperature, fit_reject_threshold
    from .extra import EXTRA_CLASSES, NOT_A_DIGIT_INDEX

    def ece(p, y):
        return expected_calibration_error(p.max(axis=1), p.argmax(axis=1) == y)

    from ..model.inference import ModelRunner

    probs = ModelRunner(model).probabilities(mix.x_cal)  # all 11 outputs, uncalibrated
    half = len(mix.y_cal) // 2
    fit_p, fit_y, m_p, m_y = probs[:half], mix.y_cal[:half], probs[half:], mix.y_cal[half:]
    t = fit_temperature(fit_p, fit_y) if half else 1.0
    out: dict[str, Any] = {}
    if probs.shape[1] == EXTRA_CLASSES:
        # The decline threshold comes from the same half as the temperature; the other half measures it.
        fit_nad = apply_temperature(fit_p, t)[:, NOT_A_DIGIT_INDEX]
        m_nad = apply_temperature(m_p, t)[:, NOT_A_DIGIT_INDEX]
        threshold = fit_reject_threshold(fit_nad, fit_y != NOT_A_DIGIT_INDEX)
        out["reject_threshold"] = threshold
        out["rejection"] = {
            "rule": "declined when the calibrated 'not a digit' probability >= reject_threshold; the threshold is "
                    "the lowest in [0.25, 0.5] declining at most 0.2% of the fit half's digits",
            "digits_declined": _share(m_nad[m_y != NOT_A_DIGIT_INDEX] >= threshold),
            "non_digits_declined": _share(m_nad[m_y == NOT_A_DIGIT_INDEX] >= threshold)}
    return {**out, "temperature": round(t, 4), "calibration": {
        "split": f"held-out {len(mix.y_cal)} images of the training mix (never trained on): temperature fitted "
                 f"on {half}, ECE (15 bins) measured on the other {len(m_y)}",
        "fit_images": half, "measured_images": int(len(m_y)),
        "ece_before": ece(m_p, m_y),
        "ece_after": ece(apply_temperature(m_p, t), m_y),
        "accuracy": float((m_p.argmax(1) == m_y).mean()) if len(m_y) else None}}


def test_declines(model, x: np.ndarray, y: np.ndarray, meta: dict[str, Any]) -> dict[str, Any]:
    """How the model reads the test set with the temperature and threshold in ``meta``, as the app would.

    ``test_declined``: share declined as "not a digit"; ``test_accuracy_declines_as_errors``: share
    answered with the right digit (a declined digit counts as wrong).
    """
    from ..model.inference import ModelRunner
    from ..model.rejection import OutputHead

    head = OutputHead.from_metadata(meta, 11)
    scores = head.scores(ModelRunner(model).probabilities(x))
    right = (scores.best_guess == np.asarray(y)) & ~scores.declined
    return {"test_declined": float(scores.declined.mean()) if len(y) else 0.0,
            "test_accuracy_declines_as_errors": float(right.mean()) if len(y) else None}


def _share(mask: np.ndarray) -> float | None:
    return float(np.mean(mask)) if len(mask) else None


def _metadata(cfg, data, model, x_tr, x_val, log_path, status, error, seconds, mix=None) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    meta: dict[str, Any] = {
        "name": cfg.name,
        "preset": cfg.preset,
        "architecture": model.name,
        "params": int(model.count_params()),
        "status": status,
        "error": error,
        "config": cfg.to_dict(),
        "data": {"source": os.path.basename(data.source), "sha256": data.sha256,
                 "train_images": int(len(x_tr)), "val_images": int(len(x_val)),
                 "validation": "MNIST test set (monitoring only, no model selection)" if cfg.validation == "test"
                 else f"last {cfg.validation:.0%} of the training images"},
        "train_seconds": round(seconds, 1),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "python": platform.python_version()},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
    }
    if mix is not None:
        meta["classes"] = n_classes(cfg)
        meta["not_a_digit_index"] = 10
        meta["data"]["source"] = "MNIST + USPS + generated"
        meta["data"]["extra"] = mix.info
    meta["epochs_run"] = 0
    if log_path is None or not Path(log_path).exists():
        return meta
    try:
        import pandas as pd

        history = pd.read_csv(log_path)
    except Exception:  # an empty log is normal for a run that failed or was stopped at once
        return meta
    meta["epochs_run"] = int(len(history))
    if len(history) and {"val_accuracy", "val_loss"} <= set(history.columns):
        watch = cfg.checkpoint_monitor if cfg.checkpoint_best else "val_loss"
        best = int(history[watch].idxmax() if watch == "val_accuracy" else history[watch].idxmin())
        meta["best_epoch"] = best + 1
        meta["best_val_accuracy"] = float(history["val_accuracy"].max())
        meta["best_val_loss"] = float(history["val_loss"].min())
        meta["final_val_accuracy"] = float(history["val_accuracy"].iloc[-1])
        meta["final_val_loss"] = float(history["val_loss"].iloc[-1])
    return meta
