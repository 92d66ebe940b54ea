"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    The temporary name keeps ``target``'s suffix because some writers (Keras) insist on it.
    On any error the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved run should read like any other file
        yield tmp
        with open(tmp, "rb+") as fh:  # data must be on disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_with(target: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)


#: OSError numbers that mean "this folder cannot take the file": (what happened, what to do), for the user.
_WRITE_PROBLEMS = {
    errno.ENOSPC: ("the disk is full (no space left on device)", "Free some space or choose another models folder."),
    errno.EDQUOT: ("the disk quota is used up", "Free some space or choose another models folder."),
    errno.EROFS: ("the folder is read-only (read-only file system)", "Choose a models folder this app may write to."),
    errno.EACCES: ("there is no permission to write there", "Choose a models folder this app may write to."),
    errno.EPERM: ("there is no permission to write there", "Choose a models folder this app may write to."),
}


def write_problem(exc: BaseException) -> str | None:
    """Plain words when ``exc`` means the disk cannot take a file (full, read-only, no permission); else None."""
    found = _WRITE_PROBLEMS.get(exc.errno) if isinstance(exc, OSError) else None
    return found[0] if found else None


def write_error_message(exc: OSError, folder: str | os.PathLike[str], what: str = "the run") -> str:
    """A sentence for the user: what could not be saved, where, why and what to do.

    E.g. "Could not save the model in /srv/models: the disk is full (no space left on device). Free some
    space or choose another models folder."
    """
    problem, advice = _WRITE_PROBLEMS.get(exc.errno) or (exc.strerror or str(exc) or exc.__class__.__name__, "")
    return f"Could not save {what} in {folder}: {problem}." + (f" {advice}" if advice else "")
