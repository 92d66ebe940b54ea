"""Training runs on disk: safe run names, the run's files, and whether a "running" run is really alive.

A run called ``NAME`` is ``NAME.keras`` + ``NAME.csv`` + ``NAME.json`` in the models folder. While it
trains, the trainer holds an exclusive lock on ``.NAME.lock`` beside them: a run whose JSON says
"running" but whose lock nobody holds was interrupted (the server or the CLI was killed), so it is
shown as failed, not finished. No TensorFlow here: the model picker imports this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # POSIX; elsewhere liveness falls back to "same process and registered"
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "RunNameError",
    "RunBusyError",
    "RunFiles",
    "MAX_NAME_LENGTH",
    "check_run_name",
    "suggest_run_name",
    "free_run_name",
    "run_files",
    "run_lock",
    "run_is_live",
    "effective_status",
]

MAX_NAME_LENGTH = 64
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: Names Windows cannot use for files, whatever the extension (compared case-insensitively).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
#: Names no run may take: the shipped default model stays read-only.
PROTECTED_NAMES = frozenset({"default"})


class RunNameError(ValueError):
    """A run name that cannot be used; the message says why."""


class RunBusyError(RuntimeError):
    """Another training (in this process or another one) is writing a run of that name right now."""


def check_run_name(name: Any) -> str:
    """The run name with surrounding spaces removed; :class:`RunNameError` when it is not safe to use.

    Allowed: 1 to 64 ASCII letters, digits, ``-`` and ``_``, starting with a letter or digit; not a
    Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9) and not ``default``.
    """
    if not isinstance(name, str):
        raise RunNameError("The run name must be text.")
    cleaned = name.strip()
    if not cleaned:
        raise RunNameError("Give the run a name (letters, digits, '-' and '_').")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise RunNameError(f"Run names can be at most {MAX_NAME_LENGTH} characters long (got {len(cleaned)}).")
    if not _NAME_RE.fullmatch(cleaned):
        bad = sorted({ch for ch in cleaned if not (ch.isascii() and (ch.isalnum() or ch in "-_"))})
        if bad:
            shown = " ".join(repr(ch) for ch in bad[:5])
            raise RunNameError(f"Run names may only use letters, digits, '-' and '_' (not {shown}).")
        raise RunNameError("Run names must start with a letter or a digit.")
    lowered = cleaned.lower()
    if lowered in PROTECTED_NAMES:
        raise RunNameError(f"'{cleaned}' is the shipped model's name and stays read-only; choose another name.")
    if lowered in WINDOWS_RESERVED:
        raise RunNameError(f"'{cleaned}' is a reserved device name on Windows; choose another name.")
    return cleaned


def suggest_run_name(text: str, fallback: str = "run") -> str:
    """Turn any text into a valid run name (``"My run #1"`` -> ``"My-run-1"``)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", text or "").strip("-_")[:MAX_NAME_LENGTH].strip("-_")
    try:
        return check_run_name(name)
    except RunNameError:
        name = f"{name}-run" if name else fallback
        return check_run_name(name[:MAX_NAME_LENGTH])


@dataclass(frozen=True)
class RunFiles:
    """Where one run's files live."""

    name: str
    model: Path  # NAME.keras (inference model, no optimizer state)
    log: Path  # NAME.csv (CSVLogger)
    meta: Path  # NAME.json (configuration, data, results, status)
    lock: Path  # .NAME.lock (held while training)

    def existing(self) -> list[Path]:
        """The run's files that already exist (not the lock)."""
        return [p for p in (self.model, self.log, self.meta) if p.exists()]


def run_files(folder: str | Path, name: str) -> RunFiles:
    """The files of run ``name`` in ``folder`` (the name is checked first, so no path can escape)."""
    name = check_run_name(name)
    folder = Path(folder)
    return RunFiles(name, folder / f"{name}.keras", folder / f"{name}.csv", folder / f"{name}.json",
                    folder / f".{name}.lock")


def is_shipped(files: RunFiles) -> bool:
    """True for a model that ships with the app (its JSON says ``"shipped": true``): never retrained."""
    try:
        return bool(json.loads(files.meta.read_text(encoding="utf-8")).get("shipped"))
    except (OSError, ValueError, AttributeError):
        return False


def check_can_write(files: RunFiles, overwrite: bool) -> None:
    """Before training starts: :class:`FileExistsError` when the run exists (and ``overwrite`` is off) or ships."""
    if not files.existing():
        return
    if is_shipped(files):
        raise FileExistsError(f"'{files.name}' ships with the app and stays read-only; choose another name.")
    if not overwrite:
        raise FileExistsError(f"A run named '{files.name}' already exists; choose another name or allow "
                              "overwriting.")


# ----------------------------------------------------------------------------- replacing a run


def _backup(files: RunFiles) -> tuple[tuple[Path, Path], ...]:
    folder = files.model.parent
    return tuple((p, folder / f".{files.name}.replaced{p.suffix}") for p in (files.model, files.log, files.meta))


def set_aside(files: RunFiles) -> bool:
    """Move an existing run to hidden backup files before it is retrained; False when there was none.

    Retraining a name replaces the old run only once the new one has saved its model
    (:func:`drop_set_aside`); a failed or killed retraining gives the old run back.
    """
    moved = False
    for path, backup in _backup(files):
        if path.exists():
            os.replace(path, backup)
            moved = True
    return moved


def drop_set_aside(files: RunFiles) -> None:
    """The new run is saved: delete the old one's backup."""
    for _, backup in _backup(files):
        backup.unlink(missing_ok=True)


def restore_set_aside(files: RunFiles) -> bool:
    """Put the old run back in place of a retraining that did not finish; False when there is no backup."""
    pairs = [(p, b) for p, b in _backup(files) if b.exists()]
    if not pairs:
        return False
    for path, _ in _backup(files):
        path.unlink(missing_ok=True)
    for path, backup in pairs:
        os.replace(backup, path)
    return True


def recover_interrupted_retrainings(folder: str | Path) -> list[str]:
    """Give back the old runs whose retraining was killed (no live trainer); returns their names."""
    folder = Path(folder)
    recovered = []
    for name in sorted({b.name[1:].rsplit(".replaced", 1)[0] for b in folder.glob(".*.replaced.*")}):
        try:
            files = run_files(folder, name)
            if not run_is_live(files) and restore_set_aside(files):
                recovered.append(name)
        except (RunNameError, OSError):
            continue
    return recovered


def _taken(folder: Path, name: str) -> bool:
    return any((folder / f"{name}{ext}").exists() for ext in (".keras", ".csv", ".json"))


def free_run_name(base: str, folder: str | Path, taken: Iterable[str] = ()) -> str:
    """``base`` if no run has that name yet, else ``base-2``, ``base-3``, ... (all valid names)."""
    folder = Path(folder)
    base = suggest_run_name(base)
    extra = {t.lower() for t in taken}
    for i in range(1, 10_000):
        suffix = "" if i == 1 else f"-{i}"
        candidate = suggest_run_name(base[: MAX_NAME_LENGTH - len(suffix)] + suffix)
        if not _taken(folder, candidate) and candidate.lower() not in extra:
            return candidate
    raise RunNameError(f"No free run name starting with '{base}'.")


# ----------------------------------------------------------------------------- liveness

_ACTIVE: set[str] = set()  # lock paths held by this process (the fallback where fcntl is missing)


@contextlib.contextmanager
def run_lock(files: RunFiles, wait_s: float = 1.0) -> Iterator[None]:
    """Hold the run's lock while training; :class:`RunBusyError` if someone else is training that name."""
    files.lock.parent.mkdir(parents=True, exist_ok=True)
    key = str(files.lock.resolve())
    if key in _ACTIVE:
        raise RunBusyError(f"The run '{files.name}' is being trained right now.")
    fh = open(files.lock, "a+")
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    # A reader checking liveness holds a shared lock for an instant; someone
                    # training holds it for good.
                    if time.monotonic() > deadline:
                        raise RunBusyError(f"The run '{files.name}' is being trained right now.") from None
                    time.sleep(0.05)
        try:
            # Unbuffered, so a full disk fails here (not again when the file is closed).
            os.ftruncate(fh.fileno(), 0)
            os.write(fh.fileno(), f"{os.getpid()}\n".encode())
        except OSError:
            with contextlib.suppress(OSError):
                files.lock.unlink()  # no stray lock file from a training that never began
            raise
        _ACTIVE.add(key)
        try:
            yield
        finally:
            _ACTIVE.discard(key)
            with contextlib.suppress(OSError):
                files.lock.unlink()
    finally:
        fh.close()  # releases the flock


def run_is_live(files: RunFiles) -> bool:
    """True while some process (this one or another) is training the run."""
    if str(files.lock.resolve()) in _ACTIVE:
        return True
    if fcntl is None:  # pragma: no cover - cannot see other processes' runs; assume alive only if ours
        return False
    try:
        fh = open(files.lock)
    except OSError:
        return False  # no lock file: the trainer finished or never got going
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        fh.close()
    return False


def effective_status(meta: dict[str, Any], folder: str | Path, name: str) -> dict[str, Any]:
    """``meta`` as it should be shown: a "running" run whose trainer is gone becomes failed (interrupted).

    Returns a new dict (the file on disk is not changed).
    """
    if meta.get("status") != "running":
        return meta
    try:
        files = run_files(folder, name)
    except RunNameError:
        return {**meta, "status": "failed", "interrupted": True, "error": "Interrupted: not a valid run name."}
    if run_is_live(files):
        return meta
    return {**meta, "status": "failed", "interrupted": True,
            "error": meta.get("error") or "Interrupted: the training stopped before it could finish and save the "
            "model (the server or command was killed, or the disk became full or read-only)."}
