"""Shared test fixtures: where the datasets are, and a rule that CI never skips for want of them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "datasets"

# The class's database (issue 14) of pages and commands run by tests goes to a temporary folder,
# never into the repository's data/ (tests that look at it set their own DIGITCORE_DATA_DIR).
if not os.environ.get("DIGITCORE_DATA_DIR"):
    import tempfile

    os.environ["DIGITCORE_DATA_DIR"] = tempfile.mkdtemp(prefix="digitcore-test-data-")


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
def pg_url():
    """A real PostgreSQL database: ``$DIGITCORE_TEST_PG_URL`` (``.ci/run`` starts one), else a throw-away
    server started here with ``tests/pg_server.py``. In CI a missing URL fails the test, never skips it."""
    env = os.environ.get("DIGITCORE_TEST_PG_URL", "").strip()
    if env:
        yield env
        return
    if os.environ.get("CI"):
        pytest.fail("DIGITCORE_TEST_PG_URL is not set: .ci/run must start PostgreSQL for the tests")
    import pg_server

    if pg_server.pg_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    import shutil
    import tempfile

    # Directly under /tmp: pytest's own temp folders are private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="digitcore-pg-"))
    base.chmod(0o755)
    try:
        yield pg_server.start(base / "server")
    finally:
        pg_server.stop(base / "server")
        shutil.rmtree(base, ignore_errors=True)


def reset_database(url: str) -> None:
    """Drop the class store's tables so a test starts from an empty PostgreSQL database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS drawings, schema_version"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty class store URL: a SQLite file, then the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.sqlite'}"
    url = request.getfixturevalue("pg_url")
    reset_database(url)
    return url


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
