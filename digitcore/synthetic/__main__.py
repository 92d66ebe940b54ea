"""``python -m digitcore.synthetic KIND N OUT_DIR [--seed S] [--mnist PATH | --no-mnist]``:
write a realistic set to a folder (see ``sets.save_set``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .mnist_source import MnistSource
from .sets import KINDS, save_set


def main(argv: Sequence[str] | None = None) -> int:
    """Write the set that ``argv`` (default: the command line) asks for; the exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m digitcore.synthetic", description="Write a synthetic realistic digit set to a folder."
    )
    ap.add_argument("kind", choices=KINDS)
    ap.add_argument("n", type=int)
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mnist", help="path to mnist.npz (test split is used); default: auto")
    ap.add_argument("--no-mnist", action="store_true", help="Hershey + templates only")
    a = ap.parse_args(argv)
    src: MnistSource = False if a.no_mnist else a.mnist
    paths = save_set(a.kind, a.n, a.seed, a.out_dir, src)
    print(f"wrote {len(paths)} files to {a.out_dir}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
