"""Shared test fixtures: where the datasets are, and a rule that CI never skips for want of them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "datasets"


def _need(path: Path | None, what: str) -> Path:
    if path is not None and path.exists():
        return path
    msg = f"{what} not found (set the environment variable or put ../shared/datasets beside the repo)"
    if os.environ.get("CI"):
        pytest.fail(msg)  # in CI missing data is a broken set-up, not a reason to skip
    pytest.skip(msg)


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """The real MNIST .npz ($DIGITCORE_MNIST or ../shared/datasets/mnist.npz)."""
    env = os.environ.get("DIGITCORE_MNIST")
    return _need(Path(env) if env else SHARED / "mnist.npz", "MNIST (DIGITCORE_MNIST)")


@pytest.fixture(scope="session")
def seed_digits_dir() -> Path:
    """The 20 seed digit JPEGs ($DIGITCORE_SEED_DIGITS or ../shared/datasets/seed_digits)."""
    env = os.environ.get("DIGITCORE_SEED_DIGITS")
    return _need(Path(env) if env else SHARED / "seed_digits", "seed digits (DIGITCORE_SEED_DIGITS)")


@pytest.fixture(scope="session")
def mnist(mnist_path: Path):
    """The loaded MNIST dataset (digitcore.storage.datasets.Mnist)."""
    from digitcore.storage.datasets import load_mnist_npz

    return load_mnist_npz(mnist_path)


@pytest.fixture(scope="session")
def small_mnist_npz(tmp_path_factory, mnist) -> Path:
    """A small MNIST-layout .npz (2000 train, 500 test) for quick training and evaluation tests."""
    path = tmp_path_factory.mktemp("data") / "mnist_small.npz"
    np.savez_compressed(path, x_train=mnist.x_train[:2000], y_train=mnist.y_train[:2000],
                        x_test=mnist.x_test[:500], y_test=mnist.y_test[:500])
    return path


@pytest.fixture(scope="session")
def default_model_path() -> Path:
    """The shipped default model."""
    from digitcore.storage.paths import default_model_path as p

    path = p()
    if not path.exists():
        pytest.fail(f"The shipped default model is missing: {path}")
    return path


@pytest.fixture(scope="session")
def predictor(default_model_path):
    """The default model, loaded once for the whole test session."""
    from digitcore import Predictor

    return Predictor.load(default_model_path)


@pytest.fixture(scope="session")
def browser_ok() -> None:
    """Chromium and Playwright are usable; in CI their absence fails the test instead of skipping it."""
    import browser_helpers as bh

    problem = bh.browser_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def reject_model_path(tmp_path_factory, mnist) -> Path:
    """A tiny 11-class model ("not a digit" = 10) trained once per session (see tests/reject_model.py)."""
    from reject_model import train_reject_model

    return train_reject_model(tmp_path_factory.mktemp("reject_model"), mnist.x_train, mnist.y_train)


@pytest.fixture(scope="session")
def ten_output_model_path(tmp_path_factory, reject_model_path) -> Path:
    """The tiny model without its "not a digit" output: a plain 10-output digit model."""
    from reject_model import ten_output_copy

    return ten_output_copy(reject_model_path, tmp_path_factory.mktemp("ten_output_model"))
