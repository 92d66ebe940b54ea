"""Look-alike MNIST training digits in the model's last hidden layer: the feature index, its cache and builds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from digitcore import Predictor
from digitcore.model.neighbours import (BUILDS, IndexBuilds, Neighbour, build_index, cache_dir, find_neighbours,
                                        index_path, load_index)
from digitcore.storage.datasets import load_mnist_npz
from digitcore.training.loop import train
from digitcore.training.presets import get_preset


@pytest.fixture(scope="module")
def index_mnist(tmp_path_factory, mnist):
    """MNIST with its first 6,000 training digits (a real .npz, so the index covers all of its x_train)."""
    path = tmp_path_factory.mktemp("mnist6k") / "mnist6k.npz"
    np.savez(path, x_train=mnist.x_train[:6000], y_train=mnist.y_train[:6000], x_test=mnist.x_test[:400],
             y_test=mnist.y_test[:400])
    return load_mnist_npz(path)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("DIGITCORE_DATA_DIR", str(path))
    yield path
    mp.undo()


def test_neighbours_of_test_digits_mostly_share_their_label(predictor, index_mnist, data_dir):
    from digitcore.model.explain import explainer_for

    n = 300
    ex = predictor.explain(index_mnist.x_test[0], mnist=index_mnist)  # builds the index
    assert len(ex.neighbours) == 8 and ex.neighbours_message == ""
    index = BUILDS.get(predictor, index_mnist)
    features = explainer_for(predictor.model).features(index_mnist.x_test[:n])  # the same features, in one batch
    assert np.allclose(features[0], ex.features, atol=1e-4)
    right = 0
    for i in range(n):
        votes = np.bincount([int(index_mnist.y_train[j]) for j, _ in index.query(features[i], 5)], minlength=10)
        right += int(votes.argmax()) == int(index_mnist.y_test[i])
    assert right / n >= 0.95, f"{right}/{n}"


def test_neighbour_fields_point_into_x_train(predictor, index_mnist, data_dir):
    ex = predictor.explain(index_mnist.x_test[7], mnist=index_mnist)
    sims = [nb.similarity for nb in ex.neighbours]
    assert sims == sorted(sims, reverse=True) and all(-1.0 <= s <= 1.0001 for s in sims)
    assert len({nb.index for nb in ex.neighbours}) == 8
    for nb in ex.neighbours:
        assert isinstance(nb, Neighbour)
        assert nb.image.shape == (28, 28) and nb.image.dtype == np.uint8
        assert np.array_equal(nb.image, index_mnist.x_train[nb.index])
        assert nb.label == index_mnist.y_train[nb.index]
        assert set(nb.to_dict()) == {"index", "label", "similarity"}
    # A training digit's own nearest neighbour is itself.
    own = predictor.explain(index_mnist.x_train[123], mnist=index_mnist)
    assert own.neighbours[0].index == 123 and own.neighbours[0].similarity == pytest.approx(1.0, abs=2e-3)


def test_the_index_is_cached_on_disk_outside_the_shipped_files(predictor, index_mnist, data_dir):
    path = index_path(predictor, index_mnist)
    assert path.is_file() and path.parent == data_dir / "cache" / "neighbours" == cache_dir()
    assert not list(path.parent.glob(".*")), "no temporary files left"
    fresh = IndexBuilds()  # another server process: finds the file, builds nothing
    assert fresh.status(predictor, index_mnist).state == "ready"
    assert fresh.building() == 0
    assert load_index(path).features.shape == (6000, 128)


def test_a_damaged_index_file_is_rebuilt(predictor, index_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path))
    path = index_path(predictor, index_mnist, count=600)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage")
    builds = IndexBuilds()
    assert builds.status(predictor, index_mnist, count=600).state == "missing"
    assert builds.wait(predictor, index_mnist, count=600).state == "ready"
    assert load_index(path).count == 600


def test_background_build_reports_progress_and_runs_once_per_model(predictor, index_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path))
    builds = IndexBuilds()
    first = builds.start(predictor, index_mnist, count=3000)
    second = builds.start(predictor, index_mnist, count=3000)  # a second visitor at the same moment
    assert first.state == second.state == "building"
    assert builds.building() == 1
    seen = []
    while (status := builds.status(predictor, index_mnist, count=3000)).state == "building":
        seen.append(status.fraction)
        builds.wait(predictor, index_mnist, count=3000, timeout=0.2)
    assert status.state == "ready" and status.fraction == 1.0
    assert seen == sorted(seen) and all(0.0 <= f <= 1.0 for f in seen)
    assert builds.building() == 0


def test_the_index_is_rebuilt_after_retraining(index_mnist, small_mnist_npz, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path / "data"))
    small = load_mnist_npz(small_mnist_npz)
    cfg = get_preset("tf-tutorial-cnn").config(name="tiny", epochs=1, batch_size=64, subset=300, validation=0.1)
    runs = tmp_path / "runs"
    train(cfg, small, runs)
    first = Predictor.load(runs / "tiny.keras")
    old_path = index_path(first, index_mnist, count=500)
    build_index(first, index_mnist, count=500)
    old = load_index(old_path)

    train(replace(cfg, seed=cfg.seed + 1), small, runs, overwrite=True)  # the teacher retrains the run
    second = Predictor.load(runs / "tiny.keras")
    new_path = index_path(second, index_mnist, count=500)
    assert new_path != old_path  # the model file changed, so its index key did
    builds = IndexBuilds()
    assert builds.status(second, index_mnist, count=500).state == "missing"
    assert builds.wait(second, index_mnist, count=500).state == "ready"
    assert new_path.is_file() and not old_path.exists()  # the stale index is gone
    assert not np.allclose(load_index(new_path).features, old.features)


def test_without_mnist_there_are_no_neighbours_and_a_message_says_why(predictor, mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITCORE_MNIST", str(tmp_path / "missing.npz"))
    ex = predictor.explain(mnist.x_test[0])
    assert ex.neighbours == [] and "MNIST" in ex.neighbours_message
    assert ex.digit == mnist.y_test[0] and ex.saliency is not None  # the rest is still explained


def test_not_waiting_starts_the_build_in_the_background(predictor, index_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(tmp_path))
    ex = predictor.explain(index_mnist.x_test[0], mnist=index_mnist, wait_for_index=False)
    assert ex.neighbours == [] and ex.neighbours_message
    assert BUILDS.wait(predictor, index_mnist).state == "ready"
    hits, why = find_neighbours(predictor, ex.features, mnist=index_mnist, wait=False)
    assert len(hits) == 8 and why == ""


def test_a_cache_folder_that_cannot_be_written_keeps_the_index_in_memory(predictor, index_mnist, tmp_path,
                                                                          monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("DIGITCORE_DATA_DIR", str(blocker))
    builds = IndexBuilds()
    assert builds.wait(predictor, index_mnist, count=500).state == "ready"
    index = builds.get(predictor, index_mnist, count=500)
    assert index is not None and index.count == 500 and "Could not save the look-alike index" in index.not_saved
    assert blocker.read_text() == "a file where the data folder should be"
