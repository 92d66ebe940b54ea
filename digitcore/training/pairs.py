"""Train the pair reader: is a part of a number one digit, two touching digits or more, and which two.

Training pictures are made here from MNIST's *training* digits and the training-only stroke
styles of :mod:`digitcore.training.generated.digit_styles` (never the test-set generators):
one digit alone (sometimes written wide), two digits pushed together until they touch or
overlap (different sizes, a step up or down, slant, a sloping line), or three. Every picture
goes through :func:`digitcore.imaging.pair_form.pair_input`, as the app's parts do.

    python -m digitcore.training.pairs [--n 120000] [--epochs 4] [--out models/companions/pair_reader.keras]

The network has three outputs: ``count`` (one digit, two, three or more), ``left`` and
``right`` (the two digits of a pair; for one digit both are that digit).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..imaging.pair_form import PAIR_SHAPE, pair_input
from ..storage.atomic import atomic_write_text, atomic_write_with
from ..storage.datasets import Mnist, file_sha256, load_mnist
from ..storage.paths import REPO_ROOT
from ..synthetic.raster import stroke_mask
from .generated.digit_styles import digit_strokes

__all__ = ["PairSet", "build_pair_reader", "make_pair_set", "save_pair_reader", "train_pair_reader"]

#: Count classes.
ONE, TWO, MORE = 0, 1, 2
#: Share of pictures that are one digit, two, three; and of digits drawn from stroke styles.
MIX = (0.3, 0.6, 0.1)
STROKE_SHARE = 0.35
DEFAULT_SEED = 20261204
DEFAULT_OUT = REPO_ROOT / "models" / "companions" / "pair_reader.keras"


@dataclass
class PairSet:
    """Pair-reader pictures (N, 28, 56) uint8 and their labels."""

    x: np.ndarray
    count: np.ndarray  # ONE, TWO or MORE
    left: np.ndarray  # the first digit
    right: np.ndarray  # the second digit (the digit itself for ONE)


def _mnist_piece(img: np.ndarray, height: int) -> np.ndarray:
    m = (img >= 100).astype(np.uint8) * 255
    x, y, w, h = cv2.boundingRect(m)
    m = img[y : y + h, x : x + w]
    f = height / max(1, h)
    big = cv2.resize(m, (max(1, round(w * f)), height), interpolation=cv2.INTER_LINEAR)
    return (big >= 110).astype(np.uint8) * 255


def _stroke_piece(digit: int, height: int, rng: np.random.Generator) -> np.ndarray:
    _, strokes = digit_strokes(digit, rng)
    allp = np.vstack(strokes)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    span = max(1e-6, float(hi[1] - lo[1]))
    pen = rng.uniform(0.06, 0.16) * height
    k = (height - pen) / span
    pts = [(s - lo) * k + pen / 2 + 1 for s in strokes]
    w = int(math.ceil((hi[0] - lo[0]) * k + pen + 2))
    cov = stroke_mask(pts, (height + 2, max(w, 2)), pen)
    return (cov >= 0.5).astype(np.uint8) * 255


def _piece(digit: int, height: int, rng: np.random.Generator, by_digit: list[np.ndarray], images: np.ndarray) -> np.ndarray:
    if rng.random() < STROKE_SHARE:
        m = _stroke_piece(digit, height, rng)
    else:
        m = _mnist_piece(images[int(rng.choice(by_digit[digit]))], height)
    if rng.random() < 0.5:  # slant
        h, w = m.shape
        sh = rng.uniform(-0.3, 0.3)
        extra = int(abs(sh) * h) + 1
        mat = np.float32([[1, sh, extra if sh < 0 else 0], [0, 1, 0]])
        m = cv2.warpAffine(m, mat, (w + extra, h), flags=cv2.INTER_NEAREST)
    x, y, w, h = cv2.boundingRect(m)
    return m[y : y + h, x : x + w]


def _compose(pieces: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Pieces side by side, each pushed against the previous one until they touch or overlap."""
    hmax = max(p.shape[0] for p in pieces)
    H = int(hmax * 1.6) + 4
    W = sum(p.shape[1] for p in pieces) + 8
    out = np.zeros((H, W), np.uint8)
    x = 2
    slope = rng.uniform(-0.12, 0.12)
    prev_w = None
    for p in pieces:
        h, w = p.shape
        if prev_w is not None:
            ov = rng.uniform(-0.04, 0.4) * min(prev_w, w)
            x = max(0, int(round(x - ov)))
        y = int(round((H - h) / 2 + rng.uniform(-0.1, 0.1) * hmax + slope * x))
        y = min(max(0, y), H - h)
        x = min(x, W - w)
        out[y : y + h, x : x + w] = np.maximum(out[y : y + h, x : x + w], p)
        x += w
        prev_w = w
    return out


def make_pair_set(n: int, seed: int = DEFAULT_SEED, mnist_path: str | None = None,
                  mnist: Mnist | None = None) -> PairSet:
    """``n`` training pictures for the pair reader, deterministic for ``seed`` (``mnist``: already loaded)."""
    data = mnist if mnist is not None else load_mnist(mnist_path)
    images, labels = data.x_train, data.y_train
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    rng = np.random.default_rng(seed)
    x = np.zeros((n, *PAIR_SHAPE), np.uint8)
    count, left, right = (np.zeros(n, np.int64) for _ in range(3))
    i = 0
    while i < n:
        kind = int(rng.choice(3, p=MIX))
        digits = [int(d) for d in rng.integers(0, 10, 1 + kind)]
        height = int(rng.integers(40, 90))
        pieces = [_piece(d, max(12, int(height * rng.uniform(0.85, 1.15))), rng, by_digit, images) for d in digits]
        if kind == ONE and rng.random() < 0.4:  # a digit written wide
            p = pieces[0]
            pieces[0] = cv2.resize(p, (max(1, int(p.shape[1] * rng.uniform(1.1, 1.6))), p.shape[0]),
                                   interpolation=cv2.INTER_NEAREST)
        img = pieces[0] if kind == ONE else _compose(pieces, rng)
        if rng.random() < 0.3:  # a sloping line or a turned page
            h, w = img.shape
            rot = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-7, 7), 1.0)
            img = cv2.warpAffine(img, rot, (w, h), flags=cv2.INTER_NEAREST)
        form = pair_input(img)
        if form is None:
            continue
        x[i] = np.round(form * 255).astype(np.uint8)
        count[i] = kind
        left[i], right[i] = digits[0], digits[1] if kind != ONE else digits[0]
        i += 1
    return PairSet(x, count, left, right)


def build_pair_reader():
    """The pair reader's network (about 400k parameters)."""
    import keras
    from keras import layers

    inp = keras.Input((*PAIR_SHAPE, 1), name="part")
    x = inp
    for filters in (32, 64):
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(96, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D()(x)  # 3 x 7
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(192, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outs = [layers.Dense(3, activation="softmax", name="count")(x),
            layers.Dense(10, activation="softmax", name="left")(x),
            layers.Dense(10, activation="softmax", name="right")(x)]
    return keras.Model(inp, outs, name="pair_reader")


def save_pair_reader(model, out: str | Path) -> None:
    """Save the network's weights alone (no optimizer state: a third of the size), atomically."""
    clean = build_pair_reader()
    clean.set_weights(model.get_weights())
    atomic_write_with(Path(out), lambda tmp: clean.save(tmp))


def train_pair_reader(n: int = 120000, epochs: int = 4, seed: int = DEFAULT_SEED, out: str | Path = DEFAULT_OUT,
                      mnist_path: str | None = None, log=print) -> dict:
    """Make the pictures, train, and save the model and its JSON (atomically); returns the JSON."""
    import keras

    t0 = time.time()
    keras.utils.set_random_seed(seed)
    mnist = load_mnist(mnist_path)
    data = make_pair_set(n, seed, mnist=mnist)
    log(f"{n} pictures made in {time.time() - t0:.0f} s")
    x = data.x[..., None].astype(np.float32) / 255.0
    n_val = max(1, n // 20)
    ys = {"count": data.count, "left": data.left, "right": data.right}
    model = build_pair_reader()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss={k: "sparse_categorical_crossentropy" for k in ys}, metrics={k: "accuracy" for k in ys})
    steps = math.ceil((n - n_val) / 128) * epochs
    model.optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(1e-3, steps)
    out = Path(out)

    class SaveEachEpoch(keras.callbacks.Callback):
        # A long run stopped early still leaves its last whole epoch behind.
        def on_epoch_end(self, epoch, logs=None):
            save_pair_reader(model, out)

    hist = model.fit(x[n_val:], {k: v[n_val:] for k, v in ys.items()}, batch_size=128, epochs=epochs, verbose=2,
                     validation_data=(x[:n_val], {k: v[:n_val] for k, v in ys.items()}), callbacks=[SaveEachEpoch()])
    meta = {
        "kind": "pair_reader",
        "command": f"python -m digitcore.training.pairs --n {n} --epochs {epochs} --seed {seed}",
        "pictures": n, "epochs": epochs, "seed": seed,
        "mnist_sha256": mnist.sha256,
        "validation": {k: round(float(v[-1]), 4) for k, v in hist.history.items() if k.startswith("val_")},
        "seconds": round(time.time() - t0),
        "sha256": file_sha256(out),
    }
    atomic_write_text(out.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitcore.training.pairs", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=120000, help="training pictures (default 120000)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--data", help="MNIST .npz (default: as for training)")
    args = ap.parse_args(argv)
    meta = train_pair_reader(args.n, args.epochs, args.seed, args.out, args.data)
    print(json.dumps(meta["validation"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
