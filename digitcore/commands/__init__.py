"""CLI subcommands, one module each."""

from . import evaluate, predict, presets, train

COMMANDS = [predict, evaluate, train, presets]
