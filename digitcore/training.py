"""Train a preset on MNIST and save it as a run: ``<name>.keras``, ``<name>.csv`` (CSVLogger), ``<name>.json``."""

from __future__ import annotations

import json
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

from .atomic import atomic_write_text, atomic_write_with
from .data import Mnist, to_model_input
from .presets import build_model
from .train_config import TrainConfig

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


def _split(cfg: TrainConfig, data: Mnist) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = data.x_train, data.y_train
    if cfg.subset:
        x, y = x[: cfg.subset], y[: cfg.subset]
    if cfg.validation == "test":
        return x, y, data.x_test, data.y_test
    n_val = max(1, int(round(len(x) * float(cfg.validation))))
    # Keras' validation_split convention: the last part of the data is held out.
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def _dataset(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, training: bool):
    import tensorflow as tf

    from .augment import augment_batch

    labels = y.astype(np.int32)
    if cfg.loss == "categorical_crossentropy":
        labels = np.eye(10, dtype=np.float32)[labels]
    ds = tf.data.Dataset.from_tensor_slices((to_model_input(x), labels))
    if training:
        ds = ds.shuffle(len(x), seed=cfg.seed, reshuffle_each_iteration=True)
    ds = ds.batch(cfg.batch_size)
    if training and cfg.augment is not None and not cfg.augment.is_off():
        aug = cfg.augment
        ds = ds.map(lambda a, b: (augment_batch(a, aug), b), num_parallel_calls=1)
    return ds.prefetch(2)


def _optimizer(cfg: TrainConfig):
    import keras

    if cfg.optimizer == "adam":
        return keras.optimizers.Adam(cfg.learning_rate)
    if cfg.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(cfg.learning_rate, rho=0.9, epsilon=1e-8)
    return keras.optimizers.SGD(cfg.learning_rate, momentum=0.9)


def _loss(cfg: TrainConfig, model):
    import keras

    from .inference import outputs_probabilities

    logits = not outputs_probabilities(model)  # e.g. the TensorFlow tutorial's CNN ends in a plain Dense
    if cfg.loss == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(from_logits=logits)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=logits)


def _make_progress_callback(on_event: Callable[[Event], None] | None, stop_event: threading.Event | None, steps: int):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports batches and epochs to ``on_event``; ends training after the batch when ``stop_event`` is set."""

        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.stopped = False
            self.t_epoch = time.time()

        def _emit(self, ev: Event) -> None:
            if on_event is not None:
                on_event(ev)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.t_epoch = time.time()
            self._emit({"type": "epoch_begin", "epoch": epoch + 1, "steps": steps})

        def on_train_batch_end(self, batch, logs=None):
            elapsed = time.time() - self.t_epoch
            eta = elapsed / (batch + 1) * (steps - batch - 1)
            self._emit({"type": "batch", "epoch": self.epoch + 1, "batch": batch + 1, "steps": steps,
                        "eta_s": eta, "logs": {k: float(v) for k, v in (logs or {}).items()}})
            if stop_event is not None and stop_event.is_set():
                self.stopped = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = dict(logs or {})
            lr = self.model.optimizer.learning_rate
            logs.setdefault("learning_rate", float(np.asarray(lr)))
            self._emit({"type": "epoch", "epoch": epoch + 1, "seconds": time.time() - self.t_epoch,
                        "logs": {k: float(v) for k, v in logs.items()}})

    return Progress()


def train(
    cfg: TrainConfig,
    data: Mnist,
    out_dir: str | Path,
    *,
    on_event: Callable[[Event], None] | None = None,
    stop_event: threading.Event | None = None,
    overwrite: bool = False,
) -> RunResult:
    """Train ``cfg`` on ``data``; save the run into ``out_dir`` atomically and return what was written."""
    import keras
    import tensorflow as tf

    cfg.validate()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, log_path, meta_path = (out_dir / f"{cfg.name}{ext}" for ext in (".keras", ".csv", ".json"))
    if not overwrite and any(p.exists() for p in (model_path, log_path, meta_path)):
        raise FileExistsError(f"A run named '{cfg.name}' already exists; choose another name or allow overwriting.")

    keras.utils.set_random_seed(cfg.seed)
    x_tr, y_tr, x_val, y_val = _split(cfg, data)
    steps = math.ceil(len(x_tr) / cfg.batch_size)
    model = build_model(cfg.preset)
    model.compile(optimizer=_optimizer(cfg), loss=_loss(cfg, model), metrics=["accuracy"])
    if on_event:
        on_event({"type": "start", "params": int(model.count_params()), "train_images": len(x_tr),
                  "val_images": len(x_val), "steps": steps})

    partial_log = out_dir / f".{cfg.name}.csv.partial"
    best_path = out_dir / f".{cfg.name}.best.keras"
    progress = _make_progress_callback(on_event, stop_event, steps)
    callbacks: list[keras.callbacks.Callback] = [progress, keras.callbacks.CSVLogger(str(partial_log))]
    if cfg.lr_decay < 1.0:
        lr0, decay = cfg.learning_rate, cfg.lr_decay
        callbacks.append(keras.callbacks.LearningRateScheduler(lambda epoch: lr0 * decay**epoch))
    if cfg.reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(cfg.reduce_lr_monitor, factor=cfg.reduce_lr_factor,
                                                           patience=cfg.reduce_lr_patience,
                                                           min_lr=cfg.reduce_lr_min, verbose=0))
    if cfg.early_stopping_patience:
        callbacks.append(keras.callbacks.EarlyStopping("val_loss", patience=cfg.early_stopping_patience,
                                                       restore_best_weights=not cfg.checkpoint_best))
    if cfg.checkpoint_best:
        callbacks.append(keras.callbacks.ModelCheckpoint(str(best_path), monitor="val_loss", save_best_only=True))

    t0 = time.time()
    status, error = "finished", None
    try:
        model.fit(_dataset(x_tr, y_tr, cfg, True), validation_data=_dataset(x_val, y_val, cfg, False),
                  epochs=cfg.epochs, callbacks=callbacks, verbose=0, shuffle=False)
        if progress.stopped:
            status = "stopped"
    except Exception as exc:  # recorded in the run's JSON; the caller decides how to show it
        status, error = "failed", f"{exc.__class__.__name__}: {exc}"
    train_seconds = time.time() - t0

    if cfg.checkpoint_best and best_path.exists():
        model = keras.saving.load_model(best_path, compile=False)
    final = _save_inference_model(model, cfg.preset, model_path) if status != "failed" else None
    if partial_log.exists():
        os.replace(partial_log, log_path)
    if best_path.exists():
        best_path.unlink()

    meta = _metadata(cfg, data, model, x_tr, x_val, log_path, status, error, train_seconds)
    if final is not None:
        loss, acc = evaluate_arrays(final, data.x_test, data.y_test)
        meta["test_accuracy"], meta["test_loss"] = acc, loss
        meta["model_bytes"] = model_path.stat().st_size
    atomic_write_text(meta_path, json.dumps(meta, indent=2) + "\n")
    if on_event:
        on_event({"type": "end", "status": status, "meta": meta})
    return RunResult(cfg.name, status, model_path if final is not None else None, log_path, meta_path, meta)


def _save_inference_model(model, preset: str, path: Path):
    """Save weights in a fresh, uncompiled copy: no optimizer state, so the file stays small."""
    fresh = build_model(preset)
    fresh.set_weights(model.get_weights())
    atomic_write_with(path, lambda tmp: fresh.save(tmp))
    return fresh


def evaluate_arrays(model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> tuple[float, float]:
    """(loss, accuracy) of a model on uint8 images and integer labels, without compiling it."""
    probs = predict_arrays(model, x, batch_size)
    p_true = np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0)
    return float(-np.log(p_true).mean()), float((probs.argmax(1) == y).mean())


def predict_arrays(model, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Probabilities (N,10) for uint8 or float images (N,28,28)."""
    xs = to_model_input(x)
    out = [np.asarray(model(xs[i : i + batch_size], training=False)) for i in range(0, len(xs), batch_size)]
    probs = np.concatenate(out) if out else np.zeros((0, 10), np.float32)
    if probs.size and (probs.min() < 0 or not np.allclose(probs.sum(1), 1.0, atol=1e-3)):
        probs = _softmax(probs)  # presets that output logits
    return probs


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _metadata(cfg, data, model, x_tr, x_val, log_path, status, error, seconds) -> dict[str, Any]:
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
    try:
        import pandas as pd

        log = pd.read_csv(log_path)
        meta["epochs_run"] = int(len(log))
        if "val_accuracy" in log:
            best = int(log["val_loss"].idxmin()) if "val_loss" in log else int(log["val_accuracy"].idxmax())
            meta["best_epoch"] = best + 1
            meta["best_val_accuracy"] = float(log["val_accuracy"].max())
            meta["final_val_accuracy"] = float(log["val_accuracy"].iloc[-1])
            meta["final_val_loss"] = float(log["val_loss"].iloc[-1])
    except Exception:  # an empty or missing log is normal for a run that failed at once
        meta["epochs_run"] = 0
    return meta
