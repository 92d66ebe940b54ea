"""``python -m digitcore evaluate``: a model's accuracy and loss on the MNIST test set (10,000 images).

``--json`` prints one object: ``model`` (path), ``data`` (path of the .npz), ``data_sha256``,
``accuracy``, ``loss`` (mean cross-entropy), ``n``, ``correct``, ``errors``, ``seconds`` (model time).
Exit status: 0 on success, 2 when the model or the data cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="accuracy and loss of a model on the MNIST test set")
    p.add_argument("--model", help="a .keras model file (default: the shipped default model)")
    p.add_argument("--data", help="MNIST .npz (default: $DIGITCORE_MNIST, else Keras' download)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..data import DataError, load_mnist
    from ..evaluation import evaluate_model
    from ..inference import ModelLoadError
    from ..predictor import Predictor

    # Data first: it is the cheaper check, and a wrong --data should not wait for TensorFlow.
    try:
        data = load_mnist(args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        predictor = Predictor.load(args.model)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(data.y_test) == 0:
        print(f"error: {data.source} has no test images.", file=sys.stderr)
        return 2
    result = evaluate_model(predictor, data.x_test, data.y_test)
    if args.json:
        out = {"model": str(predictor.path), "data": data.source, "data_sha256": data.sha256, **result.to_dict()}
        print(json.dumps(out))
    else:
        print(f"model:    {predictor.path}")
        print(f"data:     {data.source} (test set, {result.n:,} images)")
        print(f"accuracy: {result.accuracy:.2%}  ({result.correct:,} right, {result.errors:,} wrong)")
        print(f"loss:     {result.loss:.4f}  (mean cross-entropy)")
        print(f"time:     {result.seconds:.1f} s")
    return 0
