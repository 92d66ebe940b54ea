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
#: 5th percentile 0.065, median 0.098, 95th percentile 0.154.
_STROKE_TARGET = 0.10
_STROKE_DILATE_BELOW = 0.07
_STROKE_ERODE_ABOVE = 0.20
_STROKE_ERODE_TO = 0.16
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
    if arr.shape[2] == 3 or int(arr[:, :, 3].min()) == 255:
        rgb = arr[:, :, :3]
        g = shrink(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        disp = shrink(np.ascontiguousarray(rgb)) if keep_steps else None
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


def _background(g: np.ndarray) -> np.ndarray:
    """Paper brightness everywhere (ink is dark here): closing on a small thumbnail.

    A closing with a kernel wider than any pen stroke fills the strokes in
    while following slow light changes and shadows.
    """
    h, w = g.shape
    f = min(1.0, _BG_THUMB_SIDE / max(h, w))
    tw, th = max(1, round(w * f)), max(1, round(h * f))
    thumb = cv2.resize(g, (tw, th), interpolation=cv2.INTER_AREA) if f < 1 else g
    k = max(3, (round(max(tw, th) / 5) // 2) * 2 + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    closed = cv2.morphologyEx(thumb, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    closed = cv2.blur(closed, (3, 3))
    if f < 1:
        closed = cv2.resize(closed, (w, h), interpolation=cv2.INTER_LINEAR)
    return closed


@dataclass
class _Components:
    labels: np.ndarray
    stats: np.ndarray
    group: list[int]
    dropped: int


def _select_digit(mask: np.ndarray) -> tuple[_Components | None, str]:
    """Connected components -> the digit's pieces, or (None, reason)."""
    h, w = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return None, "nothing"
    s0 = max(h, w)
    xs, ys, ws, hs, areas = (stats[1:, i].astype(np.int64) for i in range(5))
    longer = np.maximum(ws, hs)
    speck_side = max(4.0, 0.02 * s0)
    big = longer >= speck_side
    # Long thin straight things (ruled lines, paper or table edges) are not digits.
    thickness = areas / np.maximum(longer, 1)
    spans = np.where(ws >= hs, ws / w, hs / h)
    line_like = (spans >= 0.5) & (thickness <= max(2.5, 0.012 * s0)) & (longer >= 8 * np.minimum(ws, hs))
    cand = big & ~line_like
    if not cand.any():
        cand = big  # a lone straight stroke may be a '1'
    if not cand.any():
        return None, "specks"
    idx = np.flatnonzero(cand)
    main = int(idx[np.argmax(areas[idx])])
    main_area = int(areas[main])

    gx0, gy0 = int(xs[main]), int(ys[main])
    gx1, gy1 = gx0 + int(ws[main]), gy0 + int(hs[main])
    group = [main]
    # Other pieces: biggest first, only the 64 biggest (noise can make thousands).
    others = [int(i) for i in np.argsort(-areas) if i != main and not line_like[i]][:64]
    changed = True
    while changed and others:
        changed = False
        size = max(gx1 - gx0, gy1 - gy0)
        for i in list(others):
            x0, y0 = int(xs[i]), int(ys[i])
            x1, y1 = x0 + int(ws[i]), y0 + int(hs[i])
            dx = max(0, gx0 - x1, x0 - gx1)
            dy = max(0, gy0 - y1, y0 - gy1)
            gap = math.hypot(dx, dy)
            a = int(areas[i])
            near_big = a >= 0.02 * main_area and gap <= 0.35 * size + 2
            close_small = a >= max(3, 0.002 * main_area) and gap <= 0.08 * size + 2
            if near_big or close_small:
                group.append(i)
                others.remove(i)
                gx0, gy0, gx1, gy1 = min(gx0, x0), min(gy0, y0), max(gx1, x1), max(gy1, y1)
                changed = True
    group_area = int(areas[group].sum())
    total = int(areas.sum())
    # Noise / paper texture: ink everywhere, in crumbs, with no dominant shape.
    if (
        total > 0.2 * h * w
        and (gx1 - gx0) * (gy1 - gy0) > 0.6 * h * w
        and n - 1 > 50
        and main_area < 0.9 * total
    ):
        return None, "noise"
    stats_out = stats.copy()
    return _Components(labels, stats_out, [g + 1 for g in group], (n - 1) - len(group)), (
        "ok" if group_area else "nothing"
    )


def _stroke_adjust(soft: np.ndarray, gm: np.ndarray, box_side: int) -> tuple[np.ndarray, str]:
    """Thicken thin strokes / thin out blobs so stroke:box matches MNIST."""
    area = int(np.count_nonzero(gm))
    t = _transitions(gm)
    if area == 0 or t == 0 or box_side <= 0:
        return soft, ""
    width = 2.0 * area / t
    ratio = width / box_side
    if ratio < _STROKE_DILATE_BELOW:
        d = (_STROKE_TARGET * box_side - width) / (2.0 * (1.0 - _STROKE_TARGET))
        if d < 0.5:
            return soft, ""
        dist = cv2.distanceTransform(cv2.bitwise_not(gm), cv2.DIST_L2, 5)
        grown = np.clip(d + 0.5 - dist, 0.0, 1.0)
        return np.maximum(soft, grown), (
            f"Strokes were thin ({ratio:.0%} of the digit's size); thickened to about "
            f"{_STROKE_TARGET:.0%} like MNIST pen strokes."
        )
    if ratio > _STROKE_ERODE_ABOVE:
        e = (width - _STROKE_ERODE_TO * box_side) / (2.0 * (1.0 - _STROKE_ERODE_TO))
        e = min(e, 0.3 * width)
        if e < 0.5:
            return soft, ""
        dist = cv2.distanceTransform(gm, cv2.DIST_L2, 5)
        keep = np.clip(dist - e + 0.5, 0.0, 1.0)
        return np.minimum(soft, keep), (
            f"Strokes were very thick ({ratio:.0%} of the digit's size); thinned a little "
            "towards MNIST proportions."
        )
    return soft, ""


def _scale_and_centre(soft: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Tight crop -> longer side 20 px -> 28x28 with the centre of mass at MNIST's."""
    pts = cv2.findNonZero((soft > 0.02).view(np.uint8))
    if pts is None:
        return None
    x, y, w, h = cv2.boundingRect(pts)
    crop = soft[y : y + h, x : x + w]
    s = _BOX / max(w, h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    small = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
    small = np.clip(small, 0.0, 1.0)
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
    n_px = cdf[-1]
    tail = max(2.0, n_px * 1e-4) / n_px
    lo, hi = _hist_quantile(cdf, tail), _hist_quantile(cdf, 1.0 - tail)
    med = _hist_quantile(cdf, 0.5)
    if hi - lo < 12:
        return _no_ink("No ink found: the image is blank (one flat colour).", steps)
    ring = _border_ring(g)
    ring_med = int(np.median(ring))
    ring_flat = float(np.mean(np.abs(ring.astype(np.int16) - ring_med) <= 16)) >= 0.8

    def dark_ink(ref: int) -> bool:
        return (ref - lo) >= (hi - ref)

    dark = dark_ink(ring_med)
    if dark != dark_ink(med) and not ring_flat:
        dark = dark_ink(med)  # border is busy (shadow, clutter): trust the majority
    if not dark:
        g = cv2.bitwise_not(g)  # from here on ink is darker than paper
        ring_med = 255 - ring_med
    polarity_note = (
        "Dark ink on a light background." if dark else "Light ink on a dark background: inverted so ink is dark."
    )

    # --- background removal -> ink map (0 = paper, 255 = full ink) -----------
    ring_spread = float(np.percentile(ring, 95) - np.percentile(ring, 5))
    clean = ring_flat and ring_spread <= 10
    if clean:
        bg_level = max(ring_med, 1)
        ink = cv2.convertScaleAbs(cv2.subtract(np.full_like(g, bg_level), g), alpha=255.0 / max(bg_level, 64))
        bg_img = None
    else:
        bg_img = _background(g)
        diff = cv2.subtract(bg_img, g)
        ink = cv2.divide(diff, cv2.max(bg_img, 64), scale=255)
    if keep_steps:
        if bg_img is not None:
            steps.append(
                Step(
                    "Background estimate",
                    bg_img if dark else cv2.bitwise_not(bg_img),
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

    ih = cv2.calcHist([ink], [0], None, [256], [0, 256]).ravel()
    icdf = np.cumsum(ih)
    i50, i75 = _hist_quantile(icdf, 0.5), _hist_quantile(icdf, 0.75)
    peak_all = _hist_quantile(icdf, 1.0 - tail)
    if peak_all < MIN_CONTRAST:
        return _no_ink("No ink found: nothing stands out from the background.", steps)
    otsu, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Noisy paper lifts the lower quantiles; a digit covering >25% of the picture
    # lifts i75 too, hence the cap relative to the ink peak.
    noise_thr = min(i50 + 4.0 * (i75 - i50) + 4.0, 0.6 * peak_all)
    thr = max(float(otsu), float(MIN_CONTRAST), noise_thr)
    floor = min(i50 + 3.0 * (i75 - i50) + 2.0, 0.5 * thr)
    _, mask = cv2.threshold(ink, thr, 255, cv2.THRESH_BINARY)

    comps, why = _select_digit(mask)
    if comps is None:
        if keep_steps:
            steps.append(Step("Ink mask (threshold + cleaned)", mask, f"Ink is what differs from the background by {thr / 2.55:.0f}% or more."))
        msg = {
            "nothing": "No ink found: nothing stands out from the background.",
            "specks": "No digit found: only a few tiny specks, too small to be a digit.",
            "noise": "No clear digit found: the image looks like noise or texture, not a written digit.",
        }[why]
        return _no_ink(msg, steps)

    st = comps.stats[comps.group]
    x0, y0 = int(st[:, 0].min()), int(st[:, 1].min())
    x1 = int((st[:, 0] + st[:, 2]).max())
    y1 = int((st[:, 1] + st[:, 3]).max())
    box_side = max(x1 - x0, y1 - y0)

    lut = np.zeros(comps.stats.shape[0], np.uint8)
    lut[comps.group] = 255
    if keep_steps:
        lut_show = np.where(comps.stats[:, 4] > 0, 90, 0).astype(np.uint8)
        lut_show[0] = 0
        lut_show[comps.group] = 255
        extra = f" {comps.dropped} speck(s)/line(s) ignored (grey)." if comps.dropped else ""
        steps.append(
            Step(
                "Ink mask (threshold + cleaned)",
                lut_show[comps.labels],
                f"Ink above {thr / 2.55:.0f}% contrast; the digit's connected strokes kept (white).{extra}",
            )
        )

    # Crop with room for thickening; pad where the digit touches the edge.
    margin = max(2, math.ceil(0.1 * box_side) + 2)
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    cx1, cy1 = min(w, x1 + margin), min(h, y1 + margin)
    pad = ((cy0 - (y0 - margin), (y1 + margin) - cy1), (cx0 - (x0 - margin), (x1 + margin) - cx1))
    gm = np.pad(lut[comps.labels[cy0:cy1, cx0:cx1]], pad)
    ink_c = np.pad(ink[cy0:cy1, cx0:cx1], pad)

    # Soft ink (keeps anti-aliasing), scaled so the stroke's body reaches 1.0.
    mh = cv2.calcHist([ink_c], [0], gm, [256], [0, 256]).ravel()
    peak = max(_hist_quantile(np.cumsum(mh), 0.9), floor + 1.0)
    near = cv2.dilate(gm, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    soft = (ink_c.astype(np.float32) - floor) * (1.0 / (peak - floor))
    np.clip(soft, 0.0, 1.0, out=soft)
    soft[near == 0] = 0.0

    bx0, by0 = math.floor(x0 * sx), math.floor(y0 * sy)
    bx1, by1 = min(w0, math.ceil(x1 * sx)), min(h0, math.ceil(y1 * sy))
    bbox = (bx0, by0, bx1 - bx0, by1 - by0)
    if keep_steps:
        disp = gr.display if gr.display.ndim == 3 else cv2.cvtColor(gr.display, cv2.COLOR_GRAY2RGB)
        disp = disp.copy()
        thick = max(1, round(max(h, w) / 250))
        cv2.rectangle(disp, (x0, y0), (x1 - 1, y1 - 1), (0, 200, 0), thick)
        steps.append(
            Step(
                "Digit box",
                disp,
                f"The digit found at x={bbox[0]}, y={bbox[1]}, {bbox[2]} x {bbox[3]} px (original pixels).",
            )
        )
        steps.append(Step("Cropped", (soft * 255).astype(np.uint8), "Only the digit's ink, white on black."))

    # Width is measured on the half-intensity core, as in the MNIST calibration.
    core = (soft >= 0.5).view(np.uint8) * np.uint8(255)
    soft, stroke_note = _stroke_adjust(soft, core if core.any() else gm, box_side)
    if keep_steps and stroke_note:
        steps.append(Step("Stroke thickness adjusted", (soft * 255).astype(np.uint8), stroke_note))

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
