"""Find the digits of a written number: candidate boxes, strokes merged into digits, split points.

Pure image work (no model): :func:`segment` reads the whole picture's ink the way
:func:`~digitcore.imaging.preprocess.preprocess` does (same polarity, background
removal, threshold and ruled-line removal), then

1. drops specks and long thin lines that are not digits,
2. merges strokes that belong to one digit: pieces that lie mostly above or below
   each other (a 5's top bar, a 4's or 7's crossbar, a broken pen line) and small
   pieces right next to a bigger one,
3. orders the digits left to right.

Digits that touch come out as one :class:`Part`; :func:`split_points` proposes
where to cut it (low columns of ink, away from the ends) and :func:`cut` makes the
two halves. With the pen strokes of a canvas drawing, each part also keeps every
stroke's ink (``pieces``) and :func:`stroke_cuts` proposes cuts between whole strokes.
Choosing among the cuts needs the classifier, so that happens in
:mod:`digitcore.model.number_reader`. :func:`part_image` renders one part as a
clean picture that ``preprocess`` turns into the model's 28x28 input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .canvas_strokes import Stroke, stroke_masks
from .greyscale import greyscale
from .image_io import normalize_array
from .ink import components, shade_like
from .joined_shade import without_joined_shade
from .preprocess import WORK_MAX_SIDE, find_ink

__all__ = ["MAX_DIGITS", "Part", "Segmentation", "cut", "cut_along", "cut_paths", "part_image", "segment",
           "split_points", "stroke_cuts", "with_pieces"]

#: Most digits a number may have; more parts than this are reported as not a number.
MAX_DIGITS = 12


@dataclass
class Part:
    """One candidate digit: a set of ink pixels at working resolution."""

    mask: np.ndarray  # uint8 0/255, the part's pixels inside ``box`` (working resolution)
    box: tuple[int, int, int, int]  # x, y, w, h in working pixels
    # The ink of each pen stroke in the part (uint8 masks inside ``box``), when the canvas sent them;
    # where strokes cross, a pixel is in both.
    pieces: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @property
    def aspect(self) -> float:
        """Width over height."""
        return self.box[2] / max(1, self.box[3])


@dataclass
class Segmentation:
    """The parts of a picture, left to right, and how to map them back to the input."""

    parts: list[Part]
    ink: np.ndarray | None  # uint8 ink map (0 = paper, 255 = full ink), working resolution
    scale: tuple[float, float]  # input pixels per working pixel (x, y)
    input_size: tuple[int, int]  # (w, h) of the input
    message: str = ""  # why there are no parts
    warnings: list[str] = field(default_factory=list)  # ink at the edge, shading

    def to_input_box(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A working-resolution box (x, y, w, h) in the input image's pixels."""
        sx, sy = self.scale
        x, y, w, h = box
        x0, y0 = math.floor(x * sx), math.floor(y * sy)
        x1 = min(self.input_size[0], math.ceil((x + w) * sx))
        y1 = min(self.input_size[1], math.ceil((y + h) * sy))
        return (x0, y0, x1 - x0, y1 - y0)


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)
    return labels, stats


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def group_strokes(mask: np.ndarray) -> list[Part]:
    """Connected pieces of ``mask`` merged into digit candidates, left to right (specks and lines dropped)."""
    h, w = mask.shape
    labels, stats = _components(mask)
    if stats.shape[0] <= 1:
        return []
    xs, ys, ws, hs, areas = (stats[1:, i].astype(np.int64) for i in range(5))
    longer = np.maximum(ws, hs)
    # The writing's height: the tallest substantial pieces (a 5's bar or a speck must not set it).
    big = areas >= 0.05 * areas.max()
    ref_h = float(np.percentile(hs[big], 75)) if big.any() else float(hs.max())
    thickness = areas / np.maximum(longer, 1)
    # A thin straight line much longer than the writing is tall: a ruled line, an edge.
    line_like = (ws >= 3 * ref_h) & (hs <= 0.25 * ref_h) & (thickness <= max(3.0, 0.15 * ref_h))
    speck = (longer < max(3.0, 0.12 * ref_h)) | (areas < max(4.0, 0.004 * ref_h * ref_h))
    keep = np.flatnonzero(~line_like & ~speck)
    if keep.size == 0:
        return []
    # Groups as index lists with their boxes; merge until stable.
    groups = [[int(i)] for i in keep[np.argsort(xs[keep])]]
    boxes = [[int(xs[i]), int(ys[i]), int(xs[i] + ws[i]), int(ys[i] + hs[i])] for (i,) in groups]
    gareas = [int(areas[i]) for (i,) in groups]
    changed = True
    while changed and len(groups) > 1:
        changed = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                ax0, ay0, ax1, ay1 = boxes[a]
                bx0, by0, bx1, by1 = boxes[b]
                aw, bw = ax1 - ax0, bx1 - bx0
                ov = _overlap(ax0, ax1, bx0, bx1)
                gap_x = max(0, max(ax0, bx0) - min(ax1, bx1))
                gap_y = max(0, max(ay0, by0) - min(ay1, by1))
                small, large = (a, b) if gareas[a] <= gareas[b] else (b, a)
                sw = boxes[small][2] - boxes[small][0]
                sh = boxes[small][3] - boxes[small][1]
                # One above the other (bar of a 5, a broken stroke): most of the narrower one's width is shared.
                stacked = ov >= 0.6 * min(aw, bw) and gap_y <= 0.6 * ref_h
                # A small piece (bar, flag, dot of a broken line) close to a bigger one.
                small_near = (
                    gareas[small] <= 0.25 * gareas[large]
                    and max(sw, sh) <= 0.6 * ref_h
                    and gap_x <= 0.08 * ref_h + 1
                    and gap_y <= 0.15 * ref_h + 1
                    and ov > 0
                )
                if stacked or small_near:
                    groups[a] += groups[b]
                    boxes[a] = [min(ax0, bx0), min(ay0, by0), max(ax1, bx1), max(ay1, by1)]
                    gareas[a] += gareas[b]
                    del groups[b], boxes[b], gareas[b]
                    changed = True
                    break
            if changed:
                break
    parts = []
    for g, (x0, y0, x1, y1) in zip(groups, boxes):
        lut = np.zeros(stats.shape[0], np.uint8)
        lut[[i + 1 for i in g]] = 255
        parts.append(Part(lut[labels[y0:y1, x0:x1]], (x0, y0, x1 - x0, y1 - y0)))
    # A piece much smaller than the writing that merged with nothing is a speck or a mark.
    heights = np.array([p.box[3] for p in parts], float)
    tall = float(np.max(heights))
    parts = [p for p in parts if p.box[3] >= 0.25 * tall or max(p.box[2], p.box[3]) >= 0.4 * tall]
    parts.sort(key=lambda p: p.box[0] + p.box[2] / 2)
    return parts


def _straightness(sub: np.ndarray) -> tuple[float, float]:
    """Length and width (px) of the thinnest rectangle around a piece's pixels, at any angle."""
    pts = cv2.findNonZero(sub.view(np.uint8) if sub.dtype == np.bool_ else sub)
    (_, _), (a, b), _ = cv2.minAreaRect(pts)
    return max(a, b), max(1.0, min(a, b))


def without_shade_marks(mask: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """A photo's ink mask without what light and shade put there, for a number's many pieces.

    A single digit is chosen among the pieces (:func:`~digitcore.imaging.ink.select_digit`);
    a number keeps every piece, so a shadow must go before the pieces are grouped:

    * a shadow's edge: a thin straight piece at any angle, far longer than the writing is
      tall (ruled lines, horizontal or vertical, are already gone);
    * a patch of shade beside darker, thinner strokes (:func:`~digitcore.imaging.ink.shade_like`),
      or joined to them (:func:`~digitcore.imaging.joined_shade.without_joined_shade`).
    """
    mask = without_joined_shade(mask, ink)
    n, labels, stats = components(mask)
    if n <= 1:
        return mask
    areas = stats[1:, 4].astype(np.float64)
    order = np.argsort(-areas)[:64]
    big = np.zeros(n - 1, bool)
    big[order] = areas[order] >= 0.02 * areas.max()
    length = np.zeros(n - 1)
    width = np.ones(n - 1)
    for i in np.flatnonzero(big):
        x, y, w, h = (int(v) for v in stats[i + 1, :4])
        length[i], width[i] = _straightness(labels[y : y + h, x : x + w] == i + 1)
    fill = areas / np.maximum(length * width, 1.0)
    elongated = big & (length >= 10 * width) & (fill >= 0.4)
    rest = big & ~elongated
    hs = stats[1:, 3].astype(np.float64)
    ref_h = float(np.percentile(hs[rest], 75)) if rest.any() else float(np.max(hs[big]))
    drop = elongated & (length >= 2.5 * ref_h)
    cand = big & ~drop
    drop |= shade_like(labels, stats, ink, cand)
    if not drop.any():
        return mask
    lut = np.full(n, 255, np.uint8)
    lut[0] = 0
    lut[1:][drop] = 0
    return lut[labels]


def split_points(part: Part, max_points: int = 14) -> list[int]:
    """Columns (relative to the part's box) where two touching digits may meet, most likely first.

    Low columns of ink (local minima of the column profile) come first; then columns
    spread evenly, since round digits that touch (00, 06) meet where the profile is high.
    All lie away from both ends, so neither half is a sliver.
    """
    m = part.mask > 0
    w, h = part.box[2], part.box[3]
    if w < max(6, 0.3 * h):
        return []
    prof = m.sum(axis=0).astype(np.float32)
    k = max(1, round(0.04 * h)) | 1
    smooth = np.convolve(prof, np.ones(k, np.float32) / k, mode="same")
    lo = max(2, round(0.18 * h))
    hi = w - lo
    if hi <= lo:
        return []
    cols = np.arange(lo, hi)
    vals = smooth[lo:hi]
    minima = [int(c) for c, v, a, b in zip(cols[1:-1], vals[1:-1], vals[:-2], vals[2:]) if v <= a and v <= b]
    minima.sort(key=lambda c: smooth[c])
    step = max(2, round(0.09 * h))
    even = list(range(lo, hi, step))
    picked: list[int] = []
    spacing = max(2, round(0.03 * h))
    for c in minima[:6] + even:
        if all(abs(c - p) >= spacing for p in picked):
            picked.append(c)
        if len(picked) >= max_points:
            break
    return picked


def cut(part: Part, col: int) -> tuple[Part, Part] | None:
    """The two halves of ``part`` cut at column ``col`` (each trimmed to its ink), or None if one is empty."""
    return cut_along(part, np.full(part.mask.shape[0], col, np.int64))


def cut_paths(part: Part, cols: list[int], band: float = 0.22) -> list[np.ndarray]:
    """For each column in ``cols``, the column per row of the top-to-bottom path near it that crosses the least ink.

    Handwritten digits that touch lean and overlap, so the line between them is rarely
    a straight column: each path may drift up to ``band`` x the part's height either
    side of its column (one column per row), paying for every ink pixel it crosses and a
    little for each sideways step, so it runs through the gap or the thinnest join.
    All paths are found together (one dynamic programme over rows).
    """
    m = (part.mask > 0).astype(np.float32)
    h, w = m.shape
    if not cols:
        return []
    b = max(1, round(band * h))
    offs = np.arange(-b, b + 1)
    c = np.asarray(cols, np.int64)[:, None] + offs[None, :]  # (K, n) columns of each band
    outside = (c < 1) | (c > w - 1)
    big = np.float32(1e9)
    # Ink costs much; drifting from the proposed column a little, so ties stay near it.
    cost = m[:, np.clip(c, 0, w - 1)] * 10.0 + (0.02 * np.abs(offs)).astype(np.float32)[None, None, :]
    cost[:, outside] = big
    step = np.float32(0.3)
    acc = np.empty_like(cost)
    acc[0] = cost[0]
    pad = np.full((len(cols), 1), big, np.float32)
    for r in range(1, h):
        prev = acc[r - 1]
        best = np.minimum(prev, np.concatenate((pad, prev[:, :-1]), axis=1) + step)
        np.minimum(best, np.concatenate((prev[:, 1:], pad), axis=1) + step, out=best)
        acc[r] = cost[r] + best
    # Walk back up: at each row take the cheapest predecessor among the three allowed.
    j = np.argmin(acc[-1], axis=1)
    k_idx = np.arange(len(cols))
    n = offs.size
    out = np.empty((len(cols), h), np.int64)
    for r in range(h - 1, -1, -1):
        out[:, r] = c[k_idx, j]
        if r == 0:
            break
        prev = acc[r - 1]
        cand = np.stack((prev[k_idx, np.maximum(j - 1, 0)] + step + np.where(j - 1 < 0, big, 0),
                         prev[k_idx, j],
                         prev[k_idx, np.minimum(j + 1, n - 1)] + step + np.where(j + 1 >= n, big, 0)))
        j = j + np.argmin(cand, axis=0) - 1
    return [out[i] for i in range(len(cols))]


def cut_along(part: Part, path: np.ndarray) -> tuple[Part, Part] | None:
    """The two halves of ``part`` on either side of ``path`` (a column per row), or None if one is empty."""
    h, w = part.mask.shape
    left_of = np.arange(w)[None, :] < np.asarray(path)[:, None]
    halves = []
    x, y = part.box[0], part.box[1]
    for keep in (left_of, ~left_of):
        sub = np.where(keep, part.mask, 0).astype(np.uint8)
        bx, by, bw, bh = cv2.boundingRect(sub)
        if bw == 0 or bh == 0:
            return None
        halves.append(Part(np.ascontiguousarray(sub[by : by + bh, bx : bx + bw]), (x + bx, y + by, bw, bh)))
    return halves[0], halves[1]


def _union(part: Part, pieces: list[np.ndarray]) -> Part | None:
    """The part of ``part`` made of ``pieces`` (trimmed to their ink), or None if they hold none."""
    m = np.zeros_like(part.mask)
    for piece in pieces:
        m |= piece
    bx, by, bw, bh = cv2.boundingRect(m)
    if bw == 0 or bh == 0:
        return None
    sub = tuple(np.ascontiguousarray(p[by : by + bh, bx : bx + bw]) for p in pieces)
    return Part(np.ascontiguousarray(m[by : by + bh, bx : bx + bw]), (part.box[0] + bx, part.box[1] + by, bw, bh), sub)


def stroke_cuts(part: Part) -> list[tuple[Part, Part]]:
    """Left and right halves made of whole pen strokes: the first k strokes by their centre's column, the rest.

    Where the strokes of two digits cross, the crossing's ink is in both halves.
    """
    if not 2 <= len(part.pieces) <= MAX_PIECES:
        return []
    cols = np.arange(part.mask.shape[1], dtype=np.float64)
    centre = [float((np.count_nonzero(p, axis=0) * cols).sum() / max(1, np.count_nonzero(p))) for p in part.pieces]
    order = [part.pieces[i] for i in np.argsort(centre, kind="stable")]
    out = []
    for k in range(1, len(order)):
        left, right = _union(part, order[:k]), _union(part, order[k:])
        if left is not None and right is not None:
            out.append((left, right))
    return out


def part_image(part: Part, ink: np.ndarray | None) -> np.ndarray:
    """The part alone as a clean grey picture (dark ink on white, a margin around) for ``preprocess``.

    The soft ink map is kept (anti-aliasing, stroke width) inside the part's own
    pixels, so neighbouring digits and specks do not leak in.
    """
    x, y, w, h = part.box
    m = part.mask
    if ink is not None:
        soft = ink[y : y + h, x : x + w]
        near = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
        # Where the threshold kept a pixel it is full ink at least at its own level.
        val = np.where(m > 0, np.maximum(soft, 128), np.where(near > 0, soft, 0)).astype(np.float32)
        peak = max(1.0, float(np.percentile(val[m > 0], 90))) if m.any() else 255.0
        val = np.clip(val * (255.0 / peak), 0, 255).astype(np.uint8)
    else:
        val = m
    pad = max(4, round(0.25 * max(w, h)))
    out = np.full((h + 2 * pad, w + 2 * pad), 255, np.uint8)
    out[pad : pad + h, pad : pad + w] = 255 - val
    return out


#: Strokes are used only when they cover this share of the found ink (else they do not match the picture).
STROKES_COVER = 0.9
#: More strokes than this (a scribble, not a number) are not used: each is drawn as a mask of its own.
MAX_STROKES = 120
#: A part of more strokes than this gets no cuts between strokes (each cut costs two model reads).
MAX_PIECES = 24


def with_pieces(parts: list[Part], strokes: list[Stroke], shape: tuple[int, int],
                scale: tuple[float, float]) -> list[Part]:
    """``parts`` with each pen stroke's ink in them as ``pieces`` (unchanged if the strokes do not fit the ink)."""
    masks = stroke_masks(strokes, shape, scale)
    if not masks:
        return parts
    covered = np.zeros(shape, bool)
    for m in masks:
        covered |= m > 0
    ink = total = 0
    out = []
    for p in parts:
        x, y, w, h = p.box
        on = p.mask > 0
        ink += int(np.count_nonzero(on & covered[y : y + h, x : x + w]))
        total += int(np.count_nonzero(on))
        pieces = []
        for m in masks:
            piece = np.where(on & (m[y : y + h, x : x + w] > 0), 255, 0).astype(np.uint8)
            # A stroke that only grazes the part (its round end, an anti-aliased edge) is not a piece of it.
            if np.count_nonzero(piece) >= max(4, 0.01 * np.count_nonzero(on)):
                pieces.append(piece)
        out.append(Part(p.mask, p.box, tuple(pieces)))
    return out if total and ink >= STROKES_COVER * total else parts


def segment(image: Any, strokes: list[Stroke] | None = None) -> Segmentation:
    """The candidate digits of ``image`` (anything ``normalize_array`` accepts), left to right.

    ``strokes``: the pen strokes the canvas drew ``image`` with (picture pixels), if known;
    each part then carries its strokes' ink as ``pieces``. Never raises for blank or noisy
    pictures: ``parts`` is empty and ``message`` says why. Invalid arrays raise
    :class:`~digitcore.imaging.image_io.ImageError`.
    """
    arr = normalize_array(image)
    h0, w0 = arr.shape[:2]
    f = max(1, math.ceil(max(h0, w0) / WORK_MAX_SIDE))
    size = (max(1, round(w0 / f)), max(1, round(h0 / f)))
    scale = (w0 / size[0], h0 / size[1])
    gr = greyscale(arr, size, False)
    if gr.all_transparent:
        return Segmentation([], None, scale, (w0, h0), "No ink found: the image is completely transparent.")
    found = find_ink(gr.grey)
    if isinstance(found, str):
        return Segmentation([], None, scale, (w0, h0), found)
    an = found.analysis
    # A canvas or a clean scan has no shade; a photo's shadow must not become digits.
    mask = an.mask if found.clean else without_shade_marks(an.mask, an.ink)
    parts = group_strokes(mask)
    if not parts:
        msg = "No ink found: nothing stands out from the background."
        if an.why == "specks":
            msg = "No digit found: only a few tiny specks, too small to be a digit."
        elif an.why == "noise":
            msg = "No clear digit found: the image looks like noise or texture, not a written digit."
        return Segmentation([], an.ink, scale, (w0, h0), msg)
    if strokes and len(strokes) <= MAX_STROKES:
        parts = with_pieces(parts, strokes, mask.shape, (1.0 / scale[0], 1.0 / scale[1]))
    warnings = []
    hh, ww = mask.shape
    for p in parts:
        x, y, w, h = p.box
        if x <= 0 or y <= 0 or x + w >= ww or y + h >= hh:
            warnings.append("Some ink runs off the edge of the picture: part of the number may be missing.")
            break
    return Segmentation(parts, an.ink, scale, (w0, h0), "", warnings)
