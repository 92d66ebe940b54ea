"""Where things live: the repository's models folder and the datasets beside it."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR_ENV = "DIGITCORE_MODELS_DIR"
MNIST_ENV = "DIGITCORE_MNIST"
SEED_DIGITS_ENV = "DIGITCORE_SEED_DIGITS"
PICTURE_FOLDERS_ENV = "DIGITCORE_PICTURE_FOLDERS"

#: The shipped, pre-trained default model (read-only for the app).
DEFAULT_MODEL_NAME = "default"


def models_dir() -> Path:
    """The folder holding the default model and trained runs (``$DIGITCORE_MODELS_DIR`` or ``models/``)."""
    env = os.environ.get(MODELS_DIR_ENV)
    return Path(env) if env else REPO_ROOT / "models"


def default_model_path() -> Path:
    """Path of the shipped default model file (always inside the repository's ``models/``)."""
    return REPO_ROOT / "models" / f"{DEFAULT_MODEL_NAME}.keras"


def mnist_path_from_env() -> Path | None:
    """``$DIGITCORE_MNIST`` as a path, or None when unset."""
    env = os.environ.get(MNIST_ENV)
    return Path(env) if env else None


def seed_digits_dir() -> Path | None:
    """The seed digits folder: ``$DIGITCORE_SEED_DIGITS``, else ``../shared/datasets/seed_digits`` if present."""
    env = os.environ.get(SEED_DIGITS_ENV)
    if env:
        return Path(env)
    candidate = REPO_ROOT.parent / "shared" / "datasets" / "seed_digits"
    return candidate if candidate.is_dir() else None


def picture_folders() -> list[Path]:
    """Folders the app may read pictures from for visitors: the seed digits, plus ``$DIGITCORE_PICTURE_FOLDERS``.

    The variable holds folders separated by ``os.pathsep`` (``:`` on Linux). Visitors choose
    among these only; they can never type a path, so nobody browses the server's disk.
    """
    folders: list[Path] = []
    seed = seed_digits_dir()
    if seed is not None:
        folders.append(seed)
    for part in os.environ.get(PICTURE_FOLDERS_ENV, "").split(os.pathsep):
        if part.strip():
            folders.append(Path(part.strip()).expanduser())
    unique: dict[str, Path] = {}
    for f in folders:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values())


DATA_DIR_ENV = "DIGITCORE_DATA_DIR"


def data_dir() -> Path:
    """Where the app keeps what it makes while running (the class's database, caches); default ``data/``."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else REPO_ROOT / "data"
