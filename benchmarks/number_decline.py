"""How many hard non-digits (and European digits) are declined at the single-digit and at the number threshold.

    python benchmarks/number_decline.py [--model PATH] [--n 200] [--photo-n 60] [--seed 1] [--numbers N]

In a picture with several marks (a number), a part is declined only when the "not a digit"
output reaches ``digitcore.model.number_reader.NUMBER_DECLINE`` (or the model's own threshold,
if higher).
This prints, for the hard test sets of ``benchmarks/style_accuracy.py`` (made by the test-set
generators, never trained on), the share declined at each threshold: for non-digits the higher
the better, for digits the lower.

``--numbers N`` also reads N non-digit canvas drawings (all categories but two digits in one
box, which number mode rightly reads) through ``read_number`` (pair reader included), alone
and beside a European digit of the same hard sets, and counts how often the non-digit comes
out as digits: a "+" or a letter written next to a digit must not become one.
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
from digitcore.synthetic.non_digits import CATEGORIES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="a .keras file (default: the shipped models/default.keras)")
    ap.add_argument("--n", type=int, default=200, help="canvas drawings per set (default 200)")
    ap.add_argument("--photo-n", type=int, default=60, help="photos per set (default 60)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--numbers", type=int, default=0, help="non-digits read as numbers, alone and beside a digit")
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
    if a.numbers:
        _numbers(predictor, a.numbers, a.seed)
    return 0


def _ink(rgba: np.ndarray) -> np.ndarray:
    """The ink (0-1) of a hard-set canvas drawing, cropped to it: white on black, or ink on transparent."""
    alpha = rgba[..., 3].astype(np.float32) / 255
    ink = rgba[..., :3].mean(axis=2) / 255 if alpha.min() == 1.0 else alpha
    ys, xs = np.nonzero(ink > 0.1)
    return ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _side_by_side(pieces: list[np.ndarray], height: int = 120) -> np.ndarray:
    """Dark ink on white: the pieces scaled to one height, a third of it apart."""
    import cv2

    scaled = [cv2.resize(q, (max(2, round(q.shape[1] * height / q.shape[0])), height)) for q in pieces]
    gap = height // 3
    out = np.zeros((height + 2 * gap, sum(q.shape[1] for q in scaled) + gap * (len(scaled) + 1)), np.float32)
    x = gap
    for q in scaled:
        out[gap : gap + height, x : x + q.shape[1]] = q
        x += q.shape[1] + gap
    return np.round(255 - 255 * np.clip(out, 0, 1)).astype(np.uint8)


def _numbers(predictor, n: int, seed: int) -> None:
    # Two digits in one box are a number here: reading them is right in number mode.
    categories = tuple(c for c in CATEGORIES if c != "two_digits")
    rng = np.random.default_rng(seed)
    marks = list(iter_hard_samples("non_digits", "canvas", n, seed, categories))
    digits = list(iter_hard_samples("european", "canvas", n, seed))
    rows = {"alone": [0, 0, 0], "beside a digit": [0, 0, 0]}  # declined, left out, read as digits
    by_category: dict[str, list[int]] = {c: [0, 0] for c in categories}  # read as digits alone, of
    for mark, digit in zip(marks, digits):
        ink = _ink(mark.image)
        r = predictor.read_number(_side_by_side([ink]))
        rows["alone"][0 if r.reason else 2 if r.text else 1] += 1
        category = mark.source.split(":")[0]
        if category in by_category:
            by_category[category][0] += bool(r.reason is None and r.text)
            by_category[category][1] += 1
        pair = [_ink(digit.image), ink] if rng.random() < 0.5 else [ink, _ink(digit.image)]
        r = predictor.read_number(_side_by_side(pair))
        as_digits = r.reason is None and len(r.text) > 1  # the digit's own reading does not matter here
        rows["beside a digit"][0 if r.reason else 2 if as_digits else 1] += 1
    print("\n| non-digit canvas drawings (no two-digit boxes) read by read_number | n | declined | left out | read as digits |")
    print("|---|---:|---:|---:|---:|")
    for name, (dec, out, bad) in rows.items():
        total = dec + out + bad
        print(f"| {name} | {total} | {dec / total:.1%} | {out / total:.1%} | {bad / total:.1%} |")
    print("\nread as digits alone, by category: " + ", ".join(
        f"{c} {k}/{t}" for c, (k, t) in by_category.items() if t))

if __name__ == "__main__":
    sys.exit(main())
