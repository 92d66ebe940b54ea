"""MNIST **test** digits (never the training split) as pen strokes.

Loads the test split, traces a digit into polylines and rejects traces that may no longer
read as their label: lost or extra loops, too many loose ends, filled holes, and a list of
test digits judged illegible by eye.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Union

import cv2
import numpy as np

from ..storage.paths import REPO_ROOT, mnist_path_from_env
from .strokes import StrokeShape, Strokes, count_holes, is_closed, path_length, strokes_from_mask, zhang_suen_thin

__all__ = ["MnistSource", "load_mnist_test", "mnist_shape", "resolve_mnist"]

#: Where MNIST test images come from: (images, labels), a path to an ``.npz``, None or True
#: to look the file up, False for none.
MnistSource = Union[tuple[np.ndarray, np.ndarray], str, os.PathLike, bool, None]


#: Loops a reader expects in each digit (min, max); 2 and 4 may or may not have one,
#: an 8 needs both: one left open often thins to a 6, 9 or an S-like scribble.
_LOOPS = {0: (1, 1), 1: (0, 0), 2: (0, 1), 3: (0, 0), 4: (0, 1), 5: (0, 0), 6: (1, 1), 7: (0, 0), 8: (2, 2), 9: (1, 1)}


def _mnist_strokes(img28: np.ndarray, label: int | None = None) -> Strokes | None:
    """Pen trajectories of a 28x28 MNIST digit, or None when the trace is not faithful.

    Thick MNIST strokes often fill small loops; a higher threshold is tried before giving
    up, and a trace whose loops do not match the label (an 8 whose top loop closed up
    thins to a '7'-like stroke) is rejected, as is a blob whose shape thinning cannot
    recover. This checks legibility only; no classifier is involved.
    """
    up = cv2.resize(img28, (112, 112), interpolation=cv2.INTER_CUBIC)
    for thr in (110, 170):
        strokes = _trace_mnist_mask(up > thr, label)
        if strokes is not None:
            return strokes
    return None


def _trace_mnist_mask(mask: np.ndarray, label: int | None) -> Strokes | None:
    if mask.sum() < 40:
        return None
    n_lab, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if n_lab > 2:  # keep only components that matter (drop dust)
        sizes = np.bincount(lab.ravel())[1:]
        keep = 1 + np.nonzero(sizes >= 0.15 * sizes.max())[0]
        mask = np.isin(lab, keep)
        # A 5's bar, a 4's or 7's second stroke may stand apart; any other split is a
        # broken pen line that would read as two symbols ('1o' for a 6).
        if len(keep) > 1 and label not in (4, 5, 7, None):
            return None
    ys = np.nonzero(mask)[0]
    height = float(ys.max() - ys.min() + 1)
    strokes = strokes_from_mask(mask, prune_frac=0.1, smooth_frac=0.04)
    if not strokes:
        return None
    # Fidelity check: redrawn at the original's mean stroke width, the trace must cover
    # the original and keep its holes, else the digit's identity may have changed.
    skel_len = sum(path_length(s) for s in strokes)
    mean_width = mask.sum() / max(skel_len, 1.0)
    if mean_width > 0.25 * height and label != 1:
        return None
    # A loop filled with ink is locally much thicker than the pen; its centre line is
    # not what the writer drew.
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    skel = zhang_suen_thin(mask)
    if skel.any() and dist.max() > 2.2 * float(np.median(dist[skel])):
        return None
    width = max(2, int(round(mean_width)))

    def redraw(w: int) -> np.ndarray:
        out = np.zeros(mask.shape, np.uint8)
        for s in strokes:
            cv2.polylines(out, [np.round(s * 16).astype(np.int32)], False, 1, w, cv2.LINE_8, 4)
        return out.astype(bool)

    wide = redraw(width)
    iou = (wide & mask).sum() / max(1, (wide | mask).sum())
    if iou < 0.6 or count_holes(wide) != count_holes(mask):
        return None
    if label is not None:
        lo, hi = _LOOPS[int(label)]
        if not lo <= count_holes(redraw(3), min_area=(0.1 * height) ** 2) <= hi:
            return None
        if _free_ends(strokes, 0.06 * height) > _MAX_ENDS[int(label)]:
            return None  # scribble-like: more loose ends than any way of writing it
    return strokes


#: Most loose stroke ends a normally written digit has (1 with flag and base: 3; a 7
#: with a crossbar or a 4 in two strokes: 4; a 5 with a separate bar: 4).
_MAX_ENDS = {0: 2, 1: 3, 2: 2, 3: 3, 4: 4, 5: 4, 6: 2, 7: 4, 8: 2, 9: 2}


def _free_ends(strokes: Sequence[np.ndarray], tol: float) -> int:
    """Stroke end points that touch no other part of the drawing."""
    n = 0
    for i, s in enumerate(strokes):
        if is_closed(s, tol):
            continue
        for end, body in ((s[0], s[int(len(s) * 0.1) + 2 :]), (s[-1], s[: -int(len(s) * 0.1) - 2])):
            others = [o for j, o in enumerate(strokes) if j != i] + ([body] if len(body) else [])
            if not others or min(float(np.min(np.hypot(*(o - end).T))) for o in others) > tol:
                n += 1
    return n


def _default_mnist_path() -> Path | None:
    env = mnist_path_from_env()
    if env is not None:
        return env
    p = REPO_ROOT.parent / "shared" / "datasets" / "mnist.npz"
    return p if p.exists() else None


def load_mnist_test(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """MNIST **test** images and labels from an ``.npz`` (env DIGITCORE_MNIST by default).

    Returns None when no file is found: the sets then use only Hershey and templates.
    """
    p = Path(path) if path is not None else _default_mnist_path()
    if p is None or not p.exists():
        return None
    return _load_mnist_test_cached(str(p.resolve()), p.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load_mnist_test_cached(path: str, mtime_ns: int) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as z:
        x, y = np.asarray(z["x_test"], np.uint8), np.asarray(z["y_test"]).astype(np.int64)
    x.setflags(write=False)  # shared between callers through the cache
    y.setflags(write=False)
    return x, y


def resolve_mnist(src: MnistSource) -> tuple[np.ndarray, np.ndarray] | None:
    """(images, labels) for ``src``; None for False or when no file is found by looking it up.

    A path given explicitly must exist (FileNotFoundError otherwise).
    """
    if src is False:
        return None
    if src is None or src is True:
        return load_mnist_test()
    if isinstance(src, (str, os.PathLike)):
        out = load_mnist_test(src)
        if out is None:
            raise FileNotFoundError(f"MNIST file not found: {src}")
        return out
    images, labels = src
    return np.asarray(images, np.uint8), np.asarray(labels).astype(np.int64)


#: MNIST test digits left out because a reader would not read them as their label (a 7
#: that looks like ')', a 4 written as '14', blotted or broken scribbles). Candidates were
#: the 312 test digits a 5-NN on the training split gets wrong; each was judged by eye and
#: only these 117 dropped, so unusual but legible digits stay in. The first five were
#: found by looking at rendered sets (a 5 that thins to an 'X', a 2 like '?', a 4 like a 9).
_MNIST_TEST_EXCLUDED = frozenset((
    2414, 2447, 3511, 4360, 5120,
    33, 115, 318, 320, 321, 358, 445, 464, 495, 542, 582, 583, 646, 659, 740, 947, 1014,
    1039, 1068, 1202, 1260, 1299, 1325, 1326, 1364, 1394, 1500, 1522, 1530, 1681, 1721,
    1737, 1782, 1790, 1878, 1901, 2043, 2052, 2098, 2109, 2118, 2129, 2130, 2182, 2293,
    2387, 2406, 2422, 2454, 2462, 2488, 2597, 2654, 2771, 2927, 3005, 3073, 3369, 3475,
    3520, 3558, 3599, 3727, 3751, 3808, 3893, 3976, 4017, 4027, 4065, 4078, 4163, 4176,
    4199, 4344, 4374, 4497, 4500, 4504, 4578, 4699, 4731, 4761, 4814, 4823, 5600, 5676,
    5691, 5714, 5757, 5955, 5997, 6555, 6569, 6571, 6577, 6597, 6625, 6651, 7434, 7637,
    8059, 8095, 8279, 8325, 8408, 8416, 8527, 9613, 9634, 9642, 9664, 9686, 9729, 9839,
    9879, 9904,
))


def mnist_shape(
    mnist: tuple[np.ndarray, np.ndarray], digit: int, rng: np.random.Generator, tries: int = 12
) -> StrokeShape | None:
    """Pen strokes traced from a random MNIST test image of ``digit`` (None if none traced)."""
    images, labels = mnist
    idx = np.nonzero(labels == digit)[0]
    if len(labels) == 10000:  # the real test split: skip digits judged illegible
        idx = np.array([i for i in idx if int(i) not in _MNIST_TEST_EXCLUDED], dtype=np.int64)
    if len(idx) == 0:
        return None
    for _ in range(tries):
        i = int(idx[rng.integers(len(idx))])
        strokes = _mnist_strokes(images[i], digit)
        if strokes:
            return StrokeShape(int(digit), tuple(strokes), f"mnist:{i}")
    return None
