"""A text progress bar for training events (the CLI's view of what the page shows)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from ..insight.training_view import format_duration


class TextProgress:
    """Callable training-event sink: one updating bar per epoch on a terminal, one line per epoch otherwise."""

    def __init__(self, epochs: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.epochs, self.width = epochs, width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar_open = False

    def __call__(self, ev: dict[str, Any]) -> None:
        kind = ev["type"]
        if kind == "start":
            self.epochs = ev.get("epochs", self.epochs)
            self._line(f"training {ev.get('name', '')} ({ev.get('preset', '')}): {ev['params']:,} parameters on "
                       f"{ev['train_images']:,} images, validating on {ev['val_images']:,}\n")
        elif kind == "batch" and self.tty:
            done = ev["batch"] / ev["steps"]
            bar = "#" * int(done * self.width)
            logs = ev["logs"]
            self._bar_open = True
            self._line(f"\repoch {ev['epoch']}/{self.epochs} [{bar:<{self.width}}] {ev['batch']}/{ev['steps']} "
                       f"ETA {format_duration(ev['eta_s']):>5} loss {logs.get('loss', 0):.4f} "
                       f"acc {logs.get('accuracy', 0):.4f}")
        elif kind == "epoch":
            logs = ev["logs"]
            val = f" val_loss {logs['val_loss']:.4f} val_acc {logs['val_accuracy']:.4f}" if "val_loss" in logs else ""
            self._end_bar()
            self._line(f"epoch {ev['epoch']}/{self.epochs} {ev['seconds']:.0f}s loss {logs.get('loss', 0):.4f} "
                       f"acc {logs.get('accuracy', 0):.4f}{val} lr {logs.get('learning_rate', 0):.2e}\n")
        elif kind == "callback":
            self._end_bar()
            self._line(f"  > {ev.get('callback', '')}: {ev.get('message', '')}\n")
        elif kind == "phase":
            self._end_bar()
            self._line(f"{ev.get('message', '')}\n")
        elif kind == "end":
            self._end_bar()
            self._line(f"run {ev['status']}\n")

    def _end_bar(self) -> None:
        # Clear the updating bar so the next line starts clean.
        if self._bar_open:
            self._line("\r" + " " * (self.width + 70) + "\r")
            self._bar_open = False

    def _line(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
