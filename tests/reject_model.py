"""A tiny 11-class model ("not a digit" = class 10) trained for the tests, so they never depend on
the shipped default model or on files another job writes.

3,000 MNIST training digits + 700 generated non-digit drawings (canvas and scan), preprocessed
exactly as the app does it, 4 epochs of a small CNN (about 20 s on one CPU core). The JSON
beside it follows the contract: ``classes`` 11, ``not_a_digit_index`` 10 and a ``temperature``
fitted on a held-out slice. Non-digits come from seeds the tests never use for checking.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TRAIN_SEED = 777_001  # the checks use other seeds
N_DIGITS = 3000
N_NON_DIGITS = {"canvas": 500, "scan": 200}


def non_digit_inputs(kind: str, n: int, seed: int, categories=None) -> np.ndarray:
    """(M, 28, 28) float32 model inputs of generated non-digits (blank ones dropped)."""
    from digitcore.imaging.preprocess import preprocess
    from digitcore.synthetic.hard_sets import iter_hard_samples

    out = []
    for s in iter_hard_samples("non_digits", kind, n, seed, categories):
        prep = preprocess(s.image, keep_steps=False)
        if prep.has_ink:
            out.append(prep.digit28)
    return np.asarray(out, np.float32)


def train_reject_model(out_dir: Path, x_train: np.ndarray, y_train: np.ndarray, name: str = "reject-tiny") -> Path:
    """Train the tiny 11-class model into ``out_dir/<name>.keras`` (+ ``.json``); returns the .keras path."""
    import keras

    from digitcore.insight.calibration import fit_temperature
    from digitcore.storage.atomic import atomic_write_text

    keras.utils.set_random_seed(0)
    xd = x_train[:N_DIGITS].astype(np.float32) / 255.0
    yd = np.asarray(y_train[:N_DIGITS], np.int64)
    xn = np.concatenate([non_digit_inputs(k, n, TRAIN_SEED + i) for i, (k, n) in enumerate(N_NON_DIGITS.items())])
    x = np.concatenate([xd, xn])[..., None]
    y = np.concatenate([yd, np.full(len(xn), 10, np.int64)])
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    n_val = 200
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(11, activation="softmax"),
    ], name=name)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x[n_val:], y[n_val:], epochs=4, batch_size=32, verbose=0)
    probs = np.asarray(model(x[:n_val], training=False))
    temperature = fit_temperature(probs, y[:n_val])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.keras"
    model.save(path)
    meta = {"name": name, "status": "finished", "classes": 11, "not_a_digit_index": 10,
            "temperature": temperature, "architecture": name}
    atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=2))
    return path


def ten_output_copy(path: Path, out_dir: Path) -> Path:
    """The same network with the "not a digit" output cut off: a 10-output model (no JSON), so tests
    of the 10-class behaviour never depend on which default model ships."""
    import keras

    src = keras.saving.load_model(path, compile=False)
    inputs = keras.Input((28, 28, 1))
    h = inputs
    for layer in src.layers[:-1]:
        h = layer(h)
    w, b = src.layers[-1].get_weights()
    head = keras.layers.Dense(10, activation="softmax")
    out = head(h)
    head.set_weights([w[:, :10], b[:10]])
    model = keras.Model(inputs, out, name="ten-tiny")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "ten-tiny.keras"
    model.save(target)
    return target
