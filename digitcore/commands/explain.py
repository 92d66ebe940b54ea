"""``python -m digitcore explain [--model PATH] [--json] IMAGE --out DIR``: look inside the network for one image.

Writes into DIR ``saliency.png`` (the 28x28 input with the pixels that made the answer, and those
for the runner-up), ``layers.png`` (every convolution's feature maps) and ``neighbours.png`` (the
8 MNIST training digits most alike in the model's last hidden layer). ``--json`` prints one line
``{"path", "digit", "neighbours": [{"index", "label", "similarity"}], "files", "message"}``; plain
output says the same in words. The first explanation with a model builds its look-alike index (the
60,000 training digits, progress on stderr) and keeps it under ``$DIGITCORE_DATA_DIR/cache``.
Without MNIST the neighbours are empty and ``message`` says why. A picture without ink gives
``digit: null`` and no files. Exit status: 0 done, 1 the image or the folder cannot be used, 2 unusable model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

FILES = ("saliency.png", "layers.png", "neighbours.png")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "explain",
        help="show why the network answers what it does for one image",
        description="Explain one image: which pixels made the answer (saliency), what every convolution "
        "layer responds to, and the MNIST training digits the model finds most alike.",
        epilog="--json prints one line: path, digit, neighbours (index into MNIST x_train, label, similarity), "
        "files (the PNGs written) and message (why something is missing). Exit status: 0 done, 1 unusable "
        "image or output folder, 2 unusable model.",
    )
    p.add_argument("image", metavar="IMAGE", help="an image file (photo, scan or drawing of one digit)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for saliency.png, layers.png, neighbours.png")
    p.add_argument("--model", metavar="MODEL", help="a .keras model file (default: the shipped default model)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    p.set_defaults(run=run)


def _build_index_with_progress(predictor) -> None:
    """Build the model's look-alike index now if it is missing, showing progress on stderr."""
    from ..model.neighbours import BUILDS, find_mnist

    mnist, _ = find_mnist()
    if mnist is None or BUILDS.status(predictor, mnist).ready:
        return
    BUILDS.start(predictor, mnist)
    shown = -1
    while (status := BUILDS.status(predictor, mnist)).state == "building":
        pct = int(status.fraction * 100)
        if pct // 10 != shown // 10:
            print(f"Building the look-alike index for this model (once): {pct}%", file=sys.stderr, flush=True)
            shown = pct
        time.sleep(0.2)


def run(args: argparse.Namespace) -> int:
    from ..imaging.image_io import ImageError, load_image
    from ..insight.inside_view import layers_image, neighbours_image, saliency_image
    from ..insight.report import png_bytes
    from ..model.inference import ModelLoadError
    from ..model.predictor import Predictor
    from ..storage.atomic import atomic_write_bytes, write_error_message

    image = Path(args.image)
    if not image.is_file():
        print(f"error: File not found: {args.image}", file=sys.stderr)
        return 1
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: --out {args.out} is a file, not a folder.", file=sys.stderr)
        return 1
    try:
        predictor = Predictor.load(args.model)
    except ModelLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        picture = load_image(image)  # before the index: an unusable file should not wait for it
        _build_index_with_progress(predictor)
        ex = predictor.explain(picture)
    except ImageError as exc:
        print(f"error: {args.image}: {exc}", file=sys.stderr)
        return 1
    files: list[str] = []
    if ex.digit is not None:
        pictures = {"saliency.png": saliency_image(ex), "layers.png": layers_image(ex),
                    "neighbours.png": neighbours_image(ex.neighbours, message=ex.neighbours_message)}
        try:
            for name in FILES:
                atomic_write_bytes(out / name, png_bytes(pictures[name]))
                files.append(str(out / name))
        except OSError as exc:
            print(f"error: {write_error_message(exc, out, 'the pictures')}", file=sys.stderr)
            return 1
    message = ex.message or ex.neighbours_message or None
    line = {"path": args.image, "digit": ex.digit, "neighbours": [nb.to_dict() for nb in ex.neighbours],
            "files": files, "message": message}
    if args.json:
        print(json.dumps(line), flush=True)
        return 0
    if ex.digit is None:
        print(f"{args.image}: no digit ({ex.message})")
        return 0
    print(f"{args.image}: {ex.digit} ({ex.confidence:.1%}); runner-up {ex.runner_up} "
          f"({ex.probabilities[ex.runner_up]:.1%})")
    if ex.neighbours:
        print("most alike training digits: " + ", ".join(f"#{nb.index} ({nb.label}, {nb.similarity:.2f})"
                                                         for nb in ex.neighbours))
    elif ex.neighbours_message:
        print(ex.neighbours_message)
    print("wrote " + ", ".join(files))
    return 0
