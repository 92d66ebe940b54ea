"""Turn any picture of a single digit into an MNIST-style 28x28 image.

MNIST digits are white on black; the digit's bounding box is scaled so its
longer side is 20 px (aspect ratio kept, anti-aliased) and pasted into a 28x28
field so that its centre of mass sits at the centre. :func:`preprocess`
reproduces that from a drawing canvas, a scan or a phone photo:

1. greyscale (transparent pixels composited so strokes stand out),
2. polarity: decide whether the ink is darker or lighter than the background,
3. background removal: estimate the paper level (uneven light included) and
   turn the picture into an "ink map" where 0 is paper and 255 is full ink,
4. threshold (Otsu with a minimum contrast) + connected components: keep the
   digit and its nearby strokes, drop specks, ruled lines and texture,
5. stroke thickness normalised to MNIST proportions,
6. crop, scale (longer side 20 px), centre by mass in 28x28.

Large photos are first reduced so their longer side is at most ~1000 px; the
reported ``bbox`` is always in the coordinates of the array passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import cv2
import numpy as np

from .image_io import normalize_array

__all__ = ["Step", "Preprocessed", "preprocess", "preprocess_batch"]

#: Longer side of the working copy; bigger inputs are reduced first.
WORK_MAX_SIDE = 1000
#: Longer side of the thumbnail used to estimate the paper background.
_BG_THUMB_SIDE = 96
#: Ink must differ from the paper by at least this much (0..255, relative contrast).
MIN_CONTRAST = 48
#: Stroke width / box longer side, measured with the same estimator on MNIST:
#: 1st percentile 0.053, 5th 0.065, median 0.098, 95th 0.154, 99th 0.190.
_STROKE_TARGET = 0.09
_STROKE_DILATE_BELOW = 0.06
_STROKE_ERODE_ABOVE = 0.20
_STROKE_ERODE_TO = 0.16
# In photos, ink whose edges fade over more than this fraction of its box is
# shading (a light spot, a shadow), not pen strokes; sharp markers measure <0.04.
_BLOB_EDGE = 0.1
# MNIST's mean centre of mass, in pixel-index coordinates, is (14.0, 14.0).
_MNIST_COM = 14.0
_BOX = 20
_SIDE = 28


@dataclass
class Step:
    """One intermediate image for display in the app."""

    name: str
    image: np.ndarray  # uint8, (H,W) grey or (H,W,3) RGB
    note: str = ""


@dataclass
class Preprocessed:
    """Result of :func:`preprocess`."""

    digit28: np.ndarray | None  # (28,28) float32 in [0,1], white on black; None without ink
    has_ink: bool
    bbox: tuple[int, int, int, int] | None  # x, y, w, h in the input's pixel coordinates
    steps: list[Step] = field(default_factory=list)
    message: str = ""


# ----------------------------------------------------------------------------- helpers


def _hist_quantile(cdf: np.ndarray, q: float) -> int:
    """Grey level below which a fraction ``q`` of pixels lie (from a cumulative histogram)."""
    return int(np.searchsorted(cdf, q * cdf[-1], side="left"))


def _border_ring(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    b = max(1, round(0.02 * min(h, w)))
    if 2 * b >= h or 2 * b >= w:
        return g.ravel()
    return np.concatenate(
        [g[:b].ravel(), g[-b:].ravel(), g[b:-b, :b].ravel(), g[b:-b, -b:].ravel()]
    )


def _transitions(mask: np.ndarray) -> int:
    """Number of 0/1 changes along rows and columns (boundary length estimate)."""
    m = np.pad(mask.view(np.uint8) if mask.dtype == np.bool_ else (mask > 0).view(np.uint8), 1)
    return int(np.count_nonzero(m[1:] != m[:-1]) + np.count_nonzero(m[:, 1:] != m[:, :-1]))


def _to_display(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img if img.dtype == np.uint8 else np.clip(img, 0, 255).astype(np.uint8))


# ----------------------------------------------------------------------------- stages


@dataclass
class _Grey:
    grey: np.ndarray  # working-resolution uint8
    display: np.ndarray | None  # working-resolution RGB/grey for the "Input" step
    note: str
    all_transparent: bool = False


def _greyscale(arr: np.ndarray, size: tuple[int, int], keep_steps: bool) -> _Grey:
    """Greyscale at working size ``size`` (w, h); transparency composited sensibly."""
    h0, w0 = arr.shape[:2]
    resize = size != (w0, h0)

    def shrink(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, size, interpolation=cv2.INTER_AREA) if resize else x

    if arr.ndim == 2:
        g = shrink(arr)
        return _Grey(g, g if keep_steps else None, "")
    if arr.shape[2] == 3:
        g = shrink(cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY))
        return _Grey(g, shrink(arr) if keep_steps else None, "")
    if int(arr[:, :, 3].min()) == 255:  # opaque RGBA, e.g. a canvas with a background colour
        g = shrink(cv2.cvtColor(arr, cv2.COLOR_RGBA2GRAY))
        disp = shrink(cv2.cvtColor(arr, cv2.COLOR_RGBA2RGB)) if keep_steps else None
        return _Grey(g, disp, "")

    alpha = np.ascontiguousarray(arr[:, :, 3])
    g_full = cv2.cvtColor(arr, cv2.COLOR_RGBA2GRAY)
    opaque = (alpha >= 128).view(np.uint8)
    if not opaque.any():
        g = np.zeros((size[1], size[0]), np.uint8)
        return _Grey(g, g if keep_steps else None, "The image is fully transparent.", True)
    ring_alpha = _border_ring(alpha)
    if np.median(ring_alpha) < 128:
        # Transparent background (drawing canvas, logo-style PNG): the opaque
        # pixels are the strokes, so fill the background with the opposite shade.
        stroke_level = cv2.mean(g_full, mask=opaque)[0]
        fill = 255.0 if stroke_level < 128 else 0.0
        note = (
            "Transparent background filled with "
            + ("white" if fill else "black")
            + " so the strokes stand out."
        )
    else:
        # Opaque picture with a few transparent pixels: blend them into its background.
        ring_opaque = _border_ring(opaque).astype(bool)
        fill = float(np.median(_border_ring(g_full)[ring_opaque])) if ring_opaque.any() else 255.0
        note = "Transparent pixels blended into the background."
    # Premultiply before shrinking so the composite is exact at any scale.
    ga = shrink(cv2.multiply(g_full, alpha, scale=1.0 / 255.0))
    a = shrink(alpha)
    inv_a = cv2.subtract(np.full_like(a, 255), a)
    g = cv2.add(ga, cv2.multiply(inv_a, np.full_like(a, 1), scale=fill / 255.0))
    disp = None
    if keep_steps:
        rgb = shrink(np.ascontiguousarray(arr[:, :, :3])).astype(np.float32)
        af = (a.astype(np.float32) / 255.0)[:, :, None]
        # Shrunk RGB is not premultiplied; good enough for a picture on screen.
        disp = (rgb * af + fill * (1.0 - af)).clip(0, 255).astype(np.uint8)
    return _Grey(g, disp, note)


def _local_noise_floor(g: np.ndarray, denom: np.ndarray) -> np.ndarray:
    """Ink level (0..255 map) that local noise alone reaches: 3.5 sigma.

    Noise is measured as the mean absolute difference from a 7x7 blur (JPEG
    noise is blotchy, not just pixel-sized), in
    cells of ~16 px; a median over neighbouring cells ignores the few cells a
    pen stroke passes through.
    """
    h, w = g.shape
    res = cv2.absdiff(g, cv2.blur(g, (7, 7)))
    cw, ch = max(1, w // 16), max(1, h // 16)
    cells = cv2.resize(res, (cw, ch), interpolation=cv2.INTER_AREA)
    if min(cw, ch) >= 5:
        cells = cv2.medianBlur(cells, 5)
    sigma = cv2.resize(cells, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) * 1.25
    # Pixel noise sigma -> ink units (the ink map divides by the local paper level).
    return np.clip(3.5 * sigma * 255.0 / denom.astype(np.float32), 0, 255).astype(np.uint8)


def _background(g: np.ndarray) -> np.ndarray:
    """Paper brightness everywhere (ink is dark here): closing on a small thumbnail.

    A closing with a kernel wider than any pen stroke fills the strokes in
    while following slow light changes and shadows.
    """
    h, w = g.shape
    f = min(1.0, _BG_THUMB_SIDE / max(h, w))
    tw, th = max(1, round(w * f)), max(1, round(h * f))
    thumb = cv2.resize(g, (tw, th), interpolation=cv2.INTER_AREA) if f < 1 else g
    # The closing's max filter would ride on noise peaks and overestimate the
    # paper (noise in the shadows turns into "ink"); smooth the thumbnail first.
    if min(tw, th) >= 5:
        thumb = cv2.GaussianBlur(cv2.medianBlur(thumb, 3), (5, 5), 0)
    k = max(3, (round(max(tw, th) / 5) // 2) * 2 + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    # Point-reflect the picture at its edges so brightness trends (vignetting,
    # a shadow reaching the edge) continue outward; a plain replicated or
    # mirrored border would let the closing flatten them near the edge.
    p = min(k // 2 + 1, tw - 1, th - 1)
    if p >= 1:
        refl = cv2.copyMakeBorder(thumb, p, p, p, p, cv2.BORDER_REFLECT_101).astype(np.int16)
        edge = cv2.copyMakeBorder(thumb, p, p, p, p, cv2.BORDER_REPLICATE).astype(np.int16)
        padded = np.clip(2 * edge - refl, 0, 255).astype(np.uint8)
        closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
        closed = closed[p:-p, p:-p]
    else:
        closed = cv2.morphologyEx(thumb, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    closed = cv2.blur(closed, (3, 3))
    if f < 1:
        closed = cv2.resize(closed, (w, h), interpolation=cv2.INTER_LINEAR)
    return closed


@dataclass
class _Components:
    labels: np.ndarray
    stats: np.ndarray  # cv2 stats, row 0 = background
    group: list[int]  # labels of the digit's pieces
    dropped: int  # other components ignored
    long_pieces: bool = False  # something spans most of the picture (a ruled line?)

    @property
    def box(self) -> tuple[int, int, int, int]:
        st = self.stats[self.group]
        return (
            int(st[:, 0].min()),
            int(st[:, 1].min()),
            int((st[:, 0] + st[:, 2]).max()),
            int((st[:, 1] + st[:, 3]).max()),
        )

    @property
    def area(self) -> int:
        return int(self.stats[self.group, 4].sum())


_BRIDGE_V = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 11))
_BRIDGE_H = cv2.getStructuringElement(cv2.MORPH_RECT, (11, 1))


def _find_lines(mask: np.ndarray, min_span: float = 0.2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ruled lines / margins: thin, nearly straight, spanning much of the picture.

    Returns an int32 label image (0 = no line), each line's box (x0, y0, x1, y1)
    and whether it is vertical (index = label). Runs are searched on a copy thickened across the line direction, so
    lines tilted by a few degrees still form long runs.
    """
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    boxes = [(0, 0, 0, 0)]
    vertical = [False]
    for horizontal in (True, False):
        length = w if horizontal else h
        if length < 40:
            continue
        run = max(25, round(0.15 * length))
        across = (1, 5) if horizontal else (5, 1)
        along = (run, 1) if horizontal else (1, run)
        thick = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, across))
        runs = cv2.morphologyEx(thick, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along))
        if not runs.any():
            continue
        n, lab, st = _components(cv2.bitwise_and(runs, mask))
        extent = st[1:, 2] if horizontal else st[1:, 3]
        across_extent = st[1:, 3] if horizontal else st[1:, 2]
        is_line = (extent >= min_span * length) & (extent >= 6 * across_extent)
        # Thin: judged by the typical thickness along the line, so a stroke of
        # the digit crossing it does not make the whole line look thick.
        max_thick = max(4.0, 0.006 * max(h, w))
        for i in np.flatnonzero(is_line)[:64]:
            x, y, ww, hh = (int(v) for v in st[i + 1, :4])
            view = lab[y : y + hh, x : x + ww]
            sub = view == i + 1
            counts = sub.sum(axis=0 if horizontal else 1)
            typical = float(np.median(counts[counts > 0]))
            is_line[i] = typical <= max_thick
            # Where a thick stroke runs along or across the line, the pixels
            # belong to the stroke: leave them out of the line.
            wide = counts > 2 * typical + 1
            if is_line[i] and wide.any():
                view[sub & (wide[None, :] if horizontal else wide[:, None])] = 0
        if not is_line.any():
            continue
        lut = np.zeros(n, np.int32)
        ids = np.arange(len(boxes), len(boxes) + int(is_line.sum()), dtype=np.int32)
        lut[1:][is_line] = ids
        for x, y, ww, hh in st[1:][is_line, :4]:
            boxes.append((int(x), int(y), int(x + ww), int(y + hh)))
        vertical.extend([not horizontal] * int(is_line.sum()))
        new = lut[lab]
        np.copyto(labels, new, where=(new > 0) & (labels == 0))
    return labels, np.asarray(boxes, np.int64).reshape(-1, 4), np.asarray(vertical, bool)


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    # BBDT computes the statistics several times faster than the default here.
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)
    return n, labels, stats


def _select_digit(mask: np.ndarray) -> tuple[_Components | None, str]:
    """Connected components -> the digit's pieces, or (None, reason)."""
    h, w = mask.shape
    n, labels, stats = _components(mask)
    if n <= 1:
        return None, "nothing"
    s0 = max(h, w)
    xs, ys, ws, hs, areas = (stats[1:, i].astype(np.int64) for i in range(5))
    longer = np.maximum(ws, hs)
    big = longer >= max(4.0, 0.02 * s0)
    # Long thin straight things (ruled lines, paper or table edges) are not digits.
    thickness = areas / np.maximum(longer, 1)
    spans = np.where(ws >= hs, ws / w, hs / h)
    line_like = (spans >= 0.35) & (thickness <= max(2.5, 0.012 * s0)) & (longer >= 8 * np.minimum(ws, hs))
    # Big hollow things around the digit: the table around a sheet, a frame, a
    # shadow's edge. They are sparse and enclose another substantial piece.
    fill = areas / np.maximum(ws * hs, 1)
    frame_like = np.zeros(n - 1, bool)
    hollow = np.flatnonzero(big & ~line_like & (longer >= 0.5 * s0) & (fill < 0.35) & (ws * hs >= 0.2 * h * w))
    if hollow.size:
        inner = np.flatnonzero(big & ~line_like)
        inner = inner[np.argsort(-areas[inner])][:64]
        for i in hollow[:8]:
            j = inner[inner != i]
            encloses = (
                (xs[j] >= xs[i]) & (ys[j] >= ys[i])
                & (xs[j] + ws[j] <= xs[i] + ws[i]) & (ys[j] + hs[j] <= ys[i] + hs[i])
                & (areas[j] >= 0.03 * areas[i])
            )
            frame_like[i] = bool(encloses.any())
    # Thin straight slivers (pieces of ruled lines) make poor main pieces.
    sliver = (longer >= 8 * np.minimum(ws, hs)) & (thickness <= max(2.5, 0.008 * s0))
    cand = big & ~line_like & ~frame_like & ~sliver
    if not cand.any():
        cand = big & ~line_like & ~frame_like
    if not cand.any():
        cand = big  # a lone straight stroke may be a '1'
    if not cand.any():
        return None, "specks"
    idx = np.flatnonzero(cand)
    idx = idx[np.argsort(-areas[idx])]
    # The biggest candidate, unless it is grain: a spotty patch (noise in a dark
    # shadow) whose "strokes" are a pixel or two wide yet fill its box.
    main, main_width = int(idx[0]), 0.0
    for i in idx[:5]:
        i = int(i)
        sub = labels[ys[i] : ys[i] + hs[i], xs[i] : xs[i] + ws[i]] == i + 1
        width = 2.0 * float(areas[i]) / max(1, _transitions(sub))
        if not (fill[i] >= 0.15 and width <= 2.0 and areas[i] >= 100):
            main, main_width = i, width
            break
    main_area = int(areas[main])
    main_side = int(longer[main])

    gx0, gy0 = int(xs[main]), int(ys[main])
    gx1, gy1 = gx0 + int(ws[main]), gy0 + int(hs[main])
    group = [main]
    # Thin straight slivers (leftovers of ruled lines) only join when touching.
    sliver = (longer >= 5 * np.minimum(ws, hs)) & (thickness < 0.6 * main_width)
    # Other pieces (the bar of a 5, the second stroke of a 4): biggest first,
    # only the 64 biggest (noise can make thousands).
    skip = line_like | frame_like
    others = [int(i) for i in np.argsort(-areas)[:65] if i != main and not skip[i]][:64]
    changed = True
    while changed and others:
        changed = False
        for i in list(others):
            x0, y0 = int(xs[i]), int(ys[i])
            x1, y1 = x0 + int(ws[i]), y0 + int(hs[i])
            dx = max(0, gx0 - x1, x0 - gx1)
            dy = max(0, gy0 - y1, y0 - gy1)
            gap = math.hypot(dx, dy)
            a = int(areas[i])
            # Distances are relative to the main piece, not the growing group,
            # so the group cannot creep across a page of scribbles.
            near_big = a >= 0.02 * main_area and gap <= 0.35 * main_side + 2
            close_small = a >= max(3, 0.002 * main_area) and gap <= 0.08 * main_side + 2
            if sliver[i] and gap > 1.5:
                near_big = close_small = False
            nx0, ny0, nx1, ny1 = min(gx0, x0), min(gy0, y0), max(gx1, x1), max(gy1, y1)
            grows_ok = max(nx1 - nx0, ny1 - ny0) <= 4 * main_side + 4
            if (near_big or close_small) and grows_ok:
                group.append(i)
                others.remove(i)
                gx0, gy0, gx1, gy1 = nx0, ny0, nx1, ny1
                changed = True
    # Noise / paper texture: many crumbs of "ink" everywhere, none dominant.
    in_group = np.zeros(n - 1, bool)
    in_group[group] = True
    rest = big & ~in_group & ~skip
    if np.count_nonzero(rest) >= 40 and int(areas[rest].sum()) >= 2 * int(areas[group].sum()):
        return None, "noise"
    long_pieces = bool(np.any((ws >= 0.8 * w) | (hs >= 0.8 * h)))
    return _Components(labels, stats, [g + 1 for g in group], (n - 1) - len(group), long_pieces), "ok"


@dataclass
class _Analysis:
    """Ink map, mask and chosen components for one polarity hypothesis."""

    bg: np.ndarray | None  # estimated background (None when flat)
    ink: np.ndarray  # uint8, 0 = paper, 255 = full ink
    thr: float
    floor: float
    mask: np.ndarray  # after ruled-line removal
    raw_mask: np.ndarray  # straight after thresholding
    comps: _Components | None
    why: str


def _written_over(
    ink: np.ndarray, thr: float, horiz_px: np.ndarray, vert_px: np.ndarray, box: tuple[int, int, int, int], pad: int
) -> np.ndarray:
    """Line pixels inside ``box`` (+pad) clearly darker than the line around them."""
    h, w = ink.shape
    x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
    x1, y1 = min(w, box[2] + pad), min(h, box[3] + pad)
    out = np.zeros((h, w), bool)
    # Local line darkness from a wider strip, so the digit does not dominate it.
    sx0, sx1 = max(0, x0 - 2 * pad - 30), min(w, x1 + 2 * pad + 30)
    sy0, sy1 = max(0, y0 - 2 * pad - 30), min(h, y1 + 2 * pad + 30)
    inkf = ink[sy0:sy1, sx0:sx1].astype(np.float32)
    for px, ksize in ((horiz_px, (61, 1)), (vert_px, (1, 61))):
        on = px[sy0:sy1, sx0:sx1]
        if not on.any():
            continue
        onf = on.astype(np.float32)
        local = cv2.blur(inkf * onf, ksize) / np.maximum(cv2.blur(onf, ksize), 1e-3)
        dark = on & (inkf >= np.maximum(thr, 1.25 * local))
        out[sy0:sy1, sx0:sx1] |= dark
    keep = np.zeros((h, w), bool)
    keep[y0:y1, x0:x1] = True
    return out & keep


def _without_lines(
    mask: np.ndarray, low: np.ndarray, ink: np.ndarray, thr: float, min_span: float
) -> tuple[np.ndarray, _Components | None, str]:
    """Remove ruled lines found in ``low`` from ``mask`` and select the digit.

    Returns (cleaned mask, components, reason); components are None when there
    were no lines or nothing was left.
    """
    line_lab, boxes, vertical = _find_lines(low, min_span)
    if len(boxes) <= 1:
        return mask, None, "nothing"
    on_line = line_lab > 0
    horiz_px = ~vertical[line_lab] & on_line
    vert_px = vertical[line_lab] & on_line
    written_over = np.zeros_like(on_line)
    drop = np.ones(len(boxes), bool)
    drop[0] = False
    cleaned, comps, why = mask, None, "nothing"
    for _ in range(3):
        cleaned = mask.copy()
        gone_h = (drop[line_lab] & horiz_px) & ~written_over
        gone_v = (drop[line_lab] & vert_px) & ~written_over
        cleaned[gone_h | gone_v] = 0
        # Give back line pixels lying inside a stroke the line crossed (ink on
        # both sides across the line), so the digit is not cut into pieces.
        across_h = cv2.morphologyEx(cleaned, cv2.MORPH_CLOSE, _BRIDGE_V) > 0
        across_v = cv2.morphologyEx(cleaned, cv2.MORPH_CLOSE, _BRIDGE_H) > 0
        cleaned[(gone_h & across_h) | (gone_v & across_v)] = 255
        cleaned = cv2.bitwise_and(cleaned, mask)
        comps, why = _select_digit(cleaned)
        if comps is None:
            break
        # A straight stroke that reaches the digit without running on past it
        # at both ends, nor to the edge of the page, is part of it (the bar of
        # a 7, the stem of a 5); ruled lines cross the digit and continue.
        x0, y0, x1, y1 = comps.box
        side = max(x1 - x0, y1 - y0)
        m = 0.25 * side
        lx0, ly0, lx1, ly1 = boxes.T
        touches = (lx0 <= x1 + m) & (lx1 >= x0 - m) & (ly0 <= y1 + m) & (ly1 >= y0 - m)
        crosses = np.where(vertical, (ly0 < y0 - m) & (ly1 > y1 + m), (lx0 < x0 - m) & (lx1 > x1 + m))
        h, w = mask.shape
        to_edge = np.where(vertical, (ly0 <= 1) | (ly1 >= h - 1), (lx0 <= 1) | (lx1 >= w - 1))
        keep = drop & touches & ~crosses & ~to_edge
        # Pen ink written over a printed line, near the digit, is darker than
        # the line is nearby (a local mean, as light varies along the page).
        over = _written_over(ink, thr, horiz_px, vert_px, (x0, y0, x1, y1), round(m) + 2) & ~written_over
        if not keep.any() and not over.any():
            break
        drop &= ~keep
        written_over |= over
    return cleaned, comps, why


def _analyse(g: np.ndarray, clean: bool, bg_level: int, tail: float) -> _Analysis:
    """Background removal, threshold and component selection for dark ink on light paper."""
    noise_floor = None
    if clean:
        bg_level = max(bg_level, 1)
        ink = cv2.convertScaleAbs(cv2.subtract(np.full_like(g, bg_level), g), alpha=255.0 / max(bg_level, 64))
        bg_img = None
    else:
        bg_img = _background(g)
        # Relative contrast copes with shadows, but sensor noise does not shrink
        # in the dark: do not divide by less than half the brightest paper.
        paper = _hist_quantile(np.cumsum(cv2.calcHist([bg_img], [0], None, [256], [0, 256]).ravel()), 0.9)
        denom = cv2.max(bg_img, max(64, paper // 2))
        ink = cv2.divide(cv2.subtract(bg_img, g), denom, scale=255)
        noise_floor = _local_noise_floor(g, denom)
    ih = cv2.calcHist([ink], [0], None, [256], [0, 256]).ravel()
    icdf = np.cumsum(ih)
    i50, i75 = _hist_quantile(icdf, 0.5), _hist_quantile(icdf, 0.75)
    peak_all = _hist_quantile(icdf, 1.0 - tail)
    empty = np.zeros_like(ink)
    if peak_all < MIN_CONTRAST:
        return _Analysis(bg_img, ink, float(MIN_CONTRAST), 0.0, empty, empty, None, "faint")
    otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Noisy paper lifts the lower quantiles; a digit covering >25% of the picture
    # lifts i75 too, hence the cap relative to the ink peak.
    noise_thr = min(i50 + 4.0 * (i75 - i50) + 4.0, 0.6 * peak_all)
    thr = max(float(otsu), float(MIN_CONTRAST), noise_thr)
    floor = min(i50 + 3.0 * (i75 - i50) + 2.0, 0.5 * thr)
    _, mask = cv2.threshold(ink, thr, 255, cv2.THRESH_BINARY)
    if noise_floor is not None:
        mask = cv2.bitwise_and(mask, cv2.compare(ink, noise_floor, cv2.CMP_GT))
    raw_mask = mask
    if clean:
        # Canvas or clean scan: ruled lines are unlikely; look for them only when
        # something spans nearly the whole picture, as a ruled line does.
        comps, why = _select_digit(mask)
        if comps is not None and not comps.long_pieces:
                return _Analysis(bg_img, ink, thr, floor, mask, raw_mask, comps, why)
    # Lines are traced on a lower threshold so a faint ruled line is found whole
    # rather than as dashes that could pass for strokes.
    _, low = cv2.threshold(ink, max(0.5 * thr, 0.5 * MIN_CONTRAST), 255, cv2.THRESH_BINARY)
    # On a clean canvas a long straight stroke is the digit (a tall '1'), so
    # only lines crossing nearly the whole picture count there.
    cleaned, comps, why = _without_lines(mask, low, ink, thr, 0.8 if clean else 0.2)
    if comps is not None:
        mask = cleaned
    else:  # no lines, or nothing left once they were removed
        comps, why = _select_digit(mask)
    return _Analysis(bg_img, ink, thr, floor, mask, raw_mask, comps, why)


def _stroke_change(core: np.ndarray, box_side: int) -> tuple[float, float]:
    """(ratio, change): stroke width / box side, and the radius in px to grow (+) or shrink (-)."""
    area = int(np.count_nonzero(core))
    t = _transitions(core)
    if area == 0 or t == 0 or box_side <= 0:
        return 0.0, 0.0
    width = 2.0 * area / t
    ratio = width / box_side
    if ratio < _STROKE_DILATE_BELOW:
        d = (_STROKE_TARGET * box_side - width) / (2.0 * (1.0 - _STROKE_TARGET))
        return ratio, d if d >= 0.5 else 0.0
    if ratio > _STROKE_ERODE_ABOVE:
        e = (width - _STROKE_ERODE_TO * box_side) / (2.0 * (1.0 - _STROKE_ERODE_TO))
        e = min(e, 0.3 * width)  # gently: never wipe out the thinner parts
        return ratio, -e if e >= 0.5 else 0.0
    return ratio, 0.0


def _apply_stroke_change(soft: np.ndarray, change: float) -> np.ndarray:
    """Grow (change > 0) or shrink the soft strokes by ``change`` px, anti-aliased."""
    if change > 0:
        # Faint thin lines at this scale still count as strokes, hence the low cut.
        base = (soft >= 0.25).view(np.uint8) * np.uint8(255)
        dist = cv2.distanceTransform(cv2.bitwise_not(base), cv2.DIST_L2, 5)
        return np.maximum(soft, np.clip(change + 0.5 - dist, 0.0, 1.0))
    base = (soft >= 0.5).view(np.uint8) * np.uint8(255)
    dist = cv2.distanceTransform(base, cv2.DIST_L2, 5)
    return np.minimum(soft, np.clip(dist + change + 0.5, 0.0, 1.0))


def _scale_and_centre(soft: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Tight crop -> longer side 20 px -> 28x28 with the centre of mass at MNIST's."""
    # The box of clearly inked pixels; the faintest anti-aliasing may fall outside.
    x, y, w, h = cv2.boundingRect((soft > 0.1).view(np.uint8))
    if w == 0 or h == 0:
        return None
    crop = soft[y : y + h, x : x + w]
    s = _BOX / max(w, h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    small = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
    # MNIST digits always peak at 255; thin strokes come out grey after shrinking.
    top = float(small.max())
    if top <= 1e-6:
        return None
    small = np.clip(small * (1.0 / top), 0.0, 1.0)
    # Not cv2.moments: it reads an (N, 2) float array as a list of points.
    mass = float(small.sum())
    if mass <= 1e-6:
        return None
    cx = float(small.sum(axis=0) @ np.arange(nw, dtype=np.float32)) / mass
    cy = float(small.sum(axis=1) @ np.arange(nh, dtype=np.float32)) / mass
    # Integer shifts, as MNIST did (its centres of mass scatter by +-0.5 px).
    ox = min(max(round(_MNIST_COM - cx), 0), _SIDE - nw)
    oy = min(max(round(_MNIST_COM - cy), 0), _SIDE - nh)
    out = np.zeros((_SIDE, _SIDE), np.float32)
    out[oy : oy + nh, ox : ox + nw] = small
    return small, out


# ----------------------------------------------------------------------------- main


def _no_ink(message: str, steps: list[Step]) -> Preprocessed:
    return Preprocessed(digit28=None, has_ink=False, bbox=None, steps=steps, message=message)


def preprocess(image: Any, *, keep_steps: bool = True) -> Preprocessed:
    """Convert one digit image into an MNIST-style 28x28 float32 array.

    ``image`` is anything :func:`digitcore.image_io.normalize_array` accepts
    (typically the output of ``load_image`` or a canvas RGBA array). Never raises
    for blank or noisy pictures: ``has_ink`` is False and ``message`` says why.
    Invalid arrays raise :class:`~digitcore.image_io.ImageError`.
    """
    arr = normalize_array(image)
    steps: list[Step] = []
    h0, w0 = arr.shape[:2]
    f = max(1, math.ceil(max(h0, w0) / WORK_MAX_SIDE))
    size = (max(1, round(w0 / f)), max(1, round(h0 / f)))
    sx, sy = w0 / size[0], h0 / size[1]

    gr = _greyscale(arr, size, keep_steps)
    g = gr.grey
    h, w = g.shape
    if keep_steps:
        shown = " (shown reduced)" if f > 1 else ""
        steps.append(Step("Input", _to_display(gr.display), f"The picture as received, {w0} x {h0} px{shown}."))
        if gr.display is not None and gr.display.ndim == 3:
            steps.append(Step("Greyscale", g, "Colour is dropped: only brightness matters. " + gr.note))
    if gr.all_transparent:
        return _no_ink("No ink found: the image is completely transparent (the canvas is empty).", steps)

    # --- polarity ------------------------------------------------------------
    hist = cv2.calcHist([g], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist)
    tail = max(2.0, cdf[-1] * 1e-4) / cdf[-1]
    lo, hi = _hist_quantile(cdf, tail), _hist_quantile(cdf, 1.0 - tail)
    med = _hist_quantile(cdf, 0.5)
    if hi - lo < 12:
        return _no_ink("No ink found: the image is blank (one flat colour).", steps)
    ring = _border_ring(g)
    ring_med = int(np.median(ring))
    ring_lo, ring_hi = np.percentile(ring, [5, 95])
    # A flat, noise-free border (drawing canvas, clean scan) is the background,
    # unless that level is rare inside (a uniform frame or table around a sheet).
    near_ring = float(hist[max(0, ring_med - 16) : ring_med + 17].sum()) / float(cdf[-1])
    clean = (
        ring_hi - ring_lo <= 10
        and float(np.mean(np.abs(ring.astype(np.int16) - ring_med) <= 16)) >= 0.8
        and (near_ring >= 0.5 or (ring_hi - ring_lo <= 2 and near_ring >= 0.2))
    )

    def dark_ink(ref: int) -> bool:
        return (ref - lo) >= (hi - ref)

    def run(dark: bool, clean: bool = clean) -> _Analysis:
        gg = g if dark else cv2.bitwise_not(g)
        return _analyse(gg, clean, ring_med if dark else 255 - ring_med, tail)

    by_border, by_majority = dark_ink(ring_med), dark_ink(med)
    if clean or by_border == by_majority:
        dark = by_border
    else:
        # Border and majority disagree (paper on a dark table, a shadow along
        # the edge): photos are nearly always dark ink on light paper.
        dark = True
    an = run(dark)
    ambiguous = not clean and by_border != by_majority
    # (A clean, flat border is trusted: it is a canvas or a digital image.)
    sheet = False
    if not clean and an.comps is not None and an.comps.area > 0.3 * h * w:
        bx0, by0, bx1, by1 = an.comps.box
        sheet = an.comps.area > 0.65 * (bx1 - bx0) * (by1 - by0)  # solid, not strokes
    if (ambiguous and an.comps is None) or sheet:
        # Nothing found, or the "ink" is a whole sheet: try the other reading and
        # keep it if it finds a digit with less ink overall (paper is the majority).
        other = run(not dark, clean=False)  # the border was not the paper then
        if other.comps is not None and (
            an.comps is None or cv2.countNonZero(other.raw_mask) < cv2.countNonZero(an.raw_mask)
        ):
            an, dark = other, not dark
    polarity_note = (
        "Dark ink on a light background." if dark else "Light ink on a dark background: inverted so ink is dark."
    )
    ink, thr, floor, comps = an.ink, an.thr, an.floor, an.comps
    if keep_steps:
        if an.bg is not None:
            steps.append(
                Step(
                    "Background estimate",
                    an.bg if dark else cv2.bitwise_not(an.bg),
                    "The paper's brightness everywhere (strokes filled in), so shadows and uneven light can be removed.",
                )
            )
        steps.append(
            Step(
                "Background removed (ink map)",
                ink,
                polarity_note + " Ink is now white on black, measured against the local background.",
            )
        )
    if comps is None:
        if keep_steps:
            steps.append(
                Step(
                    "Ink mask (threshold + cleaned)",
                    an.mask,
                    f"Ink is what differs from the background by {thr / 2.55:.0f}% or more.",
                )
            )
        msg = {
            "faint": "No ink found: nothing stands out from the background.",
            "nothing": "No ink found: nothing stands out from the background.",
            "specks": "No digit found: only a few tiny specks, too small to be a digit.",
            "noise": "No clear digit found: the image looks like noise or texture, not a written digit.",
        }[an.why]
        return _no_ink(msg, steps)

    x0, y0, x1, y1 = comps.box
    box_side = max(x1 - x0, y1 - y0)

    lut = np.zeros(comps.stats.shape[0], np.uint8)
    lut[comps.group] = 255
    if keep_steps:
        lut_show = np.full(comps.stats.shape[0], 110, np.uint8)
        lut_show[0] = 0
        lut_show[comps.group] = 255
        shown = lut_show[comps.labels]
        removed = cv2.bitwise_and(an.raw_mask, cv2.bitwise_not(an.mask))
        shown[removed > 0] = 60
        extra = " Specks and lines that are not part of it are ignored (grey)." if comps.dropped or removed.any() else ""
        steps.append(
            Step(
                "Ink mask (threshold + cleaned)",
                shown,
                f"Ink above {thr / 2.55:.0f}% contrast; the digit's connected strokes are kept (white).{extra}",
            )
        )

    # Crop with room for thickening; pad where the digit touches the edge.
    margin = max(2, math.ceil(0.1 * box_side) + 2)
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    cx1, cy1 = min(w, x1 + margin), min(h, y1 + margin)
    top, left = cy0 - (y0 - margin), cx0 - (x0 - margin)
    bottom, right = (y1 + margin) - cy1, (x1 + margin) - cx1
    gm = lut[comps.labels[cy0:cy1, cx0:cx1]]
    ink_c = ink[cy0:cy1, cx0:cx1]
    if top or left or bottom or right:
        gm = cv2.copyMakeBorder(gm, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
        ink_c = cv2.copyMakeBorder(ink_c, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)

    # Soft ink (keeps anti-aliasing), scaled so the stroke's body reaches 1.0.
    mh = cv2.calcHist([ink_c], [0], gm, [256], [0, 256]).ravel()
    peak = max(_hist_quantile(np.cumsum(mh), 0.9), floor + 1.0)
    near = cv2.dilate(gm, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    soft = cv2.subtract(ink_c, np.full_like(ink_c, round(floor)), mask=near, dtype=cv2.CV_32F)
    soft *= 1.0 / (peak - round(floor))
    np.clip(soft, 0.0, 1.0, out=soft)

    bx0, by0 = math.floor(x0 * sx), math.floor(y0 * sy)
    bx1, by1 = min(w0, math.ceil(x1 * sx)), min(h0, math.ceil(y1 * sy))
    bbox = (bx0, by0, bx1 - bx0, by1 - by0)
    if keep_steps:
        disp = gr.display if gr.display.ndim == 3 else cv2.cvtColor(gr.display, cv2.COLOR_GRAY2RGB)
        disp = disp.copy()
        thick = max(1, round(max(h, w) / 200))
        cv2.rectangle(disp, (x0 - thick, y0 - thick), (x1 - 1 + thick, y1 - 1 + thick), (0, 200, 0), thick)
        steps.append(
            Step(
                "Digit box",
                disp,
                f"The digit found at x={bbox[0]}, y={bbox[1]}, {bbox[2]} x {bbox[3]} px (original pixels).",
            )
        )
        steps.append(Step("Cropped", (soft * 255).astype(np.uint8), "Only the digit's ink, white on black."))

    # Width is measured on the half-intensity core at full detail, as in the
    # MNIST calibration; the change itself is applied at ~4x the final size.
    core = (soft >= 0.5).view(np.uint8)
    ratio, change = _stroke_change(core if core.any() else gm, box_side)
    if not clean and ratio < 0.02 and cv2.countNonZero(core) > 0.15 * box_side * box_side:
        # "Strokes" a pixel or two wide filling much of their box: grain or noise.
        return _no_ink("No clear digit found: the image looks like noise or texture, not a written digit.", steps)
    if not clean:
        # A thick patch whose edges fade over a long way is light or shadow,
        # not pen strokes (even blurry photos have edges a few pixels wide).
        ramp = cv2.countNonZero(((soft > 0.1) & (soft < 0.8)).view(np.uint8))
        edge_width = ramp / max(1, _transitions(core))
        if edge_width > _BLOB_EDGE * box_side:
            return _no_ink("No clear digit found: only a patch of shading, no pen strokes.", steps)
    if change:
        k = min(1.0, 4 * _BOX / max(soft.shape))
        if k < 1.0:  # keeps the distance transform small
            size_i = (max(1, round(soft.shape[1] * k)), max(1, round(soft.shape[0] * k)))
            soft = cv2.resize(soft, size_i, interpolation=cv2.INTER_AREA)
        soft = _apply_stroke_change(soft, change * k)
        if keep_steps:
            note = (
                f"Strokes were thin ({ratio:.0%} of the digit's size); thickened to about "
                f"{_STROKE_TARGET:.0%} like MNIST pen strokes."
                if change > 0
                else f"Strokes were very thick ({ratio:.0%} of the digit's size); thinned a little "
                "towards MNIST proportions."
            )
            steps.append(Step("Stroke thickness adjusted", (soft * 255).astype(np.uint8), note))

    placed = _scale_and_centre(soft)
    if placed is None:
        return _no_ink("No ink found: nothing stands out from the background.", steps)
    small, digit28 = placed
    if keep_steps:
        steps.append(
            Step(
                "Scaled: longer side 20 px",
                (small * 255).round().astype(np.uint8),
                "Shrunk so the longer side is 20 px, keeping its shape, like MNIST.",
            )
        )
        steps.append(
            Step(
                "Centred by mass (28x28)",
                (digit28 * 255).round().astype(np.uint8),
                "Placed in a 28 x 28 square so the ink's centre of mass is in the middle: what the model sees.",
            )
        )
    return Preprocessed(digit28=digit28, has_ink=True, bbox=bbox, steps=steps, message="")


def preprocess_batch(images: Iterable[Any], *, keep_steps: bool = False) -> list[Preprocessed]:
    """:func:`preprocess` for several images (no steps by default, for speed)."""
    return [preprocess(im, keep_steps=keep_steps) for im in images]
