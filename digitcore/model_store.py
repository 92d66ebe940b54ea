"""The models folder: the shipped default model plus every trained run (``<name>.keras`` [+ .csv, .json])."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import DEFAULT_MODEL_NAME, default_model_path, models_dir


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
        if self.problem:
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


def list_models(folder: str | Path | None = None) -> list[ModelEntry]:
    """The default model first, then every other ``.keras`` run in the folder, newest first."""
    folder = Path(folder) if folder else models_dir()
    entries: list[ModelEntry] = []
    default = default_model_path()
    if default.is_file():
        meta, problem = _read_meta(default)
        entries.append(ModelEntry(DEFAULT_MODEL_NAME, default, True, meta, problem))
    if folder.is_dir():
        runs = [p for p in folder.glob("*.keras") if not p.name.startswith(".") and p.resolve() != default.resolve()]
        for path in sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True):
            meta, problem = _read_meta(path)
            if path.stat().st_size == 0:
                problem = problem or f"{path.name} is empty"
            entries.append(ModelEntry(path.stem, path, False, meta, problem))
    return entries
