"""The realistic synthetic test sets: deterministic, right formats, balanced, readable files."""

from __future__ import annotations

import collections

import cv2
import numpy as np
import pytest

from digitcore.synthetic.hershey import HERSHEY_FONTS, hershey_shape
from digitcore.synthetic.mnist_source import load_mnist_test
from digitcore.synthetic.renderers import render_canvas, render_scan
from digitcore.synthetic.sets import make_samples, make_set, save_set
from digitcore.synthetic.strokes import path_length, strokes_from_mask, trace_skeleton, zhang_suen_thin
from digitcore.synthetic.templates import TEMPLATES, template_shape


def _set_fingerprint(samples):
    return [(s.label, s.source, s.image.shape, int(s.image.astype(np.int64).sum())) for s in samples]


@pytest.mark.parametrize("kind", ["canvas", "scan"])
def test_same_seed_same_images_other_seed_other_images(kind):
    a = make_samples(kind, 12, seed=7, mnist_test_images=False)
    b = make_samples(kind, 12, seed=7, mnist_test_images=False)
    c = make_samples(kind, 12, seed=8, mnist_test_images=False)
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b))
    assert [x.encoded for x in a] == [y.encoded for y in b]
    assert _set_fingerprint(a) != _set_fingerprint(c)


def test_photo_is_deterministic_too():
    a = make_set("photo", 2, seed=3, mnist_test_images=False)
    b = make_set("photo", 2, seed=3, mnist_test_images=False)
    assert all(np.array_equal(x[0], y[0]) and x[1] == y[1] for x, y in zip(a, b))


def test_canvas_images_look_like_streamlit_drawable_canvas():
    samples = make_samples("canvas", 30, seed=1, mnist_test_images=False)
    modes = set()
    for s in samples:
        img = s.image
        assert img.shape == (280, 280, 4) and img.dtype == np.uint8
        alpha = img[..., 3]
        if (alpha == 255).all():
            modes.add("opaque")
            # black background, light strokes
            assert np.median(img[..., :3]) == 0 and img[..., :3].max() >= 170
        else:
            modes.add("transparent")
            assert alpha.min() == 0 and alpha.max() == 255
            assert (img[alpha == 0][:, :3] == 0).all()  # untouched pixels are (0,0,0,0)
            assert img[alpha == 255][:, :3].max() < 160  # dark strokes
        x0, y0, x1, y1 = s.bbox
        assert 0 <= x0 < x1 <= 280 and 0 <= y0 < y1 <= 280
        assert y1 - y0 >= 40  # the digit is drawn big enough to see
    assert modes == {"opaque", "transparent"}


def test_scans_and_photos_have_the_promised_sizes_and_modes():
    scans = make_samples("scan", 30, seed=2, mnist_test_images=False)
    for s in scans:
        assert s.image.dtype == np.uint8 and s.image.ndim in (2, 3)
        if s.image.ndim == 3:
            assert s.image.shape[2] == 3
        h, w = s.image.shape[:2]
        assert 100 <= h <= 400 and 100 <= w <= 400
        # paper is light, ink is darker than paper
        assert np.median(s.image) > 180 and s.image.min() < np.median(s.image) - 40
        assert s.encoded[:2] == b"\xff\xd8" and s.ext == "jpg"
    assert any(s.image.ndim == 2 for s in scans) and any(s.image.ndim == 3 for s in scans)
    photos = make_samples("photo", 3, seed=2, mnist_test_images=False)
    for s in photos:
        h, w, c = s.image.shape
        assert c == 3 and 1000 <= max(h, w) <= 3000
        x0, y0, x1, y1 = s.bbox
        assert 0.05 * h <= y1 - y0 <= 0.75 * h  # the digit is 8-65 % of the picture height


def test_labels_are_balanced_and_all_sources_used(mnist_path):
    samples = make_samples("canvas", 50, seed=4, mnist_test_images=mnist_path)
    counts = collections.Counter(s.label for s in samples)
    assert sorted(counts) == list(range(10)) and set(counts.values()) == {5}
    sources = collections.Counter(s.source.split(":")[0] for s in samples)
    assert sources["mnist"] == 20 and sources["hershey"] == 15 and sources["template"] == 15
    labels = [lab for _, lab in make_set("scan", 23, seed=4, mnist_test_images=False)]
    assert max(collections.Counter(labels).values()) - min(collections.Counter(labels).values()) <= 1


def test_mnist_shapes_come_from_the_test_split_only(mnist_path):
    x, y = load_mnist_test(mnist_path)
    assert x.shape == (10000, 28, 28)
    samples = make_samples("scan", 20, seed=5, mnist_test_images=(x, y))
    for s in samples:
        if s.source.startswith("mnist:"):
            idx = int(s.source.split(":")[1])
            assert 0 <= idx < 10000 and y[idx] == s.label


def test_skeleton_of_a_thick_line_traces_to_one_polyline_along_it():
    img = np.zeros((80, 120), np.uint8)
    cv2.line(img, (15, 20), (100, 60), 255, 9)
    skel = zhang_suen_thin(img > 0)
    assert skel.sum() < (img > 0).sum() / 4  # one pixel wide, not a blob
    paths = trace_skeleton(skel, min_spur=5)
    assert len(paths) == 1
    p = paths[0]
    ends = sorted([tuple(p[0]), tuple(p[-1])])
    assert np.hypot(*(np.array(ends[0]) - (15, 20))) < 7
    assert np.hypot(*(np.array(ends[1]) - (100, 60))) < 7
    # every traced point lies on the line
    d = np.abs((p[:, 0] - 15) * 40 - (p[:, 1] - 20) * 85) / np.hypot(85, 40)
    assert d.max() < 2.5


def test_tracing_keeps_loops_and_crossings():
    ring = np.zeros((100, 100), np.uint8)
    cv2.circle(ring, (50, 50), 30, 255, 7)
    paths = strokes_from_mask(ring > 0)
    assert len(paths) == 1 and np.hypot(*(paths[0][0] - paths[0][-1])) < 2  # closed
    cross = np.zeros((100, 100), np.uint8)
    cv2.line(cross, (10, 50), (90, 50), 255, 7)
    cv2.line(cross, (50, 10), (50, 90), 255, 7)
    paths = strokes_from_mask(cross > 0)
    total = sum(path_length(p) for p in paths)
    assert 140 < total < 175  # both bars, no spurs


def test_every_font_and_template_gives_a_drawable_shape():
    rng = np.random.default_rng(0)
    for digit in range(10):
        for font in HERSHEY_FONTS:
            shape = hershey_shape(font, digit)
            assert shape.label == digit and shape.strokes
        for style, _ in TEMPLATES[digit]:
            shape = template_shape(digit, rng, style)
            assert all(np.isfinite(s).all() and s.shape[1] == 2 for s in shape.strokes)


def test_public_renderers_return_image_and_label():
    rng = np.random.default_rng(1)
    shape = template_shape(7, rng, "crossed")
    img, label = render_canvas(shape, rng)
    assert label == 7 and img.shape == (280, 280, 4)
    img, label = render_scan(shape, rng)
    assert label == 7 and img.dtype == np.uint8


def test_saved_files_are_readable_and_named_by_label(tmp_path):
    paths = save_set("canvas", 4, seed=1, out_dir=tmp_path / "c", mnist_test_images=False)
    paths += save_set("scan", 4, seed=1, out_dir=tmp_path / "s", mnist_test_images=False)
    expected = [lab for _, lab in make_set("canvas", 4, 1, False)] + [lab for _, lab in make_set("scan", 4, 1, False)]
    assert [int(p.name.split("-")[0]) for p in paths] == expected
    for p in paths:
        img = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        assert img is not None
        if p.suffix == ".png":
            assert img.shape == (280, 280, 4)
        else:
            assert p.suffix == ".jpg" and img.ndim in (2, 3)
    assert not list(tmp_path.rglob("*.tmp*"))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        make_set("fax", 3, 1, False)
    with pytest.raises(ValueError):
        make_set("scan", -1, 1, False)


def _load_benchmark():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "realistic_accuracy.py"
    spec = importlib.util.spec_from_file_location("realistic_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _FakePrediction:
    def __init__(self, digit):
        self.digit = digit
        self.confidence = 0.5 if digit is not None else 0.0
        self.probabilities = [0.05] * 10
        self.preprocessed = None


class _AlwaysThree:
    def predict(self, image, keep_steps=False):
        assert isinstance(image, np.ndarray)
        return _FakePrediction(3)


class _NeverInk:
    def predict(self, image, keep_steps=False):
        return _FakePrediction(None)


def test_benchmark_counts_accuracy_no_ink_and_writes_failures(tmp_path):
    bench = _load_benchmark()
    r = bench.evaluate_kind(_AlwaysThree(), "canvas", 20, 1, False, tmp_path)
    assert r["n"] == 20 and r["correct"] == 2 and r["accuracy"] == pytest.approx(0.1)
    assert r["per_class"]["3"] == 1.0 and r["per_class"]["4"] == 0.0 and r["no_ink"] == 0
    assert (tmp_path / "canvas_failures.png").is_file()
    assert len(list((tmp_path / "canvas_failures").glob("*-pred3.png"))) == 18
    r = bench.evaluate_kind(_NeverInk(), "scan", 10, 1, False, None)
    assert r["no_ink"] == 10 and r["correct"] == 0
    assert r["confusions"][0][1] == "-"


def test_a_photo_can_report_its_strokes_as_drawn_without_changing_the_picture():
    from digitcore.synthetic.renderers import render_photo_full
    from digitcore.synthetic.templates import template_shape

    shape = template_shape(4, np.random.default_rng(0))
    plain = render_photo_full(shape, np.random.default_rng(5), shadow="hard")[0]
    drawn: list = []
    told = render_photo_full(shape, np.random.default_rng(5), shadow="hard", strokes_out=drawn)[0]
    assert np.array_equal(plain, told)
    *strokes, pen = drawn
    assert len(strokes) == len(shape.strokes) and pen > 0
    ink = np.vstack(strokes)
    h, w = plain.shape[:2]
    assert (ink >= 0).all() and (ink[:, 0] < w).all() and (ink[:, 1] < h).all()
    x0, y0 = np.floor(ink.min(axis=0)).astype(int)
    x1, y1 = np.ceil(ink.max(axis=0)).astype(int)
    grey = plain.mean(axis=2)
    assert grey[y0:y1 + 1, x0:x1 + 1].min() < np.median(grey) - 40, "the ink lies where the strokes say"
