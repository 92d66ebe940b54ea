"""The generated part of the extra training data: digits in styles MNIST lacks and non-digits,
rendered as canvas drawings, scans and photos and put through the app's own
:func:`digitcore.imaging.preprocess.preprocess`, so the model trains on inputs exactly as the
app will hand them over. Built once per seed into a cache file; deterministic per seed.

Seeds are drawn as ``SeedSequence([seed, stream, index])`` (stream 1 digits, 2 non-digits), a
scheme of its own: the test sets in ``digitcore.synthetic.sets`` use other sequences, other
shapes and no negatives.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...imaging.preprocess import preprocess
from ...storage.atomic import atomic_write_with
from ...storage.paths import REPO_ROOT
from ...synthetic.raster import ink_colour, jpeg_round_trip
from ...synthetic.renderers import render_canvas, render_photo, render_scan
from ...synthetic.strokes import StrokeShape
from .digit_styles import digit_strokes
from .negatives import negative_strokes
from .rough_canvas import render_rough_canvas

#: Bumped whenever a change alters what a seed generates (the cache name carries it).
GENERATOR_VERSION = 4
NOT_A_DIGIT = 10
DEFAULT_SEED = 20261201
DEFAULT_DIGITS = 12000
DEFAULT_NEGATIVES = 12000
#: How each sample is rendered: canvas drawing, rough canvas drawing (small, slanted, marker pen),
#: scan, phone photo (photos cost the most time).
RENDER_MIX = {"canvas": 0.4, "rough_canvas": 0.2, "scan": 0.28, "photo": 0.12}
#: Non-digits that turned far would be a 1: they stay nearly level on rough drawings.
_KEEP_LEVEL = ("hline", "diagonal", "equals")
_STREAM_DIGITS, _STREAM_NEGATIVES = 1, 2
ID_STRIDE = 1_000_000_000

Progress = Callable[[int, int], None]


@dataclass
class ExtraSet:
    """Generated training images (N, 28, 28) uint8 in MNIST form, labels 0-9 and 10 = not a digit."""

    x: np.ndarray
    y: np.ndarray
    styles: np.ndarray  # e.g. "4:cursive/scan", "neg:letter_A/canvas"
    ids: np.ndarray  # stream * ID_STRIDE + index of each sample (which draw it was)
    seed: int
    n_digits: int
    n_negatives: int
    version: int = GENERATOR_VERSION


def _kind(rng: np.random.Generator) -> str:
    names = list(RENDER_MIX)
    return names[int(rng.choice(len(names), p=list(RENDER_MIX.values())))]


def _render_dot(rng: np.random.Generator, kind: str) -> np.ndarray:
    """A single dot (a pen tapped once): the renderers would stretch it to a full-height shape."""
    if kind in ("canvas", "rough_canvas"):
        img = np.zeros((280, 280, 4), np.uint8)
        c = (int(rng.integers(40, 240)), int(rng.integers(40, 240)))
        rad = int(rng.integers(4, 18))
        if rng.random() < 0.55:
            img[..., 3] = 255
            cv2.circle(img, c, rad, (255, 255, 255, 255), -1, cv2.LINE_AA)
        else:
            cv2.circle(img, c, rad, (0, 0, 0, 255), -1, cv2.LINE_AA)
        return img
    size = int(rng.integers(100, 300))
    paper = float(rng.uniform(215, 255))
    img = np.full((size, size, 3), paper, np.float32)
    ink = ink_colour(rng)
    c = (int(rng.integers(20, size - 20)), int(rng.integers(20, size - 20)))
    cv2.circle(img, c, int(rng.integers(3, max(4, size // 12))), ink.tolist(), -1, cv2.LINE_AA)
    img += rng.normal(0, rng.uniform(1, 4), img.shape).astype(np.float32)
    return jpeg_round_trip(np.clip(img, 0, 255).astype(np.uint8), int(rng.integers(60, 95)))[0]


def _render(strokes: list[np.ndarray], label: int, style: str, kind: str, rng: np.random.Generator) -> np.ndarray:
    shape = StrokeShape(label if label < 10 else -1, tuple(strokes), f"train:{style}")
    if kind == "canvas":
        return render_canvas(shape, rng)[0]
    if kind == "rough_canvas":
        return render_rough_canvas(shape, rng, turn_deg=4.0 if style in _KEEP_LEVEL else 12.0)
    if kind == "scan":
        return render_scan(shape, rng)[0]
    return render_photo(shape, rng)[0]


def make_sample(seed: int, stream: int, index: int) -> tuple[np.ndarray | None, int, str]:
    """One generated sample: (28x28 uint8 or None when preprocessing found no digit, label, style)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, stream, index]))
    kind = _kind(rng)
    if stream == _STREAM_DIGITS:
        label = index % 10
        name, strokes = digit_strokes(label, rng)
        style = f"{label}:{name}"
    else:
        label = NOT_A_DIGIT
        name, strokes = negative_strokes(rng)
        style = f"neg:{name}"
    img = _render_dot(rng, kind) if name == "dot" else _render(strokes, label, name, kind, rng)
    pre = preprocess(img, keep_steps=False)
    if not pre.has_ink or pre.digit28 is None:
        return None, label, f"{style}/{kind}"
    return np.round(pre.digit28 * 255).astype(np.uint8), label, f"{style}/{kind}"


Chunk = tuple[np.ndarray, np.ndarray, list[str], np.ndarray]


def _chunk(args: tuple[int, int, int, int]) -> Chunk:
    seed, stream, start, stop = args
    xs, ys, styles, ids = [], [], [], []
    for i in range(start, stop):
        x, y, s = make_sample(seed, stream, i)
        if x is not None:
            xs.append(x)
            ys.append(y)
            styles.append(s)
            ids.append(stream * ID_STRIDE + i)
    return ((np.stack(xs) if xs else np.zeros((0, 28, 28), np.uint8)), np.array(ys, np.uint8), styles,
            np.array(ids, np.int64))


def _from_prefix(prefix: ExtraSet, stream: int, start: int, stop: int) -> Chunk:
    """The samples ``start..stop`` of ``stream`` taken from an earlier, smaller build of the same seed."""
    m = (prefix.ids >= stream * ID_STRIDE + start) & (prefix.ids < stream * ID_STRIDE + stop)
    return prefix.x[m], prefix.y[m], list(prefix.styles[m]), prefix.ids[m]


def build_extra(seed: int = DEFAULT_SEED, n_digits: int = DEFAULT_DIGITS, n_negatives: int = DEFAULT_NEGATIVES,
                *, progress: Progress | None = None, workers: int = 1, chunk: int = 200,
                prefix: ExtraSet | None = None) -> ExtraSet:
    """Generate ``n_digits`` digits (balanced) and ``n_negatives`` non-digits; the same seed gives the same set.

    Samples in which preprocessing finds no digit (as the app would) are left out. ``workers`` > 1
    spreads the work over processes; the result does not depend on it. Each sample depends only
    on (seed, stream, index), so a smaller earlier build of the same seed (``prefix``) supplies
    its samples instead of drawing them again.
    """
    if n_digits < 0 or n_negatives < 0:
        raise ValueError("The numbers of generated digits and non-digits must be >= 0.")
    if prefix is not None and (prefix.seed, prefix.version) != (seed, GENERATOR_VERSION):
        prefix = None
    reuse = {_STREAM_DIGITS: min(n_digits, prefix.n_digits) if prefix else 0,
             _STREAM_NEGATIVES: min(n_negatives, prefix.n_negatives) if prefix else 0}
    jobs = []
    for stream, n in ((_STREAM_DIGITS, n_digits), (_STREAM_NEGATIVES, n_negatives)):
        jobs += [(seed, stream, a, min(a + chunk, n)) for a in range(reuse[stream], n, chunk)]
    total = n_digits + n_negatives
    done = sum(reuse.values())
    results = [_from_prefix(prefix, st, 0, n) for st, n in reuse.items() if n] if prefix else []
    if progress:
        progress(0, total)
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers) as pool:  # spawn: safe beside TensorFlow's threads
            for (s, _, a, b), res in zip(jobs, pool.imap(_chunk, jobs)):
                results.append(res)
                done += b - a
                if progress:
                    progress(done, total)
    else:
        for job in jobs:
            results.append(_chunk(job))
            done += job[3] - job[2]
            if progress:
                progress(done, total)
    x = np.concatenate([r[0] for r in results]) if results else np.zeros((0, 28, 28), np.uint8)
    y = np.concatenate([r[1] for r in results]) if results else np.zeros((0,), np.uint8)
    styles = np.array(sum((r[2] for r in results), []), dtype=str)
    ids = np.concatenate([r[3] for r in results]) if results else np.zeros((0,), np.int64)
    order = np.argsort(ids, kind="stable")  # the same order however the work was split
    return ExtraSet(x[order], y[order], styles[order], ids[order], int(seed), int(n_digits), int(n_negatives))


def cache_dir() -> Path:
    """``data/cache/`` in the project (git-ignored)."""
    return REPO_ROOT / "data" / "cache"


def cache_path(seed: int = DEFAULT_SEED, n_digits: int = DEFAULT_DIGITS, n_negatives: int = DEFAULT_NEGATIVES,
               folder: str | Path | None = None) -> Path:
    """``extra_train_v<version>_seed<seed>.npz`` (sizes added to the name when they are not the defaults)."""
    sizes = "" if (n_digits, n_negatives) == (DEFAULT_DIGITS, DEFAULT_NEGATIVES) else f"_{n_digits}d_{n_negatives}n"
    return Path(folder or cache_dir()) / f"extra_train_v{GENERATOR_VERSION}_seed{seed}{sizes}.npz"


def save_extra(extra: ExtraSet, path: str | Path) -> None:
    """Write the set atomically as an ``.npz`` (x, y, styles, meta)."""
    meta = json.dumps({"version": extra.version, "seed": extra.seed, "n_digits": extra.n_digits,
                       "n_negatives": extra.n_negatives})
    buf = io.BytesIO()
    np.savez_compressed(buf, x=extra.x, y=extra.y, styles=extra.styles, ids=extra.ids, meta=np.array(meta))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_with(path, lambda tmp: tmp.write_bytes(buf.getvalue()))


def load_extra(path: str | Path) -> ExtraSet:
    """Read a set written by :func:`save_extra` (ValueError if it is not one)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            return ExtraSet(f["x"], f["y"], f["styles"], f["ids"], int(meta["seed"]), int(meta["n_digits"]),
                            int(meta["n_negatives"]), int(meta["version"]))
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path} is not a generated training-data cache: {exc}") from None


def cached_extra(seed: int = DEFAULT_SEED, n_digits: int = DEFAULT_DIGITS, n_negatives: int = DEFAULT_NEGATIVES,
                 *, folder: str | Path | None = None, progress: Progress | None = None,
                 workers: int = 1) -> tuple[ExtraSet, Path]:
    """The cached set for these settings, generated (and cached) first when missing or stale."""
    path = cache_path(seed, n_digits, n_negatives, folder)
    if path.is_file():
        try:
            extra = load_extra(path)
            if (extra.version, extra.seed, extra.n_digits, extra.n_negatives) == (
                    GENERATOR_VERSION, seed, n_digits, n_negatives):
                return extra, path
        except ValueError:
            pass  # unreadable: generate it again
    bigger = _covering(path.parent, seed, n_digits, n_negatives)
    if bigger is not None:  # every sample depends only on its index: a bigger build holds this one
        return bigger
    extra = build_extra(seed, n_digits, n_negatives, progress=progress, workers=workers,
                        prefix=_largest_smaller(path.parent, seed, n_digits, n_negatives))
    save_extra(extra, path)
    return extra, path


def _covering(folder: Path, seed: int, n_digits: int, n_negatives: int) -> tuple[ExtraSet, Path] | None:
    """This build cut out of a bigger cached one of the same seed and version, if there is one."""
    for p in sorted(folder.glob(f"extra_train_v{GENERATOR_VERSION}_seed{seed}*.npz")):
        try:
            e = load_extra(p)
        except ValueError:
            continue
        if e.version == GENERATOR_VERSION and e.seed == seed and e.n_digits >= n_digits \
                and e.n_negatives >= n_negatives:
            keep = np.isin(e.ids // ID_STRIDE, [_STREAM_DIGITS]) & (e.ids % ID_STRIDE < n_digits)
            keep |= np.isin(e.ids // ID_STRIDE, [_STREAM_NEGATIVES]) & (e.ids % ID_STRIDE < n_negatives)
            return ExtraSet(e.x[keep], e.y[keep], e.styles[keep], e.ids[keep], seed, n_digits, n_negatives), p
    return None


def _largest_smaller(folder: Path, seed: int, n_digits: int, n_negatives: int) -> ExtraSet | None:
    """The biggest cached build of this seed and version that is no larger than what is asked for."""
    best = None
    for p in folder.glob(f"extra_train_v{GENERATOR_VERSION}_seed{seed}*.npz"):
        try:
            e = load_extra(p)
        except ValueError:
            continue
        if e.version == GENERATOR_VERSION and e.seed == seed and (0 < e.n_digits + e.n_negatives) \
                and e.n_digits <= n_digits and e.n_negatives <= n_negatives \
                and (best is None or e.n_digits + e.n_negatives > best.n_digits + best.n_negatives):
            best = e
    return best


def text_progress(prefix: str = "Generating training data") -> Progress:
    """A progress printer for the command line (one line, updated in place)."""
    t0 = time.time()

    def show(done: int, total: int) -> None:
        frac = done / total if total else 1.0
        eta = (time.time() - t0) / frac * (1 - frac) if frac > 0 else math.nan
        bar = "#" * int(frac * 30)
        tail = f" ~{eta:.0f}s left" if frac < 1 and eta == eta else ""
        print(f"\r{prefix}: [{bar:<30}] {done}/{total}{tail}   ", end="" if frac < 1 else "\n", flush=True)

    return show
