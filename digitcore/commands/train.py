"""``python -m digitcore train``: train a preset with a text progress bar; same code path as the page.

Every option starts from the preset's recipe (see ``python -m digitcore presets``); what you give
replaces it. The run is saved as ``NAME.keras``, ``NAME.csv`` and ``NAME.json`` in the models
folder (``--out``). Ctrl+C once stops after the current batch and still saves the run (status
"stopped"); a second Ctrl+C quits at once. Exit status: 0 finished, 1 stopped or failed,
2 refused before starting (invalid option, existing run, missing data).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..training.progress_text import TextProgress

AUGMENT_AMOUNTS = ("rotation", "zoom", "shift", "shear", "thickness", "contrast")
CUSTOM_OPTIONS = ("conv_blocks", "filters", "kernel_size", "batch_norm", "dropout", "dense_units")


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a model preset on MNIST and save it as a run",
                       description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="digitnet", help="architecture preset (see `presets`; 'custom' to design one)")
    p.add_argument("--name", help="run name: letters, digits, - and _ (default: the preset's name)")
    p.add_argument("--data", help="MNIST .npz (default: $DIGITCORE_MNIST, else Keras' download)")
    p.add_argument("--out", help="folder for the run (default: the models folder)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run of that name")
    p.add_argument("--class-data", nargs="?", const="", default=None, metavar="URL",
                   help="add the class's drawings (default store, or this database URL); a fixed quarter is held "
                   "out and the JSON records its accuracy before (default model) and after")
    p.add_argument("--init-weights", metavar="MODEL.keras",
                   help="start from this model's weights (same architecture; a 10-class model may seed an "
                        "11-class --extra-data run)")
    p.add_argument("--extra-data", action="store_true", default=None,
                   help="add USPS + generated styles + not-a-digit examples (the model gets an 11th class, "
                        "'not a digit'); USPS from $DIGITCORE_USPS or ../shared/datasets/usps/usps.npz")

    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=int)
    g.add_argument("--batch-size", type=int)
    g.add_argument("--optimizer", choices=("adam", "rmsprop", "sgd"), help="sgd uses momentum 0.9")
    g.add_argument("--learning-rate", type=float)
    g.add_argument("--lr-decay", type=float, help="multiply the learning rate by this every epoch (1 = constant)")
    g.add_argument("--validation", help="'test' (MNIST test set, monitoring only) or a fraction such as 0.1")
    g.add_argument("--subset", type=int, help="train on the first N images only (quick classroom runs)")
    g.add_argument("--seed", type=int, help="random seed (same seed, same data order and start weights)")

    g = p.add_argument_group("augmentation (amounts imply --augment; 0 switches one off)")
    g.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random distortions of the training images")
    g.add_argument("--rotation", type=float, metavar="DEGREES", help="max rotation either way (0-45)")
    g.add_argument("--zoom", type=float, help="max zoom as a fraction (0-0.5)")
    g.add_argument("--shift", type=float, help="max shift as a fraction of the image (0-0.3)")
    g.add_argument("--shear", type=float, help="max shear factor (0-0.5)")
    g.add_argument("--thickness", type=float, help="stroke thinning/thickening strength (0-1)")
    g.add_argument("--contrast", type=float, help="random gamma strength (0-0.9)")

    g = p.add_argument_group("callbacks (CSVLogger is always on)")
    g.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="EarlyStopping: stop after PATIENCE epochs without improvement (0 = off)")
    g.add_argument("--early-stopping-monitor", choices=("val_loss", "val_accuracy"))
    g.add_argument("--early-stopping-min-delta", type=float, metavar="DELTA",
                   help="smallest change that counts as an improvement")
    g.add_argument("--reduce-lr", type=int, metavar="PATIENCE",
                   help="ReduceLROnPlateau: reduce the learning rate after PATIENCE flat epochs (0 = off)")
    g.add_argument("--reduce-lr-factor", type=float, help="multiply the learning rate by this (0-1)")
    g.add_argument("--reduce-lr-monitor", choices=("val_loss", "val_accuracy"))
    g.add_argument("--reduce-lr-min", type=float, metavar="LR", help="never go below this learning rate")
    g.add_argument("--checkpoint-best", action=argparse.BooleanOptionalAction, default=None,
                   help="ModelCheckpoint (best only): keep the best epoch's weights, not the last")
    g.add_argument("--checkpoint-monitor", choices=("val_loss", "val_accuracy"))

    g = p.add_argument_group("custom architecture (only with --preset custom)")
    g.add_argument("--conv-blocks", type=int, help="blocks of [conv, conv, 2x2 max pool] (1-4)")
    g.add_argument("--filters", type=int, help="filters in the first block, doubled per block (4-256)")
    g.add_argument("--kernel-size", type=int, choices=(3, 5, 7))
    g.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None)
    g.add_argument("--dropout", type=float, help="dropout after each block and the dense layer (0-0.8)")
    g.add_argument("--dense-units", type=int, help="hidden dense layer size (0 = none)")
    p.set_defaults(run=run)


def config_from_args(args: argparse.Namespace):
    """A TrainConfig from the preset's recipe, overridden by whatever the user gave; validated."""
    from ..training.augment import AugmentConfig
    from ..training.presets import CUSTOM, get_preset

    preset = get_preset(args.preset)
    given = {
        "epochs": args.epochs, "batch_size": args.batch_size, "optimizer": args.optimizer,
        "learning_rate": args.learning_rate, "lr_decay": args.lr_decay, "subset": args.subset, "seed": args.seed,
        "name": args.name, "early_stopping_monitor": args.early_stopping_monitor,
        "early_stopping_min_delta": args.early_stopping_min_delta, "reduce_lr_factor": args.reduce_lr_factor,
        "reduce_lr_monitor": args.reduce_lr_monitor, "reduce_lr_min": args.reduce_lr_min,
        "checkpoint_best": args.checkpoint_best, "checkpoint_monitor": args.checkpoint_monitor,
        "extra_data": getattr(args, "extra_data", None), "init_weights": getattr(args, "init_weights", None),
    }
    overrides = {k: v for k, v in given.items() if v is not None}
    if args.early_stopping is not None:
        overrides["early_stopping_patience"] = args.early_stopping or None
    if args.reduce_lr is not None:
        overrides["reduce_lr_patience"] = args.reduce_lr or None
    if args.validation is not None:
        try:
            overrides["validation"] = args.validation if args.validation == "test" else float(args.validation)
        except ValueError:
            raise ValueError("--validation must be 'test' or a fraction such as 0.1.") from None

    amounts = {k: getattr(args, k) for k in AUGMENT_AMOUNTS if getattr(args, k) is not None}
    if args.augment is False and amounts:
        raise ValueError("--no-augment cannot be combined with augmentation amounts (--rotation, --zoom, ...).")
    recipe_aug = preset.recipe.get("augment")
    if args.augment is False:
        overrides["augment"] = None
    elif amounts:
        # Start from the recipe's amounts (or none at all) so only what was named changes.
        overrides["augment"] = replace(recipe_aug or AugmentConfig.off(), **amounts)
    elif args.augment:
        overrides["augment"] = recipe_aug or AugmentConfig()

    arch = {k: getattr(args, k) for k in CUSTOM_OPTIONS if getattr(args, k) is not None}
    if arch:
        if preset.name != CUSTOM:
            raise ValueError(f"--{', --'.join(k.replace('_', '-') for k in arch)}: architecture options need "
                             f"--preset {CUSTOM}.")
        overrides["architecture"] = arch
    cfg = preset.config(**overrides)
    cfg.validate()
    return cfg


def run(args: argparse.Namespace) -> int:
    from ..storage.datasets import DataError, load_mnist
    from ..storage.paths import models_dir
    from ..storage.runs import RunBusyError
    from ..training.jobs import TrainingBusyError, get_manager

    from ..storage.class_store import ClassStoreError

    class_data = None
    try:
        cfg = config_from_args(args)
        data = load_mnist(args.data)
        if cfg.extra_data:
            from ..training.generated.usps import load_usps

            load_usps()  # refuse before starting when USPS is missing or unusable
        if args.class_data is not None:
            from ..training.class_data import load_class_data

            class_data = load_class_data(args.class_data or None)
    except (ValueError, DataError, ClassStoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manager = get_manager()
    bar = TextProgress(cfg.epochs)
    try:
        manager.start(cfg, data=data, out_dir=args.out or models_dir(), overwrite=args.overwrite, listener=bar,
                      owner="command line", class_data=class_data)
    except (ValueError, FileExistsError, TrainingBusyError, RunBusyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = _wait(manager)
    m = state.meta or {}
    if state.status == "failed" and not m:
        print(f"error: {state.error}", file=sys.stderr)
        return 1
    acc = m.get("test_accuracy")
    seconds = f"in {m.get('train_seconds', 0):.0f}s"
    if isinstance(acc, float):
        print(f"{state.status}: {state.out_dir}/{state.name}.keras  test accuracy {acc:.2%}  {seconds}")
    else:
        print(f"{state.status}: no model saved  {seconds}")
    cd = m.get("class_data")
    if cd:
        before = (cd.get("before") or {}).get("accuracy")
        after = (cd.get("after") or {}).get("accuracy")
        fmt = lambda a: "n/a" if a is None else f"{a:.2%}"  # noqa: E731
        print(f"class drawings held out: {cd['held_out_drawings']}  accuracy before "
              f"({(cd.get('before') or {}).get('model', 'no baseline')}) {fmt(before)}  after {fmt(after)}")
    if m.get("error"):
        print(f"error: {m['error']}", file=sys.stderr)
    return 0 if state.status == "finished" else 1


def _wait(manager):
    """Wait for the job; the first Ctrl+C asks it to stop (and still save), the second gives up."""
    stopping = False
    while True:
        try:
            state = manager.wait(0.5)
            if state is None or not state.active:
                return state
        except KeyboardInterrupt:
            if stopping:
                raise
            stopping = True
            manager.stop(by="Ctrl+C")
            print("\nStopping after the current batch (Ctrl+C again to quit without saving)…", file=sys.stderr)
