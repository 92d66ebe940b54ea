"""``python -m digitcore.training.generated``: build the generated training-data cache, or look at it.

    python -m digitcore.training.generated build [--seed N] [--digits N] [--negatives N] [--workers N]
    python -m digitcore.training.generated numbers [--n N] [--workers N] [--data MNIST.npz]
    python -m digitcore.training.generated montage OUT.png [--seed N] [--n 120]
"""

from __future__ import annotations

import argparse
import os
import sys

from .builder import DEFAULT_DIGITS, DEFAULT_NEGATIVES, DEFAULT_SEED, cached_extra, text_progress
from .number_parts import DEFAULT_NUMBERS, cached_number_parts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m digitcore.training.generated", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="generate the cache file (data/cache/) unless it is there already")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED)
    b.add_argument("--digits", type=int, default=DEFAULT_DIGITS)
    b.add_argument("--negatives", type=int, default=DEFAULT_NEGATIVES)
    b.add_argument("--workers", type=int, default=1, help="processes to use (the result does not depend on it)")
    nb = sub.add_parser("numbers", help="render whole numbers and cache the digits cut out of them (data/cache/)")
    nb.add_argument("--n", type=int, default=DEFAULT_NUMBERS, help="numbers to render (2-4 digits each)")
    nb.add_argument("--workers", type=int, default=1, help="processes to use (the result does not depend on it)")
    nb.add_argument("--data", default=None, help="MNIST .npz whose training digits lend shapes (default $DIGITCORE_MNIST)")
    m = sub.add_parser("montage", help="write a PNG grid of generated training images (digits, then non-digits)")
    m.add_argument("out")
    m.add_argument("--seed", type=int, default=DEFAULT_SEED)
    m.add_argument("--n", type=int, default=120)
    args = p.parse_args(argv)
    try:
        if args.cmd == "build":
            extra, path = cached_extra(args.seed, args.digits, args.negatives, progress=text_progress(),
                                       workers=args.workers)
            print(f"{path}: {len(extra.y)} images ({int((extra.y < 10).sum())} digits, "
                  f"{int((extra.y == 10).sum())} not-a-digit)")
            return 0
        if args.cmd == "numbers":
            from ...storage.paths import mnist_path_from_env
            from .builder import cache_dir

            folder = os.environ.get("DIGITCORE_CACHE_DIR") or cache_dir()
            x, y, path = cached_number_parts(folder, args.n, mnist_path=args.data or mnist_path_from_env(),
                                             workers=args.workers, progress=text_progress("Cutting numbers"))
            print(f"{path}: {len(y)} digits from {args.n} numbers")
            return 0
        from .viewing import write_montage

        write_montage(args.out, args.seed, args.n)
        print(f"wrote {args.out}")
        return 0
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
