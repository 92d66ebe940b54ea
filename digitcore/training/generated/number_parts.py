"""Digits as they come out of whole numbers: training inputs cut from rendered numbers.

A digit read inside a number reaches the model differently from a digit drawn alone: the
segmentation cut it out of a photo (often with a shadow across the page), a neighbour's
stroke may have been trimmed off, the ink map is the page's and not the digit's own. Here
numbers of 2-4 digits are written with **training-only** shapes (the stroke styles of
:mod:`.digit_styles` and traces of MNIST *training* digits, never the test-set sources),
rendered as phone photos (with and without shadow) and canvas drawings, and segmented exactly
as :func:`digitcore.model.number_reader.read_number` does. A number is kept only when every
part found lies on one digit and covers it (``ALIGN``, from the strokes as drawn); its parts
are labelled left to right and put through the same :func:`digitcore.imaging.preprocess.preprocess`.

Deterministic per (seed, index): ``SeedSequence([seed, 3, index])`` (the builder's streams 1 and
2 are its digits and non-digits). Cached in ``data/cache/number_parts_v<version>_seed<seed>_<n>.npz``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...imaging.canvas_strokes import as_strokes
from ...imaging.preprocess import preprocess
from ...imaging.segmentation import part_image, segment
from ...storage.atomic import atomic_write_with
from ...synthetic.mnist_source import mnist_shape
from ...synthetic.numbers import layout_number, random_number_text, render_number_canvas_strokes
from ...synthetic.renderers import render_photo_full
from ...synthetic.strokes import StrokeShape
from .digit_styles import digit_strokes

#: Bumped whenever a change alters what a seed generates (the cache name carries it).
NUMBER_PARTS_VERSION = 2
DEFAULT_SEED = 20261206
DEFAULT_NUMBERS = 4000
#: How each number is rendered (shadowed photos are where single-digit training differs most).
KIND_MIX = {"photo_shadow": 0.55, "photo": 0.25, "canvas": 0.2}
#: Share of digit shapes traced from MNIST training digits (the rest: training stroke styles).
MNIST_SHARE = 0.4
_STREAM = 3

Progress = Callable[[int, int], None]
ShapeOf = Callable[[int, np.random.Generator], StrokeShape]


def training_shape_of(mnist_train: tuple[np.ndarray, np.ndarray] | None) -> ShapeOf:
    """A digit-shape source for :func:`~digitcore.synthetic.numbers.layout_number` from training data only."""

    def shape_of(digit: int, rng: np.random.Generator) -> StrokeShape:
        if mnist_train is not None and rng.random() < MNIST_SHARE:
            shape = mnist_shape(mnist_train, digit, rng)
            if shape is not None:
                return StrokeShape(digit, shape.strokes, f"train-mnist:{shape.source}")
        name, strokes = digit_strokes(digit, rng)
        return StrokeShape(digit, tuple(strokes), f"train:{name}")

    return shape_of


def _kind(rng: np.random.Generator) -> str:
    names = list(KIND_MIX)
    return names[int(rng.choice(len(names), p=list(KIND_MIX.values())))]


#: A part is taken as its digit only when it covers this share of the digit's box and lies this
#: much inside it, across and up: a count that matches by chance (two digits merged, a third cut
#: in two, a shadow's wedge taken for ink) must not teach the model wrong labels.
ALIGN = 0.6


def _aligned(part_box: tuple[float, float, float, float], digit_box: tuple[float, float, float, float]) -> bool:
    (px0, py0, px1, py1), (dx0, dy0, dx1, dy1) = part_box, digit_box
    for a0, a1, b0, b1 in ((px0, px1, dx0, dx1), (py0, py1, dy0, dy1)):
        inter = min(a1, b1) - max(a0, b0)
        if inter < ALIGN * max(a1 - a0, 1.0) or inter < ALIGN * max(b1 - b0, 1.0):
            return False
    return True


def _digit_boxes(digits: list[list[np.ndarray]], drawn: list) -> list[tuple[float, float, float, float]] | None:
    """Each digit's ink box in photo pixels from the strokes as drawn (None if they do not match)."""
    *px, pen = drawn
    counts = [len(d) for d in digits]
    if len(px) != sum(counts):
        return None
    boxes, k = [], 0
    for n in counts:
        pts = np.vstack(px[k : k + n])
        k += n
        lo, hi = pts.min(axis=0) - pen / 2, pts.max(axis=0) + pen / 2
        boxes.append((float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])))
    return boxes


def number_parts(seed: int, index: int, mnist_train: tuple[np.ndarray, np.ndarray] | None
                 ) -> tuple[list[np.ndarray], str, str]:
    """One rendered number's parts as 28x28 uint8 inputs, its text and its kind.

    The parts are empty unless segmentation found exactly one part on each digit (see ALIGN).
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _STREAM, index]))
    kind = _kind(rng)
    text = random_number_text(rng, (2, 4))
    shape_of = training_shape_of(mnist_train)
    if kind == "canvas":
        img, boxes, strokes = render_number_canvas_strokes(text, rng, shape_of)
        seg = segment(img, as_strokes(strokes))
        digit_boxes = [tuple(map(float, b)) for b in boxes]
    else:
        digits, _ = layout_number(text, rng, shape_of=shape_of)
        shape = StrokeShape(-1, tuple(p for d in digits for p in d), "train:number")
        drawn: list = []
        img = render_photo_full(shape, rng, shadow="any" if kind == "photo_shadow" else None, strokes_out=drawn)[0]
        seg = segment(img)
        digit_boxes = _digit_boxes(digits, drawn)
    if digit_boxes is None or len(seg.parts) != len(text):
        return [], text, kind
    sx, sy = seg.scale
    out = []
    for part, digit_box in zip(seg.parts, digit_boxes):
        x, y, w, h = part.box
        if not _aligned((x * sx, y * sy, (x + w) * sx, (y + h) * sy), digit_box):
            return [], text, kind
        pre = preprocess(part_image(part, seg.ink), keep_steps=False)
        if not pre.has_ink or pre.digit28 is None:
            return [], text, kind
        out.append(np.round(pre.digit28 * 255).astype(np.uint8))
    return out, text, kind


def _chunk(args: tuple[int, int, int, str | None]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    seed, start, stop, mnist_path = args
    mnist = None
    if mnist_path:
        from ...storage.datasets import load_mnist_shared

        m = load_mnist_shared(mnist_path)
        mnist = (m.x_train, m.y_train)
    xs, ys, tags = [], [], []
    for i in range(start, stop):
        parts, text, kind = number_parts(seed, i, mnist)
        for j, x in enumerate(parts):
            xs.append(x)
            ys.append(int(text[j]))
            tags.append(f"{i}:{j}:{text}/{kind}")
    x = np.stack(xs) if xs else np.zeros((0, 28, 28), np.uint8)
    return x, np.array(ys, np.uint8), tags


def build_number_parts(n_numbers: int = DEFAULT_NUMBERS, seed: int = DEFAULT_SEED, mnist_path: str | None = None,
                       *, workers: int = 1, chunk: int = 50, progress: Progress | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, tags) of the parts of ``n_numbers`` rendered numbers; the same for any ``workers``."""
    if n_numbers < 0:
        raise ValueError("The number of rendered numbers must be >= 0.")
    jobs = [(seed, a, min(a + chunk, n_numbers), mnist_path) for a in range(0, n_numbers, chunk)]
    results = []
    if progress:
        progress(0, n_numbers)
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers) as pool:  # spawn: safe beside TensorFlow's threads
            for job, res in zip(jobs, pool.imap(_chunk, jobs)):
                results.append(res)
                if progress:
                    progress(job[2], n_numbers)
    else:
        for job in jobs:
            results.append(_chunk(job))
            if progress:
                progress(job[2], n_numbers)
    x = np.concatenate([r[0] for r in results]) if results else np.zeros((0, 28, 28), np.uint8)
    y = np.concatenate([r[1] for r in results]) if results else np.zeros((0,), np.uint8)
    tags = np.array(sum((r[2] for r in results), []), dtype=str)
    return x, y, tags


def number_parts_cache_path(folder: str | Path, n_numbers: int = DEFAULT_NUMBERS, seed: int = DEFAULT_SEED) -> Path:
    """Where the parts of ``n_numbers`` numbers of ``seed`` are cached."""
    return Path(folder) / f"number_parts_v{NUMBER_PARTS_VERSION}_seed{seed}_{n_numbers}.npz"


def cached_number_parts(folder: str | Path, n_numbers: int = DEFAULT_NUMBERS, seed: int = DEFAULT_SEED,
                        mnist_path: str | None = None, *, workers: int = 1, progress: Progress | None = None
                        ) -> tuple[np.ndarray, np.ndarray, Path]:
    """The cached parts (built and written atomically first when missing, unreadable or made from another MNIST)."""
    from ...storage.datasets import file_sha256

    path = number_parts_cache_path(folder, n_numbers, seed)
    want = {"version": NUMBER_PARTS_VERSION, "seed": seed, "numbers": n_numbers,
            "mnist_sha256": file_sha256(mnist_path) if mnist_path else None}
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as f:
                if json.loads(str(f["meta"])) == want:
                    return f["x"], f["y"], path
        except (OSError, KeyError, ValueError):
            pass  # unreadable: build it again
    x, y, tags = build_number_parts(n_numbers, seed, mnist_path, workers=workers, progress=progress)
    meta = json.dumps(want)
    buf = io.BytesIO()
    np.savez_compressed(buf, x=x, y=y, tags=tags, meta=np.array(meta))
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_with(path, lambda tmp: tmp.write_bytes(buf.getvalue()))
    return x, y, path
