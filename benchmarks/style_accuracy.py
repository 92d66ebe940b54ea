"""Honest accuracy on harder sets, how often a model says "not a digit", and how well calibrated it is.

    python benchmarks/style_accuracy.py [--model PATH ...] [--n 200] [--photo-n 60] [--mnist-n 2000]
                                        [--seed 1] [--json]

Sets (every image goes through the app's own preprocessing, ``digitcore.imaging.preprocess``):

* ``mnist_test``: the first ``--mnist-n`` MNIST test digits;
* ``usps_test``: the whole USPS test split (2,007 real envelope digits, 16x16 white on black,
  enlarged and given a margin, then preprocessed like any picture);
* ``seed_digits``: the 20 seed photos ($DIGITCORE_SEED_DIGITS);
* ``european_canvas`` / ``_scan`` / ``_photo``: European digit styles (``digitcore.synthetic.european``)
  drawn rougher than the realistic sets (``digitcore.synthetic.hard_sets``);
* ``non_digits_canvas`` / ``_scan`` / ``_photo``: letters, symbols, shapes, scribbles, a dot, a
  line, a blob, two digits, partial digits (``digitcore.synthetic.non_digits``), label "not a digit".

Reported per set: ``accuracy`` (a declined digit counts as wrong), ``best_guess_accuracy``
(ignoring declines), ``declined`` (share; for the non-digit sets that is the share handled right)
and per class (digits) or per category (non-digits). Calibration on all digit images pooled: ECE
(15 bins) of the best guess's confidence with the model's raw outputs (T = 1), with the
temperature in its JSON, and with a temperature fitted on the even-numbered images and measured
on the odd-numbered ones (``ece_fitted``, a held-out "after" for models without one). Several
``--model`` options share the preprocessing; ``--cache FILE.npz`` keeps the preprocessed sets
(rebuilt when the options or the set version differ), so scoring another model later takes
seconds. Sets depend only on the options and the data.
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

from digitcore.imaging.image_io import load_image  # noqa: E402
from digitcore.imaging.preprocess import preprocess  # noqa: E402
from digitcore.insight.calibration import expected_calibration_error, fit_temperature  # noqa: E402
from digitcore.insight.evaluation import label_from_filename  # noqa: E402
from digitcore.storage.atomic import atomic_write_with  # noqa: E402
from digitcore.storage.paths import mnist_path_from_env, seed_digits_dir  # noqa: E402
from digitcore.synthetic.hard_sets import HARD_SET_VERSION, iter_hard_samples  # noqa: E402
from digitcore.synthetic.non_digits import NOT_A_DIGIT  # noqa: E402

USPS_DEFAULT = REPO.parent / "shared" / "datasets" / "usps" / "usps.npz"


class PreparedSet:
    """One test set as model inputs: (M,28,28) digits, labels (10 = not a digit), groups, and blanks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.x: list[np.ndarray] = []
        self.y: list[int] = []
        self.group: list[str] = []  # per-class or per-category key
        self.no_ink = 0

    def add(self, image: Any, label: int, group: str) -> None:
        prep = preprocess(image, keep_steps=False)
        if not prep.has_ink:
            self.no_ink += 1
            return
        self.x.append(prep.digit28)
        self.y.append(int(label))
        self.group.append(group)

    @property
    def is_digits(self) -> bool:
        return bool(self.y) and NOT_A_DIGIT not in self.y


def usps_image(x16: np.ndarray) -> np.ndarray:
    """A USPS 16x16 digit as a picture: enlarged 7x (a 112 px digit) inside a black margin."""
    big = cv2.resize(x16, (112, 112), interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(big, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=0)


def build_sets(args: argparse.Namespace) -> list[PreparedSet]:
    """Render and preprocess every set once (the slow part)."""
    sets: list[PreparedSet] = []
    mnist = Path(args.mnist) if args.mnist else mnist_path_from_env() or REPO.parent / "shared" / "datasets" / "mnist.npz"
    if mnist.is_file():
        with np.load(mnist) as d:
            s = PreparedSet("mnist_test")
            for img, lab in zip(d["x_test"][: args.mnist_n], d["y_test"][: args.mnist_n]):
                s.add(img, int(lab), str(int(lab)))
            sets.append(s)
    usps = Path(args.usps)
    if usps.is_file():
        with np.load(usps) as d:
            s = PreparedSet("usps_test")
            for img, lab in zip(d["x_test"], d["y_test"]):
                s.add(usps_image(img), int(lab), str(int(lab)))
            sets.append(s)
    seeds = seed_digits_dir()
    if seeds is not None and seeds.is_dir():
        s = PreparedSet("seed_digits")
        for p in sorted(seeds.iterdir()):
            label = label_from_filename(p.name)
            if label is not None:
                s.add(load_image(p), label, str(label))
        sets.append(s)
    for family in ("european", "non_digits"):
        for kind in ("canvas", "scan", "photo"):
            n = args.photo_n if kind == "photo" else args.n
            s = PreparedSet(f"{family}_{kind}")
            for sample in iter_hard_samples(family, kind, n, args.seed):
                group = str(sample.label) if family == "european" else sample.source.split(":")[0]
                s.add(sample.image, sample.label, group)
            sets.append(s)
    return sets


def _cache_key(args: argparse.Namespace) -> str:
    return json.dumps({"v": HARD_SET_VERSION, "n": args.n, "photo_n": args.photo_n, "mnist_n": args.mnist_n,
                       "seed": args.seed, "mnist": args.mnist, "usps": args.usps}, sort_keys=True)


def load_or_build(args: argparse.Namespace) -> list[PreparedSet]:
    """The prepared sets from ``--cache`` when it matches the options, else built (and cached)."""
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as d:
                if str(d["key"]) == _cache_key(args):
                    out = []
                    for name in [str(v) for v in d["names"]]:
                        s = PreparedSet(name)
                        s.x = list(d[f"{name}.x"])
                        s.y = [int(v) for v in d[f"{name}.y"]]
                        s.group = [str(v) for v in d[f"{name}.group"]]
                        s.no_ink = int(d[f"{name}.no_ink"])
                        out.append(s)
                    return out
        except (OSError, ValueError, KeyError):
            pass  # unreadable or stale: build afresh
    sets = build_sets(args)
    if cache is not None:
        arrays: dict[str, Any] = {"key": np.array(_cache_key(args)), "names": np.array([s.name for s in sets])}
        for s in sets:
            arrays[f"{s.name}.x"] = np.asarray(s.x, np.float32).reshape(-1, 28, 28)
            arrays[f"{s.name}.y"] = np.asarray(s.y, np.int64)
            arrays[f"{s.name}.group"] = np.asarray(s.group, dtype=str)
            arrays[f"{s.name}.no_ink"] = np.array(s.no_ink)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, **arrays)

        atomic_write_with(cache, write)
    return sets


def score_model(path: str | None, sets: list[PreparedSet]) -> dict[str, Any]:
    """Every set through one model: accuracy, declines, per-group figures, and calibration."""
    from digitcore.model.predictor import Predictor

    predictor = Predictor.load(path)
    out: dict[str, Any] = {"model": str(predictor.path), "classes": predictor.head.classes,
                           "temperature": predictor.head.temperature,
                           "reject_threshold": predictor.head.reject_threshold if predictor.head.can_decline else None,
                           "sets": {}}
    raw_conf, cal_conf, raw_probs, labels, right = [], [], [], [], []
    for s in sets:
        if not s.x:
            continue
        x, y = np.stack(s.x), np.asarray(s.y)
        sc = predictor.predict_scores(x)
        best, declined = sc.best_guess, sc.declined
        groups = collections.defaultdict(list)
        row: dict[str, Any] = {"n": int(len(y)), "no_ink": s.no_ink, "declined": float(declined.mean())}
        if s.is_digits:
            ok = (best == y) & ~declined
            row["accuracy"] = float(ok.mean())
            row["best_guess_accuracy"] = float((best == y).mean())
            for g, o in zip(s.group, ok):
                groups[g].append(o)
            row["per_class"] = {g: float(np.mean(v)) for g, v in sorted(groups.items())}
            confusions = collections.Counter((int(t), int(p)) for t, p, o in zip(y, best, ok) if t != p)
            row["top_confusions"] = [f"{t}->{p} x{c}" for (t, p), c in confusions.most_common(5)]
            raw = predictor.predict_scores(x, temperature=1.0)
            raw_conf.append(raw.confidence)
            cal_conf.append(sc.confidence)
            right.append(best == y)
            with_raw = predictor.runner.probabilities(x)
            raw_probs.append(with_raw)
            labels.append(y)
        else:
            for g, d in zip(s.group, declined):
                groups[g].append(d)
            row["per_category_declined"] = {g: float(np.mean(v)) for g, v in sorted(groups.items())}
        out["sets"][s.name] = row
    if right:
        ok = np.concatenate(right)
        out["ece_raw"] = expected_calibration_error(np.concatenate(raw_conf), ok)
        out["ece_calibrated"] = expected_calibration_error(np.concatenate(cal_conf), ok)
        probs, ys = np.concatenate(raw_probs), np.concatenate(labels)
        fit, test = slice(0, None, 2), slice(1, None, 2)
        t = fit_temperature(probs[fit], ys[fit])
        held = predictor.head.scores(probs[test], temperature=t)
        out["fitted_temperature"] = t
        out["ece_fitted"] = expected_calibration_error(held.confidence, held.best_guess == ys[test])
        out["ece_raw_on_held_out_half"] = expected_calibration_error(np.concatenate(raw_conf)[test], ok[test])
    return out


def table(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (paste into README)."""
    lines = [f"model `{result['model']}` ({result['classes']} outputs, T={result['temperature']:.3g}"
             + (f", declines at p(not a digit) >= {result['reject_threshold']:.2f})" if result["reject_threshold"] else ")"),
             "", "| set | n | accuracy | best guess | declined | weakest classes / categories |",
             "|---|---:|---:|---:|---:|---|"]
    for name, r in result["sets"].items():
        if "accuracy" in r:
            weak = sorted(r["per_class"].items(), key=lambda kv: kv[1])[:3]
            note = ", ".join(f"{g}: {v:.0%}" for g, v in weak)
            lines.append(f"| {name} | {r['n']} | {r['accuracy']:.1%} | {r['best_guess_accuracy']:.1%} | "
                         f"{r['declined']:.1%} | {note} |")
        else:
            weak = sorted(r["per_category_declined"].items(), key=lambda kv: kv[1])[:4]
            note = "declined: " + ", ".join(f"{g} {v:.0%}" for g, v in weak)
            lines.append(f"| {name} | {r['n']} | - | - | **{r['declined']:.1%}** | {note} |")
    if "ece_raw" in result:
        lines += ["", f"ECE (15 bins, all digit images): raw {result['ece_raw']:.4f}, with the model's T "
                  f"{result['ece_calibrated']:.4f}; T fitted on half = {result['fitted_temperature']:.3g} -> "
                  f"ECE on the other half {result['ece_fitted']:.4f} (raw there {result['ece_raw_on_held_out_half']:.4f})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", help="a .keras model (default: the shipped default); repeatable")
    ap.add_argument("--n", type=int, default=200, help="images per canvas/scan set (200)")
    ap.add_argument("--photo-n", type=int, default=60, help="images per photo set (60; photos are slow)")
    ap.add_argument("--mnist-n", type=int, default=2000, help="MNIST test digits (2000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mnist", help="MNIST .npz (default $DIGITCORE_MNIST)")
    ap.add_argument("--usps", default=str(USPS_DEFAULT), help="USPS .npz (default ../shared/datasets/usps/usps.npz)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--cache", metavar="NPZ", help="keep the preprocessed sets in this file and reuse them")
    args = ap.parse_args(argv)
    if min(args.n, args.photo_n, args.mnist_n) < 0:
        ap.error("sizes must be >= 0")
    t0 = time.perf_counter()
    sets = load_or_build(args)
    prepared_s = time.perf_counter() - t0
    results = [score_model(m, sets) for m in (args.model or [None])]
    info = {"hard_set_version": HARD_SET_VERSION, "seed": args.seed, "n": args.n, "photo_n": args.photo_n,
            "mnist_n": args.mnist_n, "prepare_seconds": round(prepared_s, 1)}
    if args.json:
        print(json.dumps({**info, "results": results}))
    else:
        print(f"style_accuracy: seed {args.seed}, hard sets v{HARD_SET_VERSION}, n={args.n} "
              f"(photos {args.photo_n}), MNIST {args.mnist_n}; sets prepared in {prepared_s:.0f} s\n")
        for r in results:
            print(table(r) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
