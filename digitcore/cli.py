"""Command line: ``python -m digitcore {predict,evaluate,train,presets,class}``.

Each subcommand lives in ``digitcore/commands/<name>.py`` with ``add_parser(subparsers)``
and ``run(args) -> int``; this module only wires them together. Problems reach the user as one-line
``error:`` messages; set ``DIGITCORE_DEBUG=1`` to also see the logged tracebacks.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .commands import COMMANDS
from .model.quiet import import_tensorflow_quietly


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m digitcore", description="Handwritten digit recognition.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    logger = logging.getLogger("digitcore")
    if not os.environ.get("DIGITCORE_DEBUG") and not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        # Without any handler Python prints logged errors, tracebacks included, on stderr ("last
        # resort"); the commands already print what went wrong in a sentence.
        logger.addHandler(logging.NullHandler())
    try:
        import_tensorflow_quietly()  # TensorFlow's start-up chatter is not for users
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
