"""``python -m digitcore train``: train a preset with a text progress bar; same code path as the page."""

from __future__ import annotations

import argparse
import sys

from ..progress_text import TextProgress


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a model preset on MNIST and save it as a run")
    p.add_argument("--preset", default="digitnet", help="architecture preset (see `presets`)")
    p.add_argument("--name", help="run name (default: the preset's name)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--optimizer", choices=("adam", "rmsprop", "sgd"))
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--lr-decay", type=float, help="multiply the learning rate by this every epoch")
    p.add_argument("--validation", help="'test' or a fraction of the training set, e.g. 0.1")
    p.add_argument("--subset", type=int, help="train on the first N images only")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--seed", type=int)
    p.add_argument("--data", help="MNIST .npz (default: $DIGITCORE_MNIST, else Keras' download)")
    p.add_argument("--out", help="folder for the run (default: the models folder)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run of that name")
    p.set_defaults(run=run)


def config_from_args(args: argparse.Namespace):
    """A TrainConfig from the preset's recipe, overridden by whatever the user gave."""
    from ..augment import AugmentConfig
    from ..presets import get_preset

    preset = get_preset(args.preset)
    given = {
        "epochs": args.epochs, "batch_size": args.batch_size, "optimizer": args.optimizer,
        "learning_rate": args.learning_rate, "lr_decay": args.lr_decay, "subset": args.subset, "seed": args.seed,
        "name": args.name,
    }
    overrides = {k: v for k, v in given.items() if v is not None}
    if args.validation is not None:
        try:
            overrides["validation"] = args.validation if args.validation == "test" else float(args.validation)
        except ValueError:
            raise ValueError("--validation must be 'test' or a fraction such as 0.1.") from None
    if args.augment is not None:
        recipe_aug = preset.recipe.get("augment")
        overrides["augment"] = (recipe_aug or AugmentConfig()) if args.augment else None
    cfg = preset.config(**overrides)
    cfg.validate()
    return cfg


def run(args: argparse.Namespace) -> int:
    from ..data import DataError, load_mnist
    from ..paths import models_dir
    from ..training import train

    try:
        cfg = config_from_args(args)
        data = load_mnist(args.data)
    except (ValueError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bar = TextProgress(cfg.epochs)
    try:
        result = train(cfg, data, args.out or models_dir(), on_event=bar, overwrite=args.overwrite)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    m = result.meta
    print(f"{result.status}: {result.model_path or '(no model saved)'}  test accuracy "
          f"{m.get('test_accuracy', float('nan')):.4%}  in {m['train_seconds']:.0f}s")
    if m.get("error"):
        print(f"error: {m['error']}", file=sys.stderr)
    return 0 if result.status == "finished" else 1
