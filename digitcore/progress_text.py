"""A text progress bar for training events (the CLI's view of what the page shows)."""

from __future__ import annotations

import sys
from typing import Any, TextIO


class TextProgress:
    """Callable training-event sink that draws one updating line per epoch."""

    def __init__(self, epochs: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.epochs, self.width = epochs, width
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, ev: dict[str, Any]) -> None:
        kind = ev["type"]
        if kind == "start":
            self._line(f"training {ev['params']:,} parameters on {ev['train_images']:,} images, "
                       f"validating on {ev['val_images']:,}\n")
        elif kind == "batch" and self.tty:
            done = ev["batch"] / ev["steps"]
            bar = "#" * int(done * self.width)
            logs = ev["logs"]
            self._line(f"\repoch {ev['epoch']}/{self.epochs} [{bar:<{self.width}}] {ev['batch']}/{ev['steps']} "
                       f"ETA {ev['eta_s']:4.0f}s loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0):.4f}")
        elif kind == "epoch":
            logs = ev["logs"]
            val = f" val_loss {logs['val_loss']:.4f} val_acc {logs['val_accuracy']:.4f}" if "val_loss" in logs else ""
            self._line(f"\repoch {ev['epoch']}/{self.epochs} {ev['seconds']:.0f}s loss {logs.get('loss', 0):.4f} "
                       f"acc {logs.get('accuracy', 0):.4f}{val} lr {logs.get('learning_rate', 0):.2e}"
                       + " " * 10 + "\n")
        elif kind == "end":
            self._line(f"run {ev['status']}\n")

    def _line(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
