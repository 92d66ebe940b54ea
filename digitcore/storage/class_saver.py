"""Saving the class's drawings off the answer's path: a small per-server pool of writer threads.

The page hands a drawing and the (already opened) store to :meth:`ClassSaver.submit` and goes on at once; the row is written in
the background (with its PNG thumbnail made there too). The caller keeps the returned
:class:`PendingSave` until it is done: a failed save keeps its drawing, so the page can say why
and try again; a confirmed drawing is never dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .class_store import ClassStore, ClassStoreError, NewDrawing, check_label, thumbnail_png

log = logging.getLogger(__name__)

__all__ = ["ClassSaver", "PendingSave"]


@dataclass(eq=False)  # compared by identity: one object per confirmed drawing
class PendingSave:
    """One drawing on its way to the database; ``original`` is the raw picture its PNG is made from."""

    drawing: NewDrawing
    original: np.ndarray | None = field(default=None, repr=False)
    future: Future | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        """The save has finished (saved or failed)."""
        return self.future is not None and self.future.done()

    @property
    def error(self) -> str | None:
        """Why the save failed (a sentence), None while running or when saved."""
        if not self.done:
            return None
        exc = self.future.exception()
        if exc is None:
            return None
        return str(exc) if isinstance(exc, ClassStoreError) else f"The drawing could not be saved ({exc})."

    @property
    def saved_id(self) -> int | None:
        """The new row's id once saved."""
        return self.future.result() if self.done and self.future.exception() is None else None


class ClassSaver:
    """Writes drawings in background threads (one pool per server process)."""

    def __init__(self, workers: int = 2, before_save: Callable[[], Any] | None = None) -> None:
        """``before_save`` runs in the writer thread before each save: the app passes
        ``priority.yield_to_interactive``, so a save waits (briefly) while answers are being computed."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="class-save")
        self._before_save = before_save

    def submit(self, pending: PendingSave, store: ClassStore | Callable[[], ClassStore]) -> PendingSave:
        """Start (or retry) saving ``pending`` into ``store``, or into what ``store()`` opens in the background
        (so opening an unreachable database never holds up the page; its ClassStoreError is the save's error)."""
        check_label(pending.drawing.label)  # a wrong label is the caller's bug: said at once, never queued
        pending.future = self._pool.submit(self._save, pending, store)
        return pending

    def _save(self, pending: PendingSave, store: ClassStore | Callable[[], ClassStore]) -> int:
        if self._before_save is not None:
            try:
                self._before_save()
            except Exception:  # a scheduling hint must never cost a drawing
                log.exception("before_save failed")
        d = pending.drawing
        if d.png is None and pending.original is not None:
            try:
                d.png = thumbnail_png(pending.original)
            except Exception:  # a thumbnail is nice to have; the row is what matters
                log.exception("thumbnail failed")
        target = store if isinstance(store, ClassStore) else store()
        return target.add(d)

    def wait_all(self, pendings: list[PendingSave], timeout: float | None = None) -> None:
        """Block until every given save has finished (tests and shutdown)."""
        for p in pendings:
            if p.future is not None:
                try:
                    p.future.result(timeout)
                except Exception:  # reported through PendingSave.error
                    pass

    @staticmethod
    def settle(pendings: list[PendingSave], timeout: float) -> None:
        """Wait at most ``timeout`` seconds for the given saves (usually milliseconds), so a page can report them."""
        futures = [p.future for p in pendings if p.future is not None and not p.future.done()]
        if futures:
            wait(futures, timeout=timeout)

    def shutdown(self) -> None:
        """Finish queued saves and stop the threads."""
        self._pool.shutdown(wait=True)


def drawing_from(digit28: Any, label: int, source: str, predicted: int | None, confidence: float | None,
                 model: str) -> NewDrawing:
    """A NewDrawing for a page's answer (labels are checked when it is saved)."""
    return NewDrawing(digit28=np.asarray(digit28), label=label, source=source, predicted=predicted,
                      confidence=confidence, model=model)
