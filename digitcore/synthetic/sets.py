"""Realistic, non-MNIST-looking digit test sets for honest held-out benchmarks.

Three kinds of image are produced, each mimicking one way the app receives digits:

* ``canvas``: 280x280 RGBA as streamlit-drawable-canvas returns it (round-cap freedraw
  brush 8-35 px; white on opaque black, or dark strokes on a fully transparent
  background), digit 80-260 px tall anywhere on the canvas, sometimes wobbly;
* ``scan``: a scanned or cropped handwritten digit, 100-400 px: blue/black/grey ink on
  white or off-white paper, hairline to bold pens, tight or wide margins, blur, scanner
  noise, ruled lines, specks, JPEG 60-95, sometimes greyscale;
* ``photo``: a phone photo of a digit on paper, 1000-3000 px: tinted textured paper,
  uneven light, a soft shadow, slight perspective, digit 8-40 % of the height off
  centre (a quarter are close-ups, 40-65 %), notebook lines or squares now and then,
  blur, sensor noise, JPEG 50-90.

Digit *shapes* are pen trajectories (lists of polylines) from three sources, so that the
sets are not MNIST in disguise:

* ``mnist``: MNIST **test** digits (never the training split), thinned (Zhang-Suen),
  traced into polylines, smoothed and redrawn with a new pen: other writers' strokes;
* ``hershey``: Hershey stroke-font digits (simplex, duplex, complex, triplex, script and
  italic cuts), thinned to one centre line;
* ``template``: hand-made stroke templates of styles MNIST under-represents (crossed 7,
  1 with a long flag or a base, open 4, looped 2, flat-topped 3, ...).

Every shape gets a random affine + elastic distortion; scans and photos also get a pen
whose width varies (pressure, broad nib). Legibility is guarded rather than assumed:
MNIST traces that lose a loop or gain loose ends are skipped, as are 122 MNIST test
digits judged illegible by eye; a 1 whose flag the distortion flattened into a 7's bar is
redrawn; a pen so wide it would fill a loop is narrowed. Deterministic for a given seed;
numpy and OpenCV only.

Shapes come from ``mnist_source``, ``hershey`` and ``templates`` (all ``strokes.StrokeShape``);
``distort`` and ``renderers`` draw them; this module picks and seeds them and writes sets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..storage.atomic import atomic_write_bytes
from .hershey import fonts_for_digit, hershey_shape
from .mnist_source import MnistSource, mnist_shape, resolve_mnist
from .renderers import render_canvas_full, render_photo_full, render_scan_full
from .strokes import StrokeShape
from .templates import template_shape

__all__ = [
    "EXTRA_KINDS",
    "KINDS",
    "SET_VERSION",
    "SOURCE_MIX",
    "SOURCE_MIX_NO_MNIST",
    "Sample",
    "iter_samples",
    "make_samples",
    "make_set",
    "random_shape",
    "save_set",
]

KINDS: tuple[str, ...] = ("scan", "canvas", "photo")
#: Extra kinds, not in the default benchmark: photos with a hard or soft shadow across the page.
EXTRA_KINDS: tuple[str, ...] = ("photo_shadow",)

#: Bumped whenever a change alters the images a seed gives: accuracies measured on
#: different versions are not comparable.
SET_VERSION = 1
_KIND_CODES = {"scan": 11, "canvas": 22, "photo": 33, "photo_shadow": 77}

#: Share of each shape source in a set (MNIST available / not available).
SOURCE_MIX = {"mnist": 0.4, "hershey": 0.3, "template": 0.3}
SOURCE_MIX_NO_MNIST = {"mnist": 0.0, "hershey": 0.5, "template": 0.5}


@dataclass
class Sample:
    """One rendered test image with what is known about it.

    ``bbox`` is (x0, y0, x1, y1) of the ink in image pixels; ``encoded`` holds the exact
    file bytes (PNG for canvas, the JPEG whose decoding is ``image`` for scans/photos).
    """

    image: np.ndarray
    label: int
    kind: str
    source: str
    bbox: tuple[int, int, int, int]
    encoded: bytes
    ext: str


def random_shape(
    digit: int,
    rng: np.random.Generator,
    source: str | None = None,
    mnist: tuple[np.ndarray, np.ndarray] | None = None,
) -> StrokeShape:
    """A digit shape from ``source`` ("mnist", "hershey", "template"; random if None)."""
    if source is None:
        source = str(rng.choice(["mnist", "hershey", "template"] if mnist is not None else ["hershey", "template"]))
    if source == "mnist" and mnist is not None:
        shape = mnist_shape(mnist, digit, rng)
        if shape is not None:
            return shape
        source = "template"
    if source == "hershey":
        fonts = fonts_for_digit(digit)
        return hershey_shape(fonts[int(rng.integers(len(fonts)))], digit)
    return template_shape(digit, rng)


def _encode_png_rgba(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
    if not ok:  # pragma: no cover
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def iter_samples(kind: str, n: int, seed: int, mnist_test_images: MnistSource = None) -> Iterator[Sample]:
    """Yield ``n`` rendered samples of ``kind`` one at a time (photos are large: this keeps
    one in memory). Labels are balanced (counts differ by at most one).

    ``mnist_test_images``: (images, labels) of the MNIST test split, a path to an ``.npz``,
    None to look it up (env DIGITCORE_MNIST, then ``../shared/datasets/mnist.npz``), or
    False for Hershey + templates only. Output depends only on the arguments.
    """
    labels, sources, children, mnist = _plan(kind, n, seed, mnist_test_images)
    for label, source, child in zip(labels, sources, children):
        yield _render(kind, int(label), str(source), child, mnist)


def sample_at(kind: str, n: int, seed: int, index: int, mnist_test_images: MnistSource = None) -> Sample:
    """Sample ``index`` of :func:`iter_samples` (same arguments), rendered alone."""
    labels, sources, children, mnist = _plan(kind, n, seed, mnist_test_images)
    if not 0 <= index < n:
        raise ValueError(f"index must be in 0..{n - 1}")
    return _render(kind, int(labels[index]), str(sources[index]), children[index], mnist)


def _plan(kind: str, n: int, seed: int, mnist_test_images: MnistSource):
    """Labels, shape sources and one seed per sample: all a set's randomness but the drawing."""
    if kind not in _KIND_CODES:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS + EXTRA_KINDS)}")
    if n < 0:
        raise ValueError("n must be >= 0")
    mnist = resolve_mnist(mnist_test_images)
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _KIND_CODES[kind]])
    rng = np.random.default_rng(ss)
    labels = rng.permutation(np.arange(n) % 10)
    mix = SOURCE_MIX if mnist is not None else SOURCE_MIX_NO_MNIST
    counts = {k: int(round(v * n)) for k, v in mix.items()}
    counts["template"] = n - counts["mnist"] - counts["hershey"]
    sources = rng.permutation(sum(([k] * c for k, c in counts.items()), []))
    return labels, sources, ss.spawn(n), mnist


def _render(kind: str, label: int, source: str, child: np.random.SeedSequence, mnist) -> Sample:
    r = np.random.default_rng(child)
    shape = random_shape(label, r, source, mnist)
    if kind == "canvas":
        img, bbox = render_canvas_full(shape, r)
        data, ext = _encode_png_rgba(img), "png"
    elif kind == "scan":
        img, bbox, data = render_scan_full(shape, r)
        ext = "jpg"
    else:
        img, bbox, data = render_photo_full(shape, r, shadow="any" if kind == "photo_shadow" else None)
        ext = "jpg"
    return Sample(img, label, kind, shape.source, bbox, data, ext)


def make_samples(kind: str, n: int, seed: int, mnist_test_images: MnistSource = None) -> list[Sample]:
    """``n`` rendered samples of ``kind`` with metadata (see :func:`iter_samples`)."""
    return list(iter_samples(kind, n, seed, mnist_test_images))


def make_set(kind: str, n: int, seed: int, mnist_test_images: MnistSource = None) -> list[tuple[np.ndarray, int]]:
    """``n`` (image, label) pairs of ``kind`` ("scan", "canvas", "photo"); see make_samples."""
    return [(s.image, s.label) for s in iter_samples(kind, n, seed, mnist_test_images)]


def save_set(
    kind: str, n: int, seed: int, out_dir: str | os.PathLike, mnist_test_images: MnistSource = None
) -> list[Path]:
    """Write a set as ``<label>-<nnnn>.png`` (canvas, RGBA) or ``.jpg`` files; returns paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, s in enumerate(iter_samples(kind, n, seed, mnist_test_images)):
        p = out / f"{s.label}-{i:04d}.{s.ext}"
        atomic_write_bytes(p, s.encoded)
        os.chmod(p, 0o644)  # the temporary file was private; these are meant to be looked at
        paths.append(p)
    return paths
