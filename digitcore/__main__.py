"""``python -m digitcore``: see digitcore/cli.py."""

import sys

from .cli import main

sys.exit(main())
