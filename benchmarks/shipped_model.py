"""Figures of a (shipped) model trained with ``--extra-data``: MNIST test, USPS test, seed digits,
and digits / non-digits from the TRAINING generator drawn with an unseen seed.

    python benchmarks/shipped_model.py [--model models/default.keras] [--gen-n 300] [--json]

"Declined" means the model's answer (argmax over all its outputs) is class 10, "not a digit";
a 10-class model never declines. The generator figures are not held-out data (the same styles
were trained on, only the random draws are new); the honest benchmark of non-digits and
European styles uses the test sets of ``digitcore.synthetic``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digitcore.insight.evaluation import label_from_filename, predict_probabilities  # noqa: E402
from digitcore.model.inference import load_keras_model  # noqa: E402
from digitcore.storage.datasets import load_mnist  # noqa: E402
from digitcore.storage.paths import default_model_path, seed_digits_dir  # noqa: E402
from digitcore.training.generated.builder import build_extra  # noqa: E402
from digitcore.training.generated.usps import load_usps  # noqa: E402

UNSEEN_SEED = 909  # the shipped cache uses builder.DEFAULT_SEED


def _scores(probs: np.ndarray, labels: np.ndarray) -> dict:
    pred = probs.argmax(1)
    return {"n": int(len(labels)), "accuracy": float((pred == labels).mean()),
            "declined": float((pred == 10).mean()) if probs.shape[1] > 10 else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=default_model_path())
    ap.add_argument("--gen-n", type=int, default=300, help="generated digits and non-digits each (unseen seed)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    model = load_keras_model(args.model)
    out: dict = {"model": str(args.model), "outputs": int(model.output_shape[-1])}
    mnist = load_mnist(None)
    out["mnist_test"] = _scores(predict_probabilities(model, mnist.x_test), mnist.y_test.astype(int))
    usps = load_usps()
    out["usps_test"] = _scores(predict_probabilities(model, usps.x_test), usps.y_test.astype(int))
    from digitcore.model.predictor import Predictor

    pred = Predictor.load(args.model)
    seeds = sorted(p for p in (seed_digits_dir() or Path("/nonexistent")).glob("*.jpg"))
    wrong = []
    for p in seeds:
        r = pred.predict(p, keep_steps=False)
        if r.digit != label_from_filename(p):
            wrong.append(f"{p.name}->{r.digit}")
    out["seed_digits"] = {"n": len(seeds), "correct": len(seeds) - len(wrong), "wrong": wrong}
    t0 = time.time()
    gen = build_extra(UNSEEN_SEED, args.gen_n, args.gen_n)
    probs = predict_probabilities(model, gen.x)
    d, n = gen.y < 10, gen.y == 10
    out["generator_unseen_seed"] = {"seed": UNSEEN_SEED, "digits": _scores(probs[d], gen.y[d].astype(int)),
                                    "non_digits_declined": float((probs[n].argmax(1) == 10).mean())
                                    if probs.shape[1] > 10 else 0.0, "non_digits": int(n.sum()),
                                    "seconds": round(time.time() - t0, 1)}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
