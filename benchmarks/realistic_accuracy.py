"""Accuracy on realistic, non-MNIST-looking digits: canvas drawings, scans and phone photos.

    python benchmarks/realistic_accuracy.py [--model PATH] [--n 300] [--seed 1]
                                            [--kinds scan,canvas,photo] [--out DIR] [--json]
                                            [--no-mnist] [--min-accuracy 0.97]

For each kind, ``digitcore.synthetic`` renders ``--n`` held-out images (balanced labels; shapes
traced from MNIST *test* digits, Hershey stroke fonts and hand-made style templates), and
each one goes through the same path as an upload or a canvas drawing:
``Predictor.load(path).predict(image)``. Reported per set: accuracy, per-class accuracy, per
shape source, how many images the pipeline found no ink in, and the commonest confusions.

``--out DIR`` writes ``<kind>_failures.png`` (each failure: the image cropped around the
digit, then the 28x28 the model saw; caption ``true>pred confidence source``) and the
failing files themselves under ``<kind>_failures/``. ``--min-accuracy`` makes the exit
status 1 when any set scores below it. Sets depend only on ``--n``, ``--seed`` and the data,
so numbers are comparable between models and runs.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from digitcore.storage.atomic import atomic_write_bytes  # noqa: E402
from digitcore.synthetic.mnist_source import load_mnist_test  # noqa: E402
from digitcore.synthetic.sets import EXTRA_KINDS, KINDS, SET_VERSION, Sample, iter_samples  # noqa: E402
from digitcore.synthetic.viewing import display_rgb, montage  # noqa: E402

MAX_FAILURE_TILES = 120
TILE = 96


def _failure_tile(sample: Sample, digit28: np.ndarray | None) -> np.ndarray:
    """The sample cropped around its digit, beside the 28x28 the model saw (RGB)."""
    img = display_rgb(sample.image)
    x0, y0, x1, y1 = sample.bbox
    pad = int(0.35 * max(x1 - x0, y1 - y0)) + 4
    h, w = img.shape[:2]
    crop = img[max(0, y0 - pad) : min(h, y1 + pad), max(0, x0 - pad) : min(w, x1 + pad)]
    s = TILE / max(crop.shape[:2])
    crop = cv2.resize(crop, (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))), interpolation=cv2.INTER_AREA)
    left = np.full((TILE, TILE, 3), 128, np.uint8)
    oy, ox = (TILE - crop.shape[0]) // 2, (TILE - crop.shape[1]) // 2
    left[oy : oy + crop.shape[0], ox : ox + crop.shape[1]] = crop
    right = np.zeros((TILE, TILE, 3), np.uint8)
    if digit28 is not None:
        d = np.clip(np.asarray(digit28, np.float32), 0, 1)
        d = cv2.resize((d * 255).astype(np.uint8), (TILE, TILE), interpolation=cv2.INTER_NEAREST)
        right[:] = d[..., None]
    else:
        cv2.putText(right, "no ink", (18, 52), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 80, 80), 1, cv2.LINE_AA)
    return np.hstack([left, np.full((TILE, 2, 3), 255, np.uint8), right])


def evaluate_kind(predictor: Any, kind: str, n: int, seed: int, mnist: Any, out: Path | None) -> dict[str, Any]:
    """Render one set, predict every image, and summarise (optionally writing failures)."""
    t0 = time.perf_counter()
    correct = no_ink = 0
    per_class = collections.Counter()
    per_class_ok = collections.Counter()
    per_source = collections.Counter()
    per_source_ok = collections.Counter()
    confusions = collections.Counter()
    confidences_ok: list[float] = []
    confidences_bad: list[float] = []
    tiles, captions = [], []
    render_s = predict_s = 0.0
    fail_dir = out / f"{kind}_failures" if out else None
    it = iter_samples(kind, n, seed, mnist)
    for i in range(n):
        t = time.perf_counter()
        sample = next(it)
        t1 = time.perf_counter()
        pred = predictor.predict(sample.image, keep_steps=False)
        predict_s += time.perf_counter() - t1
        render_s += t1 - t
        source = sample.source.split(":")[0]
        per_class[sample.label] += 1
        per_source[source] += 1
        if pred.digit is None:
            no_ink += 1
        if pred.digit == sample.label:
            correct += 1
            per_class_ok[sample.label] += 1
            per_source_ok[source] += 1
            confidences_ok.append(pred.confidence)
            continue
        confidences_bad.append(pred.confidence)
        shown = "-" if pred.digit is None else str(pred.digit)
        confusions[(sample.label, shown)] += 1
        if out is not None:
            fail_dir.mkdir(parents=True, exist_ok=True)
            path = fail_dir / f"{i:04d}-true{sample.label}-pred{shown}.{sample.ext}"
            atomic_write_bytes(path, sample.encoded)
            os.chmod(path, 0o644)
            if len(tiles) < MAX_FAILURE_TILES:
                prep = getattr(pred, "preprocessed", None)
                tiles.append(_failure_tile(sample, getattr(prep, "digit28", None)))
                captions.append(f"{sample.label}>{shown} {pred.confidence:.2f} {source[:5]}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{kind}_failures.png"
        if tiles:
            grid = montage(tiles, captions, tile=2 * TILE + 2, cols=6)
            ok, buf = cv2.imencode(".png", cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
            if ok:
                atomic_write_bytes(path, buf.tobytes())
                os.chmod(path, 0o644)
        elif path.exists():
            path.unlink()  # a stale montage from an earlier run would mislead
    return {
        "n": n,
        "correct": correct,
        "accuracy": correct / n if n else float("nan"),
        "no_ink": no_ink,
        "per_class": {str(d): per_class_ok[d] / per_class[d] for d in sorted(per_class)},
        "per_source": {s: {"n": per_source[s], "accuracy": per_source_ok[s] / per_source[s]} for s in sorted(per_source)},
        "confusions": [[t, p, c] for (t, p), c in confusions.most_common(10)],
        "mean_confidence_correct": float(np.mean(confidences_ok)) if confidences_ok else None,
        "mean_confidence_wrong": float(np.mean(confidences_bad)) if confidences_bad else None,
        "render_s": round(render_s, 2),
        "predict_s": round(predict_s, 2),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _print_report(report: dict[str, Any]) -> None:
    print(
        f"model: {report['model']}   n={report['n']} per set, seed={report['seed']}, "
        f"set version {report['set_version']}, mnist shapes: {report['mnist']}"
    )
    print(f"{'set':<8}{'accuracy':>10}{'no ink':>8}   per class 0..9")
    for kind, r in report["sets"].items():
        pc = " ".join(f"{100 * v:3.0f}" for v in r["per_class"].values())
        print(f"{kind:<8}{100 * r['accuracy']:9.1f}%{r['no_ink']:>8}   {pc}")
    for kind, r in report["sets"].items():
        src = ", ".join(f"{s} {100 * v['accuracy']:.1f}% (n={v['n']})" for s, v in r["per_source"].items())
        conf = ", ".join(f"{t}->{p} x{c}" for t, p, c in r["confusions"][:6]) or "none"
        print(f"\n[{kind}] by source: {src}")
        print(f"[{kind}] top confusions: {conf}")
        print(f"[{kind}] time: render {r['render_s']}s, predict {r['predict_s']}s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a .keras file (default: the shipped models/default.keras)")
    ap.add_argument("--n", type=int, default=300, help="images per set (default 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of scan,canvas,photo (or photo_shadow: photos with a shadow)")
    ap.add_argument("--out", type=Path, help="folder for failure montages and failing images")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--no-mnist", action="store_true", help="Hershey + template shapes only")
    ap.add_argument("--min-accuracy", type=float, help="exit 1 if any set is below this (0..1)")
    a = ap.parse_args(argv)
    kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS + EXTRA_KINDS]
    if bad or a.n <= 0:
        ap.error(f"unknown kind(s) {bad}" if bad else "--n must be positive")

    from digitcore import Predictor

    try:
        predictor = Predictor.load(a.model)
    except Exception as exc:  # a missing/corrupt model file: say so, no traceback
        print(f"error: cannot load the model: {exc}", file=sys.stderr)
        return 2
    # False (not None) when MNIST is off or missing, so the sets never look it up again.
    mnist = (None if a.no_mnist else load_mnist_test()) or False
    report: dict[str, Any] = {
        "model": str(getattr(predictor, "path", None) or a.model or "default"),
        "n": a.n,
        "seed": a.seed,
        "set_version": SET_VERSION,
        "mnist": mnist is not False,
        "sets": {},
    }
    for kind in kinds:
        report["sets"][kind] = evaluate_kind(predictor, kind, a.n, a.seed, mnist, a.out)
        if not a.json:
            r = report["sets"][kind]
            print(f"{kind}: {100 * r['accuracy']:.1f}% ({r['correct']}/{r['n']}), {r['seconds']}s", file=sys.stderr)
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report)
    if a.min_accuracy is not None and any(r["accuracy"] < a.min_accuracy for r in report["sets"].values()):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
