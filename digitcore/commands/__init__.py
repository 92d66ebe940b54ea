"""The ``python -m digitcore`` subcommands, one module each (predict, evaluate, train, presets, explain, class).

The top layer: may import every subpackage; each command imports what it needs lazily, so
``--help`` stays fast.
"""

from . import class_, evaluate, explain, predict, presets, train

COMMANDS = [predict, evaluate, train, presets, explain, class_]
