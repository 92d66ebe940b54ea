"""The generated training data (digit styles MNIST lacks + not-a-digit examples) and USPS in MNIST form."""

from __future__ import annotations

import numpy as np
import pytest

from digitcore.training.generated import builder
from digitcore.training.generated.digit_styles import STYLES, digit_strokes
from digitcore.training.generated.negatives import KINDS, negative_strokes
from digitcore.training.generated.usps import load_usps, to_mnist_form


@pytest.fixture(scope="module")
def small_set():
    return builder.build_extra(seed=11, n_digits=40, n_negatives=30)


def test_same_seed_same_images_and_the_worker_count_does_not_matter(small_set):
    again = builder.build_extra(seed=11, n_digits=40, n_negatives=30, workers=2, chunk=9)
    assert np.array_equal(small_set.x, again.x) and np.array_equal(small_set.y, again.y)
    assert list(small_set.styles) == list(again.styles)
    other = builder.build_extra(seed=12, n_digits=40, n_negatives=30)
    assert not np.array_equal(other.x[:10], small_set.x[:10])


def test_shapes_labels_and_mnist_form(small_set):
    x, y = small_set.x, small_set.y
    assert x.dtype == np.uint8 and x.shape[1:] == (28, 28) and len(x) == len(y) == len(small_set.styles)
    assert len(y) >= 0.9 * 70, "preprocessing finds a digit in nearly every generated drawing"
    assert set(np.unique(y[y < 10])) == set(range(10)), "every digit is generated"
    assert (y == builder.NOT_A_DIGIT).sum() >= 25, "the not-a-digit class is not empty"
    # As MNIST: ink peaks at full white and the ink's box has a longer side of about 20 px.
    assert (x.reshape(len(x), -1).max(1) == 255).all()
    sides = []
    for img in x:
        ys, xs = np.nonzero(img > 25)
        sides.append(max(np.ptp(ys), np.ptp(xs)) + 1)
    assert np.mean([18 <= s <= 22 for s in sides]) >= 0.9, sides
    for label, style in zip(y, small_set.styles):
        assert style.startswith("neg:") == (label == 10) and style.rsplit("/", 1)[1] in builder.RENDER_MIX


def test_digit_labels_follow_the_style_and_every_style_is_drawable():
    for digit, styles in STYLES.items():
        for i, (name, make) in enumerate(styles):
            strokes = make(np.random.default_rng(i))
            assert strokes and all(np.asarray(s).ndim == 2 and np.asarray(s).shape[1] == 2 for s in strokes), name
    names = {digit_strokes(9, np.random.default_rng(s))[0] for s in range(60)}
    assert {"g_tail", "curved", "straight"} <= names
    assert {"long_upstroke", "flag_base"} <= {digit_strokes(1, np.random.default_rng(s))[0] for s in range(60)}


def test_negatives_leave_out_what_is_a_digit():
    kinds = set(KINDS)
    for digit_like in ("letter_O", "letter_I", "letter_S", "letter_Z", "letter_l", "circle", "ellipse", "vline"):
        assert digit_like not in kinds
    seen = {negative_strokes(np.random.default_rng(s))[0] for s in range(400)}
    assert {"hline", "dot", "square", "cross", "letter_A", "smiley", "star", "house", "heart", "grid"} <= seen
    for s in range(200):  # no negative is a lone, near-vertical stroke (that would be a 1)
        name, strokes = negative_strokes(np.random.default_rng(s))
        if len(strokes) == 1:
            w, h = np.ptp(np.vstack(strokes), axis=0)
            assert not (h > 0 and w < 0.25 * h and name not in ("letter_L",)), name


def test_cache_round_trip_and_a_bigger_build_reuses_a_smaller_one(tmp_path):
    small, p1 = builder.cached_extra(5, 12, 8, folder=tmp_path)
    assert p1.name == f"extra_train_v{builder.GENERATOR_VERSION}_seed5_12d_8n.npz" and p1.is_file()
    again, _ = builder.cached_extra(5, 12, 8, folder=tmp_path)
    assert np.array_equal(again.x, small.x) and np.array_equal(again.ids, small.ids)
    big, _ = builder.cached_extra(5, 20, 10, folder=tmp_path)
    fresh = builder.build_extra(5, 20, 10)
    assert np.array_equal(big.x, fresh.x) and np.array_equal(big.y, fresh.y)
    assert builder.cache_path(7).name == f"extra_train_v{builder.GENERATOR_VERSION}_seed7.npz"


def test_a_damaged_cache_is_rebuilt(tmp_path):
    path = builder.cache_path(3, 6, 4, tmp_path)
    path.write_bytes(b"not an npz")
    extra, _ = builder.cached_extra(3, 6, 4, folder=tmp_path)
    assert len(extra.y) > 0 and builder.load_extra(path).n_digits == 6


def test_generation_reports_progress():
    seen = []
    builder.build_extra(2, 10, 5, progress=lambda d, t: seen.append((d, t)), chunk=4)
    assert seen[0] == (0, 15) and seen[-1] == (15, 15)


def test_usps_in_mnist_form():
    usps = load_usps()
    assert usps.x_train.shape == (7291, 28, 28) and usps.x_test.shape == (2007, 28, 28)
    assert len(usps.sha256) == 64 and set(np.unique(usps.y_train)) == set(range(10))
    # MNIST's framing: the mean ink is close to MNIST's 33.3 and the border is (nearly) empty.
    assert 25 < usps.x_train.mean() < 42
    assert usps.x_train[:, :3].mean() < 1.0 and usps.x_train[:, :, -3:].mean() < 1.0
    box = np.zeros((1, 16, 16), np.uint8)
    box[0, 2:14, 6:10] = 255
    out = to_mnist_form(box)[0]
    ys, xs = np.nonzero(out > 128)
    assert np.ptp(ys) + 1 == 20 and abs(ys.mean() - 14) <= 1 and abs(xs.mean() - 14) <= 1


def test_usps_missing_is_a_clear_error(tmp_path):
    from digitcore.storage.datasets import DataError

    with pytest.raises(DataError, match="USPS file not found"):
        load_usps(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, x_train=np.zeros((3, 16, 16)))
    with pytest.raises(DataError, match="not a USPS"):
        load_usps(bad)


def test_montage_shows_digits_and_negatives(tmp_path):
    from digitcore.training.generated.viewing import training_montage, write_montage

    img = training_montage(4, n=12)
    assert img.ndim == 3 and img.shape[2] == 3 and img.shape[0] > 72
    write_montage(tmp_path / "m.png", 4, n=12)
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


def test_rough_canvas_drawings_are_small_thick_and_slanted():
    from digitcore.synthetic.strokes import StrokeShape
    from digitcore.training.generated.rough_canvas import render_rough_canvas, slant

    stem = StrokeShape(1, (np.array([[0.0, 0.0], [0.0, 1.0]]),), "train:stick")
    leans = [slant(stem, np.random.default_rng(s), max_turn_deg=0.0).strokes[0] for s in range(40)]
    dx = [float(p[1, 0] - p[0, 0]) for p in leans]
    assert min(dx) < -0.2 and max(dx) > 0.2, "italic both ways"
    heights, pens = [], []
    for s in range(30):
        img = render_rough_canvas(stem, np.random.default_rng(s))
        assert img.shape == (280, 280, 4) and img.dtype == np.uint8
        ink = (img[..., 3] > 127) & ((img[..., 3] < 255) | (img[..., :3].max(-1) > 127))
        ys, xs = np.nonzero(ink)
        heights.append(np.ptp(ys) + 1)
        pens.append(ink.sum(1).max())  # widest row of a near-vertical stroke ~ the pen
    assert np.median(heights) < 110 and min(heights) < 60, heights
    assert np.median(np.array(pens) / np.array(heights)) > 0.15, "a marker for the drawing's size"
    kinds = {builder.make_sample(3, 1, i)[2].rsplit("/", 1)[1] for i in range(60)}
    assert "rough_canvas" in kinds and "canvas" in kinds


def test_open_arcs_and_clouds_are_no_1_and_no_0():
    from digitcore.training.generated.negatives import KINDS as NEG

    for s in range(60):
        (arc,) = NEG["open_arc"](np.random.default_rng(s))
        w, h = np.ptp(arc, axis=0)
        assert w > 0.6 * h  # a narrow arc is a curved 1
        (cloud,) = NEG["cloud"](np.random.default_rng(s))
        r = np.hypot((cloud[:, 0] - 0.5) / 1.2, cloud[:, 1] - 0.5)
        assert r.max() - r.min() >= 0.1  # bumps, not a plain ring (that is a 0)
