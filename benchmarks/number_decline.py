"""How many hard non-digits (and European digits) are declined at the single-digit and at the number threshold.

    python benchmarks/number_decline.py [--model PATH] [--n 200] [--photo-n 60] [--seed 1]

In a picture with several marks (a number), a part is declined only when the "not a digit"
output reaches ``digitcore.model.number_reader.NUMBER_DECLINE`` (or the model's own threshold,
if higher).
This prints, for the hard test sets of ``benchmarks/style_accuracy.py`` (made by the test-set
generators, never trained on), the share declined at each threshold: for non-digits the higher
the better, for digits the lower.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from digitcore.imaging.preprocess import preprocess  # noqa: E402
from digitcore.model.number_reader import NUMBER_DECLINE  # noqa: E402
from digitcore.synthetic.hard_sets import iter_hard_samples  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="a .keras file (default: the shipped models/default.keras)")
    ap.add_argument("--n", type=int, default=200, help="canvas drawings per set (default 200)")
    ap.add_argument("--photo-n", type=int, default=60, help="photos per set (default 60)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    from digitcore.model.predictor import Predictor

    try:
        predictor = Predictor.load(a.model)
    except Exception as exc:
        print(f"error: cannot load the model: {exc}", file=sys.stderr)
        return 2
    if not predictor.head.can_decline:
        print("this model has no 'not a digit' output: it never declines")
        return 0
    alone = predictor.head.reject_threshold
    in_number = max(NUMBER_DECLINE, alone)
    print(f"| set | n | declined alone (>= {alone:.2f}) | declined inside a number (>= {in_number:.2f}) |")
    print("|---|---:|---:|---:|")
    for family in ("non_digits", "european"):
        for kind, n in (("canvas", a.n), ("photo", a.photo_n)):
            xs = [p.digit28 for p in (preprocess(s.image, keep_steps=False) for s in iter_hard_samples(family, kind, n, a.seed))
                  if p.has_ink]
            nad = predictor.predict_scores(np.stack(xs)).not_a_digit
            print(f"| {family}_{kind} | {len(xs)} | {np.mean(nad >= alone):.1%} | {np.mean(nad >= in_number):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
