"""Step 4: find the ink: threshold against the background, drop specks, ruled lines and texture, keep the digit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .background import SHADOW_MIN_SIDE, background, local_noise_floor, step_preserving_background
from .greyscale import hist_quantile

#: Ink must differ from the paper by at least this much (0..255, relative contrast).
MIN_CONTRAST = 48
#: Kernel of the shadow path's closing, as a fraction of the picture's longer side.
STEP_FRAC = 0.06
#: Shade beside pen strokes (photos): a piece whose ink (90th percentile) is under this share
#: of a darker piece's ...
SHADE_LIGHTER = 0.75
#: ... with strokes this many times as wide (a filled patch, not a stroke) is a shadow;
SHADE_WIDER = 2.5
#: a piece far lighter still (a soft shadow keeps most of the light) needs to be only this much wider.
SOFT_SHADE_LIGHTER = 0.6
SOFT_SHADE_WIDER = 1.4




def transitions(mask: np.ndarray) -> int:
    """Number of 0/1 changes along rows and columns (boundary length estimate)."""
    m = np.pad(mask.view(np.uint8) if mask.dtype == np.bool_ else (mask > 0).view(np.uint8), 1)
    return int(np.count_nonzero(m[1:] != m[:-1]) + np.count_nonzero(m[:, 1:] != m[:, :-1]))


def mean_stroke_width(mask: np.ndarray, area: float | None = None) -> float:
    """Typical stroke width (px) of ``mask``: twice its area over its outline's length."""
    a = float(np.count_nonzero(mask)) if area is None else float(area)
    return 2.0 * a / max(1, transitions(mask))


def patch_width(mask: np.ndarray) -> float:
    """Width (px) of the widest part of ``mask``: twice its largest inscribed radius.

    Measured after a small closing, so a shadow's speckled patch counts as the filled patch it
    is (its ragged outline makes :func:`mean_stroke_width` small).
    """
    m = cv2.morphologyEx(mask.view(np.uint8) if mask.dtype == np.bool_ else mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    m = cv2.copyMakeBorder(m, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return 2.0 * float(cv2.distanceTransform(m, cv2.DIST_L2, 3).max())


@dataclass
class Components:
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


def find_lines(mask: np.ndarray, min_span: float = 0.2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
        n, lab, st = components(cv2.bitwise_and(runs, mask))
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


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    # BBDT computes the statistics several times faster than the default here.
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)
    return n, labels, stats


def shade_like(labels: np.ndarray, stats: np.ndarray, ink: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Candidates that look like a shadow beside pen strokes: clearly lighter *and* far wider.

    A shadow keeps a third or more of the light (a pen leaves little), and it is a filled patch,
    not a stroke: so a piece whose ink is under 3/4 of a darker big piece's, with strokes
    over 2.5 times as wide, is shade; so is one under 60% as dark and 1.4 times as wide (a
    soft shadow's ragged outline makes it look thinner than it is) beside a darker piece of
    at least 1% of its area. Index = component - 1.
    """
    idx = np.flatnonzero(cand)
    out = np.zeros(len(cand), bool)
    if idx.size < 2:
        return out
    areas = stats[1:, 4].astype(np.float64)
    level = np.zeros(len(cand))
    widths = np.zeros(len(cand))  # the strokes' typical width
    patch = np.zeros(len(cand))  # the widest part: a shadow is wide somewhere, strokes nowhere
    for i in idx[np.argsort(-areas[idx])][:8]:
        x, y, w, h = (int(v) for v in stats[i + 1, :4])
        sub = labels[y : y + h, x : x + w] == i + 1
        # The body's darkness (90th percentile): thin strokes' soft rims would pull a mean down.
        level[i] = float(np.percentile(ink[y : y + h, x : x + w][sub], 90))
        widths[i] = mean_stroke_width(sub, areas[i])
        patch[i] = max(widths[i], patch_width(sub))
    # A crumb along a shadow's edge is dark and thin too, but it is no pen stroke beside the patch.
    sides = np.maximum(stats[1:, 2], stats[1:, 3]).astype(np.float64)
    top = idx[np.argsort(-areas[idx])][:8]
    for i in top:
        darker = [j for j in top if j != i and widths[j] > 0 and (
            (level[j] >= level[i] / SHADE_LIGHTER and patch[i] >= SHADE_WIDER * patch[j]
             and areas[j] >= 0.05 * areas[i])
            or (level[j] >= level[i] / SOFT_SHADE_LIGHTER and patch[i] >= SOFT_SHADE_WIDER * patch[j]
                and areas[j] >= 0.01 * areas[i] and sides[j] >= 0.25 * sides[i]))]
        out[i] = bool(darker)
    return out


def select_digit(mask: np.ndarray, ink: np.ndarray | None = None) -> tuple[Components | None, str]:
    """Connected components -> the digit's pieces, or (None, reason).

    With ``ink`` (the ink map, photos only), patches that look like a shadow beside pen
    strokes are not taken for the digit (:func:`shade_like`).
    """
    h, w = mask.shape
    n, labels, stats = components(mask)
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
            # ... with room around it: a piece lying against the strokes of a big sparse piece is a
            # fragment of the digit (a fat 3 around a crumb), not a digit inside a frame.
            for jj in j[encloses][:4]:
                m = max(3, round(0.03 * s0))
                x0, y0 = max(0, int(xs[jj]) - m), max(0, int(ys[jj]) - m)
                x1, y1 = min(w, int(xs[jj] + ws[jj]) + m), min(h, int(ys[jj] + hs[jj]) + m)
                if not np.any(labels[y0:y1, x0:x1] == i + 1):
                    frame_like[i] = True
                    break
    # Thin straight slivers (pieces of ruled lines) make poor main pieces.
    sliver = (longer >= 8 * np.minimum(ws, hs)) & (thickness <= max(2.5, 0.008 * s0))
    cand = big & ~line_like & ~frame_like & ~sliver
    if ink is not None:
        shade = shade_like(labels, stats, ink, cand)
        cand &= ~shade
        frame_like |= shade  # nor does it join the digit as a piece
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
        width = mean_stroke_width(sub, areas[i])
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
    return Components(labels, stats, [g + 1 for g in group], (n - 1) - len(group), long_pieces), "ok"


@dataclass
class Analysis:
    """Ink map, mask and chosen components for one polarity hypothesis."""

    bg: np.ndarray | None  # estimated background (None when flat)
    ink: np.ndarray  # uint8, 0 = paper, 255 = full ink
    thr: float
    floor: float
    mask: np.ndarray  # after ruled-line removal
    raw_mask: np.ndarray  # straight after thresholding
    comps: Components | None
    why: str
    shade_evened: bool = False  # ``ink`` already multiplied by :func:`deep_shade_gain`


def strokes_written_over(
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


def without_lines(
    mask: np.ndarray, low: np.ndarray, ink: np.ndarray, thr: float, min_span: float, photo: bool = False
) -> tuple[np.ndarray, Components | None, str]:
    """Remove ruled lines found in ``low`` from ``mask`` and select the digit.

    Returns (cleaned mask, components, reason); components are None when there
    were no lines or nothing was left.
    """
    line_lab, boxes, vertical = find_lines(low, min_span)
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
        comps, why = select_digit(cleaned, ink if photo else None)
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
        over = strokes_written_over(ink, thr, horiz_px, vert_px, (x0, y0, x1, y1), round(m) + 2) & ~written_over
        if not keep.any() and not over.any():
            break
        drop &= ~keep
        written_over |= over
    return cleaned, comps, why


def _along_an_edge(an: Analysis) -> bool:
    """The found "ink" looks like a shadow's edge: long and thin across the page, or touching a border."""
    if an.comps is None:
        return True
    h, w = an.ink.shape
    x0, y0, x1, y1 = an.comps.box
    long_side = max(x1 - x0, y1 - y0)
    fill = an.comps.area / max(1, (x1 - x0) * (y1 - y0))
    borders = (x0 <= 1) + (y0 <= 1) + (x1 >= w - 1) + (y1 >= h - 1)
    return (long_side >= 0.4 * max(h, w) and fill < 0.2) or borders >= 1


def _stroke_width(an: Analysis) -> float:
    """Typical width (px) of the chosen strokes: twice the area over the outline's length."""
    if an.comps is None:
        return 0.0
    x0, y0, x1, y1 = an.comps.box
    sub = np.isin(an.comps.labels[y0:y1, x0:x1], an.comps.group)
    return mean_stroke_width(sub, an.comps.area)


def contrast_denominator(bg: np.ndarray) -> np.ndarray:
    """What ink is measured relative to: the paper's level, but never under half the brightest paper.

    Relative contrast copes with shadows, but sensor noise does not shrink in the dark.
    """
    paper = hist_quantile(np.cumsum(cv2.calcHist([bg], [0], None, [256], [0, 256]).ravel()), 0.9)
    return cv2.max(bg, max(64, paper // 2))


def deep_shade_gain(bg: np.ndarray) -> np.ndarray | None:
    """Per pixel, how much :func:`contrast_denominator` understates ink in a deep shadow (>= 1).

    The floor on the denominator keeps noise out of the mask, but leaves a stroke's part in the
    shadow fainter than its lit part; multiplying the ink map by this evens the stroke out again.
    None where the paper is nowhere that dark (the usual case).
    """
    denom = contrast_denominator(bg)
    if not np.any(bg < denom):
        return None
    return denom.astype(np.float32) / np.maximum(bg, 1).astype(np.float32)


def analyse(
    g: np.ndarray, clean: bool, bg_level: int, tail: float, bg: np.ndarray | None = None, step_bg: bool = False
) -> Analysis:
    """Background removal, threshold and component selection for dark ink on light paper.

    ``bg``: the paper level to use (else estimated here). In a photo, the paper is
    estimated by :func:`step_preserving_background`, which follows any shadow wider than
    the pen (a phone's hard edge, a hand's soft blob) and so leaves it out of the ink;
    unless the usual estimate finds, away from the picture's border, strokes too thick for
    that closing to fill (a fat marker). ``step_bg``: ``bg`` is that estimate, so the ink is
    evened out in deep shadow (:func:`deep_shade_gain`) before the threshold.
    """
    if not clean and bg is None and max(g.shape) >= SHADOW_MIN_SIDE:
        usual = analyse(g, clean, bg_level, tail, background(g))
        kernel = STEP_FRAC * max(g.shape)
        if not _along_an_edge(usual) and _stroke_width(usual) >= 0.8 * kernel:
            return usual
        return analyse(g, clean, bg_level, tail, step_preserving_background(g, STEP_FRAC), step_bg=True)
    noise_floor = gain = None
    if clean:
        bg_level = max(bg_level, 1)
        ink = cv2.convertScaleAbs(cv2.subtract(np.full_like(g, bg_level), g), alpha=255.0 / max(bg_level, 64))
        bg_img = None
    else:
        bg_img = background(g) if bg is None else bg
        denom = contrast_denominator(bg_img)
        ink = cv2.divide(cv2.subtract(bg_img, g), denom, scale=255)
        noise_floor = local_noise_floor(g, denom)
        gain = deep_shade_gain(bg_img) if step_bg else None
        if gain is not None:
            # Even a stroke out where it runs into a deep shadow before thresholding (its part
            # there would fall under the threshold and drop out); the noise floor scales alike,
            # so noise is kept out as before. Only with the step-preserving paper level: the
            # usual one is too bright along a shadow's edge, and the gain would lift that too.
            ink = cv2.multiply(ink, gain, dtype=cv2.CV_8U)
            noise_floor = cv2.multiply(noise_floor, gain, dtype=cv2.CV_8U)
    ih = cv2.calcHist([ink], [0], None, [256], [0, 256]).ravel()
    icdf = np.cumsum(ih)
    i50, i75 = hist_quantile(icdf, 0.5), hist_quantile(icdf, 0.75)
    peak_all = hist_quantile(icdf, 1.0 - tail)
    empty = np.zeros_like(ink)
    if peak_all < MIN_CONTRAST:
        return Analysis(bg_img, ink, float(MIN_CONTRAST), 0.0, empty, empty, None, "faint", gain is not None)
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
        comps, why = select_digit(mask)
        if comps is not None and not comps.long_pieces:
                return Analysis(bg_img, ink, thr, floor, mask, raw_mask, comps, why)
    # Lines are traced on a lower threshold so a faint ruled line is found whole
    # rather than as dashes that could pass for strokes.
    _, low = cv2.threshold(ink, max(0.5 * thr, 0.5 * MIN_CONTRAST), 255, cv2.THRESH_BINARY)
    # On a clean canvas a long straight stroke is the digit (a tall '1'), so
    # only lines crossing nearly the whole picture count there.
    cleaned, comps, why = without_lines(mask, low, ink, thr, 0.8 if clean else 0.2, photo=not clean)
    if comps is not None:
        mask = cleaned
    else:  # no lines, or nothing left once they were removed
        comps, why = select_digit(mask, None if clean else ink)
    if not clean and comps is not None:
        split = _without_touching_shade(mask, ink, comps)
        if split is not None:
            mask, comps, thr = split
    return Analysis(bg_img, ink, thr, floor, mask, raw_mask, comps, why, gain is not None)


def _without_touching_shade(mask: np.ndarray, ink: np.ndarray, comps: Components):
    """A shadow touching the digit joins it into one piece: split the piece by darkness.

    When the chosen pieces' ink has two levels, a dark one in thin strokes and a lighter one in a
    far wider patch (a shadow keeps a third or more of the light), the lighter part is dropped
    and the digit chosen again. Returns (mask, components, threshold), or None to keep all.
    """
    x0, y0, x1, y1 = comps.box
    group = np.isin(comps.labels[y0:y1, x0:x1], comps.group)
    vals = ink[y0:y1, x0:x1][group]
    if vals.size < 200:
        return None
    level, _ = cv2.threshold(vals.reshape(1, -1), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    dark = group & (ink[y0:y1, x0:x1] > level)
    light = group & ~dark
    n_dark, n_light = int(dark.sum()), int(light.sum())
    # (The strokes may be a small share: a thin 7 touching a big patch of shade.)
    if n_dark < max(100, 0.02 * vals.size) or n_light < 0.3 * vals.size:
        return None
    box_ink = ink[y0:y1, x0:x1]
    if float(np.percentile(box_ink[light], 90)) >= SHADE_LIGHTER * float(np.percentile(box_ink[dark], 90)):
        return None
    # Widths as inscribed radii (distance to the outline): noise along a patch's edge does not shrink them.
    r_dark = cv2.distanceTransform(dark.view(np.uint8), cv2.DIST_L2, 3)
    r_light = cv2.distanceTransform(cv2.medianBlur(light.view(np.uint8) * 255, 5), cv2.DIST_L2, 3)
    # ... and a shadow is a sizeable patch, not the soft rim of thin strokes.
    if float(r_light.max()) < max(SHADE_WIDER * float(r_dark.max()), 0.01 * max(ink.shape)):
        return None
    _, strokes = cv2.threshold(ink, level, 255, cv2.THRESH_BINARY)
    new_mask = cv2.bitwise_and(mask, strokes)
    new_comps, _ = select_digit(new_mask, ink)
    if new_comps is None:
        return None
    return new_mask, new_comps, float(level)
