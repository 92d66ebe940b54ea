"""digitcore.training.pairs: the pair reader's training pictures and a short real training run."""

from __future__ import annotations

import json

import numpy as np

from digitcore.imaging.pair_form import PAIR_SHAPE
from digitcore.model.pair_reader import PairReader
from digitcore.storage.datasets import file_sha256
from digitcore.training.pairs import MORE, ONE, TWO, main, make_pair_set


def test_pictures_are_deterministic_and_labelled(mnist_path):
    a, b = make_pair_set(300, seed=5, mnist_path=str(mnist_path)), make_pair_set(300, seed=5, mnist_path=str(mnist_path))
    assert a.x.shape == (300, *PAIR_SHAPE) and a.x.dtype == np.uint8
    assert np.array_equal(a.x, b.x) and np.array_equal(a.left, b.left) and np.array_equal(a.right, b.right)
    assert not np.array_equal(a.x, make_pair_set(300, seed=6, mnist_path=str(mnist_path)).x)
    assert set(np.unique(a.count)) == {ONE, TWO, MORE}
    assert np.all((a.left >= 0) & (a.left <= 9) & (a.right >= 0) & (a.right <= 9))
    assert np.array_equal(a.left[a.count == ONE], a.right[a.count == ONE])
    assert np.all(a.x.reshape(300, -1).max(axis=1) > 200)  # every picture has ink


def test_pairs_are_wider_than_single_digits(mnist_path):
    s = make_pair_set(400, seed=7, mnist_path=str(mnist_path))
    cols = (s.x.max(axis=1) > 50).sum(axis=1)
    assert np.median(cols[s.count == TWO]) >= 1.5 * np.median(cols[s.count == ONE])
    assert np.median(cols[s.count == MORE]) > np.median(cols[s.count == TWO])


def test_a_short_training_run_saves_a_readable_model_and_its_record(mnist_path, tmp_path, capsys):
    out = tmp_path / "companions" / "pair_reader.keras"
    assert main(["--n", "400", "--epochs", "1", "--out", str(out), "--data", str(mnist_path)]) == 0
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["kind"] == "pair_reader" and meta["pictures"] == 400 and meta["epochs"] == 1
    assert meta["sha256"] == file_sha256(out)
    assert meta["command"].startswith("python -m digitcore.training.pairs")
    assert set(meta["validation"]) >= {"val_count_accuracy", "val_left_accuracy", "val_right_accuracy"}
    reader = PairReader.load(out)
    (scores,) = reader.read([np.pad(np.full((40, 12), 255, np.uint8), 4)])
    assert abs(scores.count.sum() - 1) < 1e-4 and abs(scores.left.sum() - 1) < 1e-4
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []  # no temporary files left
