"""MNIST loading, atomic writes and the models folder listing."""

import json
import os

import numpy as np
import pytest

from digitcore.storage.atomic import atomic_write_text, atomic_write_with
from digitcore.storage.datasets import DataError, load_mnist, load_mnist_npz


def test_real_mnist_has_the_documented_shape_and_hash(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert mnist.x_train.dtype == np.uint8 and set(np.unique(mnist.y_test)) == set(range(10))
    assert mnist.sha256 == "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"


def test_env_var_points_at_the_data(monkeypatch, small_mnist_npz):
    monkeypatch.setenv("DIGITCORE_MNIST", str(small_mnist_npz))
    assert load_mnist().x_test.shape == (500, 28, 28)


@pytest.mark.parametrize(
    "content, message",
    [(b"", "Could not read"), (b"not a zip at all", "Could not read")],
)
def test_broken_npz_gets_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_mnist_npz(path)


def test_npz_with_wrong_keys_or_shapes(tmp_path):
    np.savez(tmp_path / "keys.npz", a=np.zeros(3))
    with pytest.raises(DataError, match="missing"):
        load_mnist_npz(tmp_path / "keys.npz")
    z = np.zeros((4, 28, 28), np.uint8)
    np.savez(tmp_path / "shape.npz", x_train=np.zeros((4, 32, 32)), y_train=np.zeros(4), x_test=z, y_test=np.zeros(4))
    with pytest.raises(DataError, match="shape"):
        load_mnist_npz(tmp_path / "shape.npz")
    with pytest.raises(DataError, match="not found"):
        load_mnist_npz(tmp_path / "missing.npz")


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "run.json"
    atomic_write_text(target, json.dumps({"v": 1}))

    def broken_writer(tmp):
        tmp.write_text('{"v": 2, "half')
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write_with(target, broken_writer)
    assert json.loads(target.read_text()) == {"v": 1}
    assert os.listdir(tmp_path) == ["run.json"]


def test_model_listing_puts_default_first_and_flags_broken_runs(tmp_path, monkeypatch, default_model_path):
    from digitcore.storage.model_store import list_models

    monkeypatch.setenv("DIGITCORE_MODELS_DIR", str(tmp_path))
    (tmp_path / "empty.keras").write_bytes(b"")
    (tmp_path / "good.keras").write_bytes(default_model_path.read_bytes())
    (tmp_path / "good.json").write_text('{"test_accuracy": 0.99, "status": "finished"}')
    (tmp_path / "badmeta.keras").write_bytes(default_model_path.read_bytes())
    (tmp_path / "badmeta.json").write_text("{not json")
    (tmp_path / ".hidden.tmp.keras").write_bytes(b"partial")
    entries = {e.name: e for e in list_models()}
    assert list(entries)[0] == "default" and entries["default"].is_default
    assert "empty" in entries["empty"].problem
    assert entries["badmeta"].problem and not entries["good"].problem
    assert "99.00%" in entries["good"].label
    assert not any(name.startswith(".") for name in entries)


def test_shared_mnist_is_loaded_once_per_file_version_and_read_only(small_mnist_npz, tmp_path):
    import shutil

    import numpy as np
    import pytest

    from digitcore.storage.datasets import load_mnist_shared

    path = tmp_path / "mnist.npz"
    shutil.copy(small_mnist_npz, path)
    first = load_mnist_shared(path)
    assert load_mnist_shared(str(path)) is first, "every page and training job gets the same copy"
    with pytest.raises(ValueError):
        first.x_train[0, 0, 0] = 1  # nobody can change what the others see
    data = dict(np.load(path))
    np.savez_compressed(path, **{**data, "y_test": data["y_test"][::-1]})
    second = load_mnist_shared(path)
    assert second is not first and second.sha256 != first.sha256, "a replaced file is read again"
