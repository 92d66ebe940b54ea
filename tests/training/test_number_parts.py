"""Digits cut out of rendered whole numbers for training: deterministic, labelled left to right,
made only from training shapes, cached atomically."""

from __future__ import annotations

import numpy as np

from digitcore.training.generated import number_parts as np_mod


def test_parts_are_deterministic_and_match_their_labels(mnist, predictor):
    mnist_train = (mnist.x_train, mnist.y_train)
    xs, ys, kinds = [], [], set()
    for i in range(24):
        parts, text, kind = np_mod.number_parts(7, i, mnist_train)
        kinds.add(kind)
        assert not parts or len(parts) == len(text), "kept only when the parts match the digits"
        for j, x in enumerate(parts):
            assert x.shape == (28, 28) and x.dtype == np.uint8 and x.max() > 100
            xs.append(x)
            ys.append(int(text[j]))
    again, _, _ = np_mod.number_parts(7, 3, mnist_train)
    first, _, _ = np_mod.number_parts(7, 3, mnist_train)
    assert all(np.array_equal(a, b) for a, b in zip(again, first)) and len(again) == len(first)
    assert len(ys) >= 30 and {"photo", "photo_shadow"} <= kinds
    # Labels go left to right with the parts: the shipped model mostly agrees with them.
    got = predictor.predict_scores(np.stack(xs).astype(np.float32) / 255.0).digits.argmax(1)
    assert np.mean(got == np.array(ys)) >= 0.85


def test_the_training_shapes_never_come_from_the_test_sources(mnist):
    rng = np.random.default_rng(1)
    shape_of = np_mod.training_shape_of((mnist.x_train, mnist.y_train))
    sources = {shape_of(d, rng).source.split(":")[0] for d in range(10) for _ in range(8)}
    assert sources <= {"train", "train-mnist"} and "train-mnist" in sources and "train" in sources


def test_the_cache_is_built_once_and_rebuilt_for_another_mnist(tmp_path, small_mnist_npz, mnist_path):
    x, y, path = np_mod.cached_number_parts(tmp_path, 4, seed=3, mnist_path=str(small_mnist_npz))
    assert path.is_file() and len(x) == len(y) and not list(tmp_path.glob("*.tmp*"))
    stamp = path.stat().st_mtime_ns
    x2, y2, _ = np_mod.cached_number_parts(tmp_path, 4, seed=3, mnist_path=str(small_mnist_npz))
    assert path.stat().st_mtime_ns == stamp and np.array_equal(x, x2) and np.array_equal(y, y2)
    x_full, _, _ = np_mod.cached_number_parts(tmp_path, 4, seed=3, mnist_path=str(mnist_path))
    assert path.stat().st_mtime_ns != stamp, "made from another MNIST file: built again"
    path.write_bytes(b"not an npz")
    x3, _, _ = np_mod.cached_number_parts(tmp_path, 4, seed=3, mnist_path=str(mnist_path))
    assert np.array_equal(x3, x_full), "an unreadable cache is built again"
    with np.load(path) as f:
        assert np.array_equal(f["x"], x_full)


def test_a_part_counts_as_its_digit_only_when_it_lies_on_it():
    digit = (100.0, 50.0, 160.0, 150.0)
    assert np_mod._aligned((102, 52, 158, 149), digit)
    assert not np_mod._aligned((100, 50, 230, 150), digit), "two digits merged into one part"
    assert not np_mod._aligned((100, 50, 125, 150), digit), "half of a digit cut off"
    assert not np_mod._aligned((90, 120, 170, 160), digit), "a shadow's wedge along the bottom"


def test_digit_boxes_follow_the_strokes_as_drawn():
    digits = [[np.zeros((2, 2))], [np.zeros((2, 2)), np.zeros((2, 2))]]
    drawn = [np.array([[0, 0], [10, 20]]), np.array([[30, 0], [40, 20]]), np.array([[35, 5], [50, 10]]), 4.0]
    assert np_mod._digit_boxes(digits, drawn) == [(-2.0, -2.0, 12.0, 22.0), (28.0, -2.0, 52.0, 22.0)]
    assert np_mod._digit_boxes(digits, drawn[1:]) is None
