"""How fast and how faithful ``Predictor.explain`` is on canvas drawings (CPU).

    python benchmarks/explain_latency.py [--model PATH] [--runs 100] [--faithfulness 100] [--json]

Needs MNIST ($DIGITCORE_MNIST). Measures, with the given model (default: the shipped one):

1. the look-alike index of the 60,000 training digits: build time (only when it is not cached yet
   under ``$DIGITCORE_DATA_DIR/cache``) and load time from disk in a fresh index manager;
2. ``explain`` of one 280x280 RGBA canvas drawing (the realistic canvas set) once the index exists:
   p50/p95 over ``--runs`` drawings after warm-up, split into preprocessing, the traced saliency +
   layers call and the neighbour lookup; next to it ``predict`` of the same drawings (what the page
   costs with the panel closed);
3. faithfulness on ``--faithfulness`` MNIST test digits: the answer's probability after blacking out the
   fifth of the ink pixels with the most saliency, against blacking out as many random ink pixels
   (mean over 5 draws), and how often the salient removal hurts more.
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

import numpy as np  # noqa: E402


def _pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 1), "p95_ms": round(float(np.percentile(a, 95)), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a .keras model (default: the shipped default model)")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--faithfulness", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from digitcore import Predictor
    from digitcore.imaging.image_io import load_image
    from digitcore.imaging.preprocess import preprocess
    from digitcore.model.explain import explainer_for
    from digitcore.model.neighbours import BUILDS, IndexBuilds, find_mnist, index_path
    from digitcore.synthetic.sets import iter_samples

    mnist, why = find_mnist()
    if mnist is None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    predictor = Predictor.load(args.model)
    out: dict = {"model": str(predictor.path), "python": platform.python_version(), "cpus": os.cpu_count(),
                 "load_before": os.getloadavg()[0]}

    cached = index_path(predictor, mnist).is_file()
    t0 = time.perf_counter()
    BUILDS.wait(predictor, mnist)
    out["index_build_s"] = None if cached else round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    IndexBuilds().get(predictor, mnist)
    out["index_load_s"] = round(time.perf_counter() - t0, 2)
    out["index_file_mb"] = round(index_path(predictor, mnist).stat().st_size / 2**20, 1)

    drawings = [s.image for s in iter_samples("canvas", args.runs, seed=1, mnist_test_images=mnist_path(mnist))]
    for d in drawings[:5]:  # warm-up: tracing
        predictor.explain(d)
        predictor.predict(d)
    ex_fn = explainer_for(predictor.model)
    totals, preps, cores, queries, predicts = [], [], [], [], []
    index = BUILDS.get(predictor, mnist)
    for d in drawings:
        t0 = time.perf_counter()
        ex = predictor.explain(d)
        totals.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        prep = preprocess(load_image(d), keep_steps=False)
        t1 = time.perf_counter()
        ex_fn.run(prep.digit28, [ex.digit, ex.runner_up])
        t2 = time.perf_counter()
        index.query(ex.features, 8)
        t3 = time.perf_counter()
        preps.append(t1 - t0)
        cores.append(t2 - t1)
        queries.append(t3 - t2)
        t0 = time.perf_counter()
        predictor.predict(d)
        predicts.append(time.perf_counter() - t0)
    out["explain_canvas"] = _pct(totals)
    out["of_which_preprocess"] = _pct(preps)
    out["of_which_saliency_and_layers"] = _pct(cores)
    out["of_which_neighbours"] = _pct(queries)
    out["predict_canvas"] = _pct(predicts)

    rng = np.random.default_rng(0)
    drops_s, drops_r, wins = [], [], 0
    for x in mnist.x_test[: args.faithfulness]:
        ex = predictor.explain(x, neighbours=False)
        flat = (ex.digit28 * 255).round().astype(np.uint8).ravel()
        ink = np.flatnonzero(flat > 0)
        k = max(1, len(ink) // 5)
        p0 = ex.probabilities[ex.digit]
        s = flat.copy()
        s[np.argsort(-ex.saliency.ravel(), kind="stable")[:k]] = 0
        rs = []
        for _ in range(5):
            r = flat.copy()
            r[rng.choice(ink, k, replace=False)] = 0
            rs.append(r)
        ps = float(predictor.predict_digits(s.reshape(1, 28, 28))[0, ex.digit])
        pr = float(predictor.predict_digits(np.stack(rs).reshape(-1, 28, 28))[:, ex.digit].mean())
        drops_s.append(p0 - ps)
        drops_r.append(p0 - pr)
        wins += (p0 - ps) > (p0 - pr)
    out["faithfulness"] = {"digits": args.faithfulness, "mean_drop_salient": round(float(np.mean(drops_s)), 3),
                           "mean_drop_random": round(float(np.mean(drops_r)), 3),
                           "salient_hurts_more": f"{wins}/{args.faithfulness}"}
    out["load_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    return 0


def mnist_path(mnist) -> str:
    """The MNIST file the synthetic canvas set traces its strokes from (the same test split)."""
    return mnist.source


if __name__ == "__main__":
    sys.exit(main())
