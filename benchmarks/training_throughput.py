"""Training speed of every preset on this machine, in images per second.

    python benchmarks/training_throughput.py [--images 3000] [--presets NAME ...] [--data NPZ]
                                             [--json] [--out results.json]

For each preset: build and compile it exactly as ``digitcore.training.loop`` does (its recipe's
optimizer, loss, batch size and augmentation), run one warm-up epoch over ``--images`` MNIST
training images (graph tracing, memory allocation), then time a second epoch over the same
images. Validation is left out so only training is timed. Reported per preset: parameters,
batch size, augmentation on/off, seconds for the timed epoch, images/s and the estimated time
of one full 60,000-image epoch.

Timings are wall clock in one process; other work on the machine (a training in the
background, the test suite) slows them down, so the load average is reported alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FULL_EPOCH = 60_000


def measure(preset_name: str, x, y, augment: bool | None) -> dict:
    """Warm-up epoch, then one timed epoch of ``preset_name`` on (x, y)."""
    import keras

    from digitcore.training.augment import AugmentConfig
    from digitcore.training.presets import get_preset
    from digitcore.training.loop import compiled_model, make_dataset

    preset = get_preset(preset_name)
    overrides = {}
    if augment is not None:
        overrides["augment"] = (preset.recipe.get("augment") or AugmentConfig()) if augment else None
    cfg = preset.config(**overrides)
    keras.utils.set_random_seed(cfg.seed)
    model = compiled_model(cfg)
    ds = make_dataset(x, y, cfg, training=True)
    model.fit(ds, epochs=1, verbose=0, shuffle=False)  # warm-up: tracing and allocation are not training speed
    t0 = time.perf_counter()
    model.fit(ds, epochs=1, verbose=0, shuffle=False)
    seconds = time.perf_counter() - t0
    rate = len(x) / seconds
    result = {
        "preset": preset_name,
        "params": int(model.count_params()),
        "batch_size": cfg.batch_size,
        "optimizer": cfg.optimizer,
        "augment": cfg.augment is not None and not cfg.augment.is_off(),
        "images": int(len(x)),
        "epoch_seconds": round(seconds, 3),
        "images_per_s": round(rate, 1),
        "full_epoch_s_estimate": round(FULL_EPOCH / rate, 1),
    }
    del model
    keras.backend.clear_session()
    return result


def run_benchmarks(data_path: str | None, images: int, presets: list[str], augment: bool | None) -> dict:
    """Measure every preset; returns one JSON-ready dict."""
    import keras
    import tensorflow as tf

    from digitcore.storage.datasets import load_mnist

    data = load_mnist(data_path)
    if len(data.x_train) < images:
        raise ValueError(f"{data.source} has only {len(data.x_train)} training images; asked for {images}.")
    x, y = data.x_train[:images], data.y_train[:images]
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    results = []
    for name in presets:
        print(f"measuring {name}…", file=sys.stderr, flush=True)
        results.append(measure(name, x, y, augment))
    return {
        "benchmark": "training_throughput",
        "data": {"source": os.path.basename(data.source), "sha256": data.sha256, "images": images},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "tensorflow": tf.__version__, "keras": keras.__version__,
                    "load_average_before": load_before,
                    "load_average_after": os.getloadavg() if hasattr(os, "getloadavg") else None},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": results,
    }


def print_table(r: dict) -> None:
    """The results as a text table."""
    m = r["machine"]
    load = m.get("load_average_before")
    print(f"machine: {m['cpus']} CPUs, {m['platform']}, TensorFlow {m['tensorflow']}"
          + (f"; load average {load[0]:.2f} before" if load else ""))
    if load and load[0] > 0.5:
        print("note: the machine was busy (load average > 0.5); the numbers are pessimistic.")
    print(f"timed: one epoch over {r['data']['images']:,} training images after a warm-up epoch\n")
    print(f"{'preset':<17}{'params':>11}{'batch':>7}{'augment':>9}{'epoch s':>9}{'images/s':>10}"
          f"{'60k epoch':>11}")
    for row in r["results"]:
        full = row["full_epoch_s_estimate"]
        print(f"{row['preset']:<17}{row['params']:>11,d}{row['batch_size']:>7d}{'yes' if row['augment'] else 'no':>9}"
              f"{row['epoch_seconds']:>9.2f}{row['images_per_s']:>10,.0f}{full / 60:>9.1f} m")


def main(argv: list[str] | None = None) -> int:
    from digitcore.training.presets import PRESETS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=3000, help="training images per epoch (default 3000)")
    ap.add_argument("--presets", nargs="+", choices=list(PRESETS), default=list(PRESETS), metavar="NAME",
                    help=f"presets to measure (default: all: {', '.join(PRESETS)})")
    ap.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                    help="force augmentation on/off (default: each preset's recipe)")
    ap.add_argument("--data", help="MNIST .npz (default: $DIGITCORE_MNIST, else ../shared/datasets/mnist.npz)")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    ap.add_argument("--out", help="also write the JSON results to this file")
    args = ap.parse_args(argv)
    data = args.data or os.environ.get("DIGITCORE_MNIST")
    if not data:
        fallback = REPO.parent / "shared" / "datasets" / "mnist.npz"
        data = str(fallback) if fallback.exists() else None
    if args.images < 1:
        print("error: --images must be at least 1", file=sys.stderr)
        return 2
    try:
        results = run_benchmarks(data, args.images, args.presets, args.augment)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        from digitcore.storage.atomic import atomic_write_text

        atomic_write_text(args.out, json.dumps(results, indent=2) + "\n")
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
