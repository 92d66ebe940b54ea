"""Whole-number reading: exact-match accuracy on rendered numbers and the latency of reading one.

    python benchmarks/number_accuracy.py [--model PATH] [--n 200] [--seed 1]
                                         [--kinds canvas,photo,photo_shadow] [--latency 50]
                                         [--no-strokes] [--no-pair-reader] [--json]

For each kind, ``digitcore.synthetic.numbers`` renders ``--n`` held-out numbers of 2-4
digits (shapes from MNIST *test* traces, Hershey fonts and templates; digits of different
sizes on a sloping line, sometimes touching): ``canvas`` as the home page's number canvas
sends them, ``photo`` photographed on paper, ``photo_shadow`` the same with a hard or soft
shadow across the page. Each goes through ``Predictor.read_number`` and counts as right only
when every digit is right and nothing is added or missed. Canvas numbers come with the pen
strokes they were drawn with, as the home page passes on what the canvas sends;
``--no-strokes`` reads the pictures alone (as for an uploaded picture of a drawing). ``--latency N`` then times
``read_number`` on N canvas numbers of exactly 4 digits (p50 / p95, one at a time).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from digitcore.synthetic.numbers import NUMBER_KINDS, NUMBER_SET_VERSION, iter_numbers  # noqa: E402


def measure(predictor, kind: str, n: int, seed: int, show: int = 10, strokes: bool = True,
            pair_reader: bool | None = None) -> dict:
    """Exact-match accuracy of ``read_number`` on ``n`` numbers of ``kind``, with per-length figures.

    ``strokes``: pass canvas drawings' pen strokes along with the picture; ``pair_reader=False``:
    read without the pair reader."""
    right = 0
    by_len: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    misses = []
    for s in iter_numbers(kind, n, seed):
        r = predictor.read_number(s.image, strokes=s.strokes if strokes else None, pair_reader=pair_reader)
        ok = r.number == s.text
        right += ok
        by_len[len(s.text)][0] += ok
        by_len[len(s.text)][1] += 1
        if not ok and len(misses) < show:
            misses.append(f"{s.text} -> {r.text or '-'} ({r.reason or 'read'})")
    return {
        "kind": kind,
        "n": n,
        "strokes": bool(strokes and kind == "canvas"),
        "accuracy": right / max(1, n),
        "by_length": {k: v[0] / v[1] for k, v in sorted(by_len.items())},
        "misses": misses,
    }


def latency(predictor, n: int, seed: int, strokes: bool = True, pair_reader: bool | None = None) -> dict:
    """p50 / p95 seconds of ``read_number`` on canvas drawings of 4-digit numbers (with their strokes)."""
    samples = [(s.image, s.strokes if strokes else None) for s in iter_numbers("canvas", n, seed + 1000, lengths=(4, 4))]
    predictor.read_number(samples[0][0], strokes=samples[0][1], pair_reader=pair_reader)  # warm up
    times = []
    for img, pen in samples:
        t = time.perf_counter()
        predictor.read_number(img, strokes=pen, pair_reader=pair_reader)
        times.append(time.perf_counter() - t)
    return {"n": n, "strokes": strokes, "p50_s": float(np.percentile(times, 50)), "p95_s": float(np.percentile(times, 95))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="a .keras file (default: the shipped models/default.keras)")
    ap.add_argument("--n", type=int, default=200, help="numbers per kind (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default="canvas,photo_shadow", help=f"comma-separated subset of {','.join(NUMBER_KINDS)}")
    ap.add_argument("--latency", type=int, default=50, help="4-digit numbers to time (0: skip)")
    ap.add_argument("--no-strokes", action="store_true", help="read canvas drawings from the picture alone")
    ap.add_argument("--no-pair-reader", action="store_true", help="read without the pair reader (to compare)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    pairs = False if a.no_pair_reader else None
    kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    bad = [k for k in kinds if k not in NUMBER_KINDS]
    if bad or a.n <= 0:
        ap.error(f"unknown kind(s) {bad}" if bad else "--n must be positive")
    from digitcore.model.predictor import Predictor

    try:
        predictor = Predictor.load(a.model)
    except Exception as exc:
        print(f"error: cannot load the model: {exc}", file=sys.stderr)
        return 2
    report = {"set_version": NUMBER_SET_VERSION, "seed": a.seed, "pair_reader": not a.no_pair_reader,
              "sets": [measure(predictor, k, a.n, a.seed, strokes=not a.no_strokes, pair_reader=pairs) for k in kinds]}
    if a.latency > 0:
        report["latency_4_digits"] = latency(predictor, a.latency, a.seed, strokes=not a.no_strokes, pair_reader=pairs)
    if a.json:
        print(json.dumps(report, indent=2))
        return 0
    for s in report["sets"]:
        lengths = ", ".join(f"{k} digits {v:.1%}" for k, v in s["by_length"].items())
        name = s["kind"] + (" + strokes" if s["strokes"] else "")
        print(f"{name:>17}: {s['accuracy']:.1%} of {s['n']} numbers read exactly ({lengths})")
        for m in s["misses"]:
            print(f"{'':>19}{m}")
    if "latency_4_digits" in report:
        lat = report["latency_4_digits"]
        print(f"read_number on a 4-digit canvas drawing: p50 {lat['p50_s'] * 1000:.0f} ms, p95 {lat['p95_s'] * 1000:.0f} ms "
              f"({lat['n']} numbers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
