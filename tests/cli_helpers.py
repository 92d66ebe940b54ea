"""Shared by the CLI tests: run ``python -m digitcore ...`` in-process and capture its output."""

from __future__ import annotations

from digitcore.cli import main


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``digitcore.cli.main(argv)``; argparse exits count as statuses."""
    capsys.readouterr()
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err
