"""``python -m digitcore presets``: list the presets with parameter counts."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("presets", help="list model presets with their parameter counts")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..training.presets import PRESETS

    for preset in PRESETS.values():
        model = preset.build()
        print(f"{preset.name:16s} {model.count_params():>10,d} params  {preset.title}: {preset.published}")
    return 0
