"""Latency and throughput of the recognition pipeline on this machine (CPU).

    python benchmarks/latency.py [--model PATH] [--json] [--runs 300] [--photo-runs 30]

Measures, with the given model (default: the shipped one):

1. model load in a fresh process: the TensorFlow/Keras import, ``import digitcore.model.predictor``,
   ``Predictor.load()`` (read + trace the graph) and the first prediction, separately;
2. one canvas drawing (280x280 RGBA, white strokes on black, as the Draw page sends it)
   -> probabilities: p50/p95 over ``--runs`` runs after warm-up, split into array check,
   preprocess and model;
3. one phone photo (3000x4000 JPEG bytes, dark ink on unevenly lit paper) -> probabilities:
   split into decode, preprocess and model;
4. throughput: ``predict_digits`` on batches of 256 28x28 digits and ``predict_batch`` on
   256 canvas arrays, in images per second.

Timings are wall clock (``time.perf_counter``) in a single process; other work on the machine
(e.g. a training run) slows them down, so the load average is reported alongside.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

CANVAS_SIDE = 280
PHOTO_SIZE = (3000, 4000)  # width, height: a 12 MP portrait phone photo
BATCH = 256

_LOAD_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import tensorflow, keras
t1 = time.perf_counter()
from digitcore.model.predictor import Predictor
t2 = time.perf_counter()
p = Predictor.load(sys.argv[1] or None)
t3 = time.perf_counter()
import numpy as np
img = np.zeros((280, 280, 4), np.uint8); img[..., 3] = 255; img[60:220, 130:150, :3] = 255
p.predict(img)
t4 = time.perf_counter()
print(json.dumps({"import_tf_s": t1 - t0, "import_digitcore_s": t2 - t1, "load_s": t3 - t2,
                  "first_predict_s": t4 - t3}))
"""


# ----------------------------------------------------------------------------- inputs


def canvas_drawing() -> np.ndarray:
    """A '3' drawn with a 20 px white brush on the black 280x280 RGBA canvas (anti-aliased)."""
    img = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), np.uint8)
    img[..., 3] = 255
    rgb = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 3), np.uint8)
    white = (255, 255, 255)
    cv2.ellipse(rgb, (140, 95), (55, 45), 0, -160, 90, white, 20, cv2.LINE_AA)
    cv2.ellipse(rgb, (140, 185), (62, 50), 0, -90, 160, white, 20, cv2.LINE_AA)
    img[..., :3] = rgb
    return img


def phone_photo_jpeg(seed: int = 0) -> bytes:
    """A 3000x4000 JPEG of a dark '4' on paper with a light gradient, a shadow and sensor noise."""
    w, h = PHOTO_SIZE
    rng = np.random.default_rng(seed)
    # Build the lighting at low resolution and upscale: cheap and smooth.
    yy, xx = np.mgrid[0:64, 0:48].astype(np.float32)
    light = 215 - 40 * (xx / 48) - 25 * (yy / 64)
    light -= 35 * np.exp(-(((xx - 8) / 10) ** 2 + ((yy - 55) / 12) ** 2))  # a hand's shadow
    paper = cv2.resize(light, (w, h), interpolation=cv2.INTER_CUBIC)
    ink = np.zeros((h, w), np.uint8)
    s = 5.0  # drawing scale
    pts = [((1800, 900), (950, 2500)), ((950, 2500), (2050, 2500)), ((1750, 1500), (1750, 3300))]
    for (x0, y0), (x1, y1) in pts:
        cv2.line(ink, (x0, y0), (x1, y1), 255, int(24 * s), cv2.LINE_AA)
    ink_f = ink.astype(np.float32) / 255.0
    grey = paper * (1 - 0.8 * ink_f) + rng.normal(0, 4, (h, w)).astype(np.float32)
    rgb = np.dstack([grey * 0.98, grey * 0.97, grey * 1.0]).clip(0, 255).astype(np.uint8)
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def mnist_like_digits(n: int) -> np.ndarray:
    """(n,28,28) uint8 test digits: MNIST test images if the file is at hand, else random strokes."""
    from digitcore.storage.paths import REPO_ROOT

    env = os.environ.get("DIGITCORE_MNIST")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "datasets" / "mnist.npz"
    if path.is_file():
        with np.load(path) as f:
            return np.asarray(f["x_test"][:n])
    rng = np.random.default_rng(0)
    return (rng.random((n, 28, 28)) > 0.8).astype(np.uint8) * 255


# ----------------------------------------------------------------------------- timing


def timed(fn: Callable[[], object], runs: int, warmup: int) -> np.ndarray:
    """Milliseconds of ``runs`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    out = np.empty(runs)
    for i in range(runs):
        t = time.perf_counter()
        fn()
        out[i] = (time.perf_counter() - t) * 1000.0
    return out


def stats(ms: np.ndarray) -> dict[str, float]:
    """p50 / p95 / mean in milliseconds."""
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean()), "runs": int(len(ms))}


def measure_load(model: str | None) -> dict[str, float]:
    """Import + load + first prediction, in a fresh interpreter."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(REPO))  # stderr (TF banner) is discarded
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT, model or ""], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"model load failed:\n{proc.stderr[-2000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["process_wall_s"] = wall
    return res


def run_benchmarks(model: str | None, runs: int, photo_runs: int) -> dict:
    from digitcore.model.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    from digitcore.imaging.image_io import load_image
    from digitcore.model.predictor import Predictor
    from digitcore.imaging.preprocess import preprocess

    results: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_before": list(os.getloadavg())},
    }
    predictor = Predictor.load(model)  # first, so a bad model gives its clear message
    results["load"] = measure_load(model)
    results["model"] = str(predictor.path)

    # --- canvas
    canvas = canvas_drawing()
    arr = load_image(canvas)
    prep = preprocess(arr, keep_steps=False)
    d28 = prep.digit28[None]
    results["canvas"] = {
        "input": "280x280 RGBA, white strokes on black",
        "predicted": predictor.predict(canvas, keep_steps=False).digit,
        "expected": 3,
        "check_array": stats(timed(lambda: load_image(canvas), runs, 20)),
        "preprocess": stats(timed(lambda: preprocess(arr, keep_steps=False), runs, 20)),
        "model": stats(timed(lambda: predictor.predict_digits(d28), runs, 20)),
        "total": stats(timed(lambda: predictor.predict(canvas, keep_steps=False), runs, 20)),
        "total_with_steps": stats(timed(lambda: predictor.predict(canvas, keep_steps=True), runs, 20)),
    }

    # --- phone photo
    jpeg = phone_photo_jpeg()
    photo = load_image(jpeg)
    pprep = preprocess(photo, keep_steps=False)
    p28 = pprep.digit28[None] if pprep.has_ink else d28
    warm = 2
    results["photo"] = {
        "input": f"{PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG, {len(jpeg) / 1e6:.1f} MB (decoded at {photo.shape[1]}x{photo.shape[0]})",
        "predicted": predictor.predict(jpeg, keep_steps=False).digit,
        "expected": 4,
        "decode": stats(timed(lambda: load_image(jpeg), photo_runs, warm)),
        "preprocess": stats(timed(lambda: preprocess(photo, keep_steps=False), photo_runs, warm)),
        "model": stats(timed(lambda: predictor.predict_digits(p28), photo_runs, warm)),
        "total": stats(timed(lambda: predictor.predict(jpeg, keep_steps=False), photo_runs, warm)),
    }

    # --- throughput
    digits = mnist_like_digits(BATCH)
    reps = 20
    ms = timed(lambda: predictor.predict_digits(digits), reps, 2)
    canvases = [canvas] * BATCH
    ms_batch = timed(lambda: predictor.predict_batch(canvases), 3, 1)
    results["throughput"] = {
        "predict_digits_28x28_batch256_img_per_s": float(BATCH / (np.median(ms) / 1000.0)),
        "predict_batch_canvas_batch256_img_per_s": float(BATCH / (np.median(ms_batch) / 1000.0)),
    }
    results["machine"]["loadavg_after"] = list(os.getloadavg())
    return results


def print_table(r: dict) -> None:
    m = r["machine"]
    print(f"model: {r['model']}")
    print(f"machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; load average "
          f"{m['loadavg_before'][0]:.2f} before, {m['loadavg_after'][0]:.2f} after")
    if max(m["loadavg_before"][0], m["loadavg_after"][0]) > 0.5:
        print("note: the machine was busy (load average > 0.5); numbers are pessimistic.")
    ld = r["load"]
    print("\nModel load (fresh process)")
    print(f"  import tensorflow + keras               {ld['import_tf_s']:7.2f} s")
    print(f"  import digitcore.model.predictor (+ OpenCV)   {ld['import_digitcore_s']:7.2f} s")
    print(f"  Predictor.load() (read + trace)         {ld['load_s']:7.2f} s")
    print(f"  first prediction                        {ld['first_predict_s']:7.3f} s")
    print(f"  whole process                           {ld['process_wall_s']:7.2f} s")

    def section(title: str, sec: dict, keys: list[tuple[str, str]]) -> None:
        print(f"\n{title}: {sec['input']}  (predicted {sec['predicted']}, drawn {sec['expected']})")
        print(f"  {'stage':<28}{'p50 ms':>9}{'p95 ms':>9}{'runs':>7}")
        for key, label in keys:
            s = sec[key]
            print(f"  {label:<28}{s['p50_ms']:9.2f}{s['p95_ms']:9.2f}{s['runs']:7d}")

    section("Canvas drawing -> probabilities", r["canvas"],
            [("check_array", "load_image (array check)"), ("preprocess", "preprocess"),
             ("model", "model (1 image)"), ("total", "predict() total"),
             ("total_with_steps", "predict() with steps (app)")])
    section("Phone photo -> probabilities", r["photo"],
            [("decode", "decode (load_image)"), ("preprocess", "preprocess"), ("model", "model (1 image)"),
             ("total", "predict() total")])
    t = r["throughput"]
    print("\nThroughput (batch of 256)")
    print(f"  predict_digits, 28x28 digits   {t['predict_digits_28x28_batch256_img_per_s']:10,.0f} images/s")
    print(f"  predict_batch, canvas arrays   {t['predict_batch_canvas_batch256_img_per_s']:10,.0f} images/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a .keras model (default: the shipped default model)")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    ap.add_argument("--runs", type=int, default=300, help="timed runs per canvas stage (default 300)")
    ap.add_argument("--photo-runs", type=int, default=30, help="timed runs per photo stage (default 30)")
    args = ap.parse_args(argv)
    from digitcore.model.inference import ModelLoadError

    try:
        results = run_benchmarks(args.model, max(1, args.runs), max(1, args.photo_runs))
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
