"""The models folder: the shipped default model plus every trained run (``<name>.keras`` [+ .csv, .json])."""

from __future__ import annotations

import functools
import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import DEFAULT_MODEL_NAME, default_model_path, models_dir
from .runs import effective_status, recover_interrupted_retrainings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelEntry:
    """One selectable model; ``problem`` is set when its files are damaged or incomplete."""

    name: str
    path: Path
    is_default: bool
    meta: dict[str, Any]
    problem: str = ""

    @property
    def label(self) -> str:
        """What a model picker shows."""
        acc = self.meta.get("test_accuracy")
        extra = f" ({acc:.2%} on MNIST test)" if isinstance(acc, (int, float)) else ""
        status = self.meta.get("status")
        if status and status != "finished":
            extra += f" [{status}]"
        if self.problem and status not in ("running", "failed"):
            extra += " [broken]"
        return f"{self.name}{' (default)' if self.is_default else ''}{extra}"

    @property
    def log_path(self) -> Path:
        """The run's CSVLogger file (may not exist)."""
        return self.path.with_suffix(".csv")


def _read_meta(path: Path) -> tuple[dict[str, Any], str]:
    meta_path = path.with_suffix(".json")
    if not meta_path.exists():
        return {}, ""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not an object")
        return meta, ""
    except (OSError, ValueError) as exc:
        return {}, f"{meta_path.name} is unreadable ({exc.__class__.__name__})"


@functools.lru_cache(maxsize=256)
def _model_file_problem(path: str, mtime_ns: int, size: int) -> str:
    """Why a ``.keras`` file cannot be a model, judged without TensorFlow ("" when it looks whole).

    A ``.keras`` file is a zip archive with a ``config.json``: garbage bytes or a file cut short (a
    copy that stopped half-way) fail this check, so the picker marks them before anyone loads them.
    Cached per file version (``mtime_ns``, ``size``): pages list the models on every rerun.
    """
    del mtime_ns  # cache key only
    name = Path(path).name
    if size == 0:
        return f"{name} is empty"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return f"{name} is damaged: not a complete Keras model file"
    if "config.json" not in names:
        return f"{name} is not a Keras model file (no config.json inside)"
    return ""


def list_models(folder: str | Path | None = None) -> list[ModelEntry]:
    """The default model first, then every run in the folder, newest first.

    A run still training, or one that failed or was interrupted before its model was saved, is
    listed with ``problem`` saying so; a JSON still saying "running" whose trainer is gone (server
    killed) is shown as failed with ``meta["interrupted"] = True``.
    """
    folder = Path(folder) if folder else models_dir()
    if folder.is_dir():
        for name in recover_interrupted_retrainings(folder):
            log.warning("the retraining of %s was interrupted; its previous run was put back", name)
    entries: list[ModelEntry] = []
    default = default_model_path()
    if default.is_file():
        meta, problem = _read_meta(default)
        st = default.stat()
        problem = _model_file_problem(str(default), st.st_mtime_ns, st.st_size) or problem
        entries.append(ModelEntry(DEFAULT_MODEL_NAME, default, True, meta, problem))
    if folder.is_dir():
        runs = [p for p in folder.glob("*.keras") if not p.name.startswith(".") and p.resolve() != default.resolve()]
        # Runs still training, or interrupted/failed before a model was saved, have only their JSON:
        # listed too (with the reason), so a class sees what happened to them.
        names = {p.stem for p in runs}
        pending = [m.with_suffix(".keras") for m in folder.glob("*.json")
                   if not m.name.startswith(".") and m.stem not in names and m.stem != DEFAULT_MODEL_NAME]
        found: list[tuple[float, ModelEntry]] = []
        for path in runs:
            meta, problem = _read_meta(path)
            meta = effective_status(meta, folder, path.stem)
            try:
                st = path.stat()
            except OSError:  # removed while we looked
                continue
            file_problem = _model_file_problem(str(path), st.st_mtime_ns, st.st_size)
            if file_problem:
                problem = file_problem
            elif meta.get("status") in ("running", "failed") and not problem:
                problem = _pending_problem(meta)
            found.append((st.st_mtime, ModelEntry(path.stem, path, False, meta, problem)))
        for path in pending:
            meta, problem = _read_meta(path)
            try:
                mtime = path.with_suffix(".json").stat().st_mtime
            except OSError:
                continue
            if problem and path.with_suffix(".csv").exists():
                # A damaged JSON beside a training log is a run's record: shown as broken, not hidden.
                found.append((mtime, ModelEntry(path.stem, path, False, {}, problem)))
                continue
            if problem or meta.get("status") not in ("running", "failed", "stopped", "finished"):
                continue  # a stray JSON that is not a run
            meta = effective_status(meta, folder, path.stem)
            found.append((mtime, ModelEntry(path.stem, path, False, meta, _pending_problem(meta))))
        entries.extend(e for _, e in sorted(found, key=lambda t: t[0], reverse=True))
    return entries


def _pending_problem(meta: dict[str, Any]) -> str:
    """Why a run without a usable model cannot be picked."""
    status = meta.get("status")
    if status == "running":
        return "still training: its model is saved when the training ends"
    if meta.get("interrupted"):
        return "its training was interrupted before the model was saved"
    if status == "failed":
        return f"its training failed ({meta.get('error') or 'no model was saved'})"
    return "its model file is missing"
