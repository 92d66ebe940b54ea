"""``python -m digitcore evaluate``: a model's accuracy and loss on labelled digits, optionally a full report.

The data is MNIST's test set (10,000 images) from an ``.npz``, or a Kaggle ``train.csv`` (labels plus
784 pixel columns) when ``--data`` ends in ``.csv``.

``--json`` prints one object: ``model`` (path), ``data`` (path of the data file), ``data_sha256``,
``accuracy``, ``loss`` (mean cross-entropy), ``n``, ``correct``, ``errors``, ``seconds`` (model time),
and ``report`` (the folder, or null). ``--report DIR`` writes ``metrics.json`` (the same numbers plus
per-class precision/recall/F1, the confusion matrix and the worst errors), ``confusion_matrix.csv``,
``confusion_matrix.png``, ``top_errors.png`` and ``top_errors.csv`` into DIR.
Exit status: 0 on success, 2 when the model, the data or the report folder cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="accuracy and loss of a model on the MNIST test set (or a Kaggle train.csv)",
        description="Score a model on labelled digits: MNIST's test set, or a Kaggle train.csv.",
        epilog="--report DIR writes metrics.json, confusion_matrix.csv/.png, top_errors.png/.csv. "
        "Exit status: 0 success, 2 unusable model, data or report folder.",
    )
    p.add_argument("--model", help="a .keras model file (default: the shipped default model)")
    p.add_argument("--data", metavar="NPZ|CSV",
                   help="MNIST .npz (default: $DIGITCORE_MNIST, else Keras' download) or a Kaggle train.csv")
    p.add_argument("--report", metavar="DIR", help="write metrics, confusion matrix and worst errors into DIR")
    p.add_argument("--top", type=int, default=36, metavar="K", help="how many worst errors the report shows (36)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..insight.eval_sets import load_eval_set
    from ..insight.evaluation import evaluate_model
    from ..model.inference import ModelLoadError
    from ..model.predictor import Predictor
    from ..storage.datasets import DataError

    if args.top < 0:
        print("error: --top must be 0 or more.", file=sys.stderr)
        return 2
    # Data first: it is the cheaper check, and a wrong --data should not wait for TensorFlow.
    try:
        data = load_eval_set(args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        predictor = Predictor.load(args.model)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate_model(predictor, data.x, data.y)
    info = {"model": str(predictor.path), "data": data.source, "data_sha256": data.sha256}
    if args.report:
        from ..insight.report import write_report

        try:
            write_report(args.report, result, data.x, {**info, "dataset": data.name}, top_k=args.top,
                         title=f"{predictor.name} on {data.name}")
        except OSError as exc:
            print(f"error: cannot write the report into {args.report}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps({**info, **result.to_dict(), "report": args.report}))
    else:
        print(f"model:    {predictor.path}")
        print(f"data:     {data.source} ({data.name}, {result.n:,} images)")
        print(f"accuracy: {result.accuracy:.2%}  ({result.correct:,} right, {result.errors:,} wrong)")
        print(f"loss:     {result.loss:.4f}  (mean cross-entropy)")
        if predictor.head.can_decline:
            print(f"declined: {result.declined:,} said \"not a digit\" (accuracy counts their best guess)")
        print(f"time:     {result.seconds:.1f} s")
        if args.report:
            print(f"report:   {args.report} (metrics.json, confusion_matrix.csv/.png, top_errors.png/.csv)")
    return 0
