"""``python -m digitcore class``: the class's drawings database (add, stats, export, import, clear).

The database is ``--db URL`` (any SQLAlchemy URL), else ``$DIGITCORE_DB_URL``, else the SQLite file
``class.sqlite`` in ``$DIGITCORE_DATA_DIR`` (default ``data/``). The command line is the teacher's own
tool: deleting and importing need no teacher key here (the pages ask for one).

``class stats --json`` prints ``{"total", "per_digit", "accuracy", "model"}``: the model's accuracy
on the stored drawings (null when there are none). ``class export OUT.npz`` writes arrays ``x``
(N, 28, 28) uint8 and ``y`` (N,); ``class import FILE.npz`` reads the same layout (or MNIST's
``x_train``/``y_train``). Exit status: 0 success, 2 bad input or an unusable database (nothing stored).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("class", help="the class's own drawings: add, stats, export, import, clear",
                       description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="class_command", metavar="ACTION")
    actions.required = True

    def db(q):
        q.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (default: $DIGITCORE_DB_URL, else "
                       "data/class.sqlite)")

    q = actions.add_parser("add", help="add pictures of one digit (label them with --label)")
    db(q)
    q.add_argument("--label", required=True, help="the digit drawn in every IMAGE (0-9)")
    q.add_argument("--model", help="a .keras model whose answers are recorded (default: the shipped model)")
    q.add_argument("images", nargs="+", metavar="IMAGE")
    q.set_defaults(run=run_add)

    q = actions.add_parser("stats", help="drawings per digit and a model's accuracy on them")
    db(q)
    q.add_argument("--model", help="a .keras model file (default: the shipped default model)")
    q.add_argument("--json", action="store_true", help='print {"total", "per_digit", "accuracy", "model"}')
    q.set_defaults(run=run_stats)

    q = actions.add_parser("export", help="write every drawing to an .npz (x: N x 28 x 28 uint8, y: N)")
    db(q)
    q.add_argument("out", metavar="OUT.npz")
    q.set_defaults(run=run_export)

    q = actions.add_parser("import", help="add the drawings of an .npz in MNIST layout (x, y)")
    db(q)
    q.add_argument("file", metavar="FILE.npz")
    q.set_defaults(run=run_import)

    q = actions.add_parser("clear", help="delete every drawing (needs --yes)")
    db(q)
    q.add_argument("--yes", action="store_true", help="really delete them all")
    q.set_defaults(run=run_clear)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _store(args):
    from ..storage.class_store import ClassStore

    return ClassStore(args.db or None)


def run_add(args: argparse.Namespace) -> int:
    from ..imaging.image_io import ImageError, load_image
    from ..model.inference import ModelLoadError
    from ..model.predictor import Predictor
    from ..storage.class_store import ClassStoreError, NewDrawing, check_label, thumbnail_png

    try:
        label = check_label(args.label)
        images = []
        for name in args.images:  # every picture is read before anything is stored: all or nothing
            try:
                images.append(load_image(Path(name)))
            except ImageError as exc:
                raise ClassStoreError(f"{name}: {exc}") from None
        store = _store(args)
    except ClassStoreError as exc:
        return _fail(str(exc))
    try:
        predictor = Predictor.load(args.model)
    except ModelLoadError as exc:
        return _fail(str(exc))
    new = []
    for name, image in zip(args.images, images):
        pred = predictor.predict(image, keep_steps=False)
        if pred.preprocessed is None or pred.preprocessed.digit28 is None:
            return _fail(f"{name}: no digit found in this picture ({pred.message or 'no ink'}); nothing was stored.")
        new.append(NewDrawing(digit28=pred.preprocessed.digit28, label=label, source="import", predicted=pred.digit,
                              confidence=pred.confidence, model=predictor.name, png=thumbnail_png(image)))
    try:
        ids = store.add_many(new)
    except ClassStoreError as exc:
        return _fail(str(exc))
    right = sum(1 for d in new if d.predicted == label)
    print(f"added {len(ids)} drawing(s) of a {label} (ids {ids[0]}-{ids[-1]}); {predictor.name} got {right} right")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from ..insight.class_results import class_results, stats_dict
    from ..model.inference import ModelLoadError
    from ..model.predictor import Predictor
    from ..storage.class_store import ClassStoreError

    try:
        store = _store(args)
        predictor = Predictor.load(args.model)
        results = class_results(store, predictor)
    except (ClassStoreError, ModelLoadError) as exc:
        return _fail(str(exc))
    stats = stats_dict(results, predictor.name)
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"database: {store.where}")
    print(f"drawings: {stats['total']:,}")
    print("per digit: " + "  ".join(f"{d}: {n}" for d, n in stats["per_digit"].items()))
    if results.result is None:
        print(f"accuracy: no drawings yet for {predictor.name}")
    else:
        r = results.result
        print(f"accuracy: {r.accuracy:.2%} ({r.correct:,} right, {r.errors:,} wrong) for {predictor.name}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from ..storage.class_store import ClassStoreError

    if not str(args.out).endswith(".npz"):
        return _fail(f"{args.out}: the export file must end in .npz.")
    try:
        n = _store(args).export_npz(args.out)
    except ClassStoreError as exc:
        return _fail(str(exc))
    print(f"exported {n} drawing(s) to {args.out}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from ..storage.class_store import ClassStoreError, load_npz_digits

    try:
        x, y = load_npz_digits(args.file)  # checked before the database is even opened
        n = _store(args).import_arrays(x, y)
    except ClassStoreError as exc:
        return _fail(str(exc) + " Nothing was imported.")
    print(f"imported {n} drawing(s) from {args.file}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from ..storage.class_store import ClassStoreError

    if not args.yes:
        return _fail("this deletes every drawing of the class; add --yes to do it.")
    try:
        n = _store(args).clear()
    except ClassStoreError as exc:
        return _fail(str(exc))
    print(f"deleted {n} drawing(s)")
    return 0
