"""The three renderers: a shape drawn as a streamlit-drawable-canvas drawing, a scan or a
phone photo. ``render_*`` give (image, label); ``render_*_full`` also give the ink's bounding
box and, for scans and photos, the JPEG bytes the image was decoded from."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .distort import distort
from .raster import fit_pen, ink_colour, jpeg_round_trip, lowres_field, pen_profile, pen_style, stroke_bbox, stroke_mask
from .strokes import StrokeShape

__all__ = [
    "CANVAS_SIZE",
    "cast_shadow",
    "render_canvas",
    "render_canvas_full",
    "render_photo",
    "render_photo_full",
    "render_scan",
    "render_scan_full",
]

CANVAS_SIZE = 280


def _between(rng: np.random.Generator, lo: float, hi: float) -> float:
    """Uniform in [lo, hi]; the midpoint when rounding made the range empty."""
    return float(rng.uniform(lo, hi)) if hi > lo else (lo + hi) / 2


def render_canvas_full(shape: StrokeShape, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 280x280 RGBA canvas drawing of ``shape`` and the ink's bounding box (x0, y0, x1, y1)."""
    size = CANVAS_SIZE
    wobble = rng.uniform(0.004, 0.012) if rng.random() < 0.35 else 0.0
    strokes, wn = distort(shape, rng, wobble=wobble)
    h = rng.uniform(80, 260)
    pen = rng.uniform(max(8.0, 0.045 * h), min(35.0, 0.28 * h))
    avail = size - pen - 8  # anti-aliasing spills a pixel beyond the pen
    h = min(h, avail, avail / max(wn, 1e-6))
    w = wn * h
    pen = fit_pen([s * h for s in strokes], pen, 8.0)
    lo_x, hi_x = pen / 2 + 4, size - w - pen / 2 - 4
    lo_y, hi_y = pen / 2 + 4, size - h - pen / 2 - 4
    if rng.random() < 0.3:  # pushed towards a corner, as people do on a big canvas
        fx, fy = rng.uniform(0, 0.15, 2)
        x0 = lo_x + fx * (hi_x - lo_x) if rng.random() < 0.5 else hi_x - fx * (hi_x - lo_x)
        y0 = lo_y + fy * (hi_y - lo_y) if rng.random() < 0.5 else hi_y - fy * (hi_y - lo_y)
    else:
        x0, y0 = _between(rng, lo_x, hi_x), _between(rng, lo_y, hi_y)
    px = [s * h + (x0, y0) for s in strokes]
    cov = stroke_mask(px, (size, size), pen)
    a8 = np.round(cov * 255).astype(np.uint8)
    img = np.zeros((size, size, 4), np.uint8)
    if rng.random() < 0.55:
        # Opaque black background, white (rarely light-tinted) strokes, alpha 255 everywhere.
        colour = np.array([255, 255, 255], np.float32)
        if rng.random() < 0.1:
            colour = rng.uniform(170, 255, 3).astype(np.float32)
        img[..., :3] = np.round(cov[..., None] * colour).astype(np.uint8)
        img[..., 3] = 255
    else:
        # Transparent background (RGBA 0,0,0,0) and dark strokes: the colour stays
        # un-premultiplied on anti-aliased edges and only alpha fades, as in the PNG the
        # canvas exports (fabric toDataURL).
        colour = np.array([0, 0, 0], np.float32)
        if rng.random() < 0.3:
            colour = ink_colour(rng)
        img[..., :3] = np.where(a8[..., None] > 0, colour.astype(np.uint8), 0)
        img[..., 3] = a8
    return img, stroke_bbox(px, pen / 2, (size, size))


def render_canvas(shape: StrokeShape, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A 280x280 RGBA drawing as streamlit-drawable-canvas returns it; (image, label)."""
    return render_canvas_full(shape, rng)[0], shape.label


def render_scan_full(
    shape: StrokeShape, rng: np.random.Generator
) -> tuple[np.ndarray, tuple[int, int, int, int], bytes]:
    """A scanned digit (RGB or grayscale, JPEG-decoded), the ink's bounding box and the JPEG."""
    H = int(rng.integers(100, 401))
    W = int(np.clip(round(H * rng.uniform(0.75, 1.33)), 100, 400))
    strokes, wn = distort(shape, rng)
    tight = rng.random() < 0.4
    frac = rng.uniform(0.72, 0.9) if tight else rng.uniform(0.3, 0.68)
    h = frac * H
    if rng.random() < 0.3:
        pen = rng.uniform(1.0, 2.2)  # fine pen on a high-resolution crop
    else:
        pen = max(1.5, rng.uniform(0.035, 0.13) * h)
    h = min(h, H - pen - 4, (W - pen - 4) / max(wn, 1e-6))
    w = wn * h
    pen = fit_pen([s * h for s in strokes], pen, 1.0)
    x0 = _between(rng, pen / 2 + 1, W - w - pen / 2 - 1)
    y0 = _between(rng, pen / 2 + 1, H - h - pen / 2 - 1)
    px, widths = pen_profile([s * h + (x0, y0) for s in strokes], pen, rng, pen_style(rng))

    paper = np.array([rng.uniform(235, 255)] * 3, np.float32)
    if rng.random() < 0.4:  # off-white, cream or grayish paper
        paper = paper - rng.uniform(0, 22, 3).astype(np.float32) * np.array([0.3, 0.6, 1.0], np.float32)
    img = np.empty((H, W, 3), np.float32)
    img[:] = paper
    img *= lowres_field(rng, (H, W), 6, 0.012)[..., None]
    if rng.random() < 0.25:  # faint ruled line(s) of notebook paper
        line_col = paper - np.array(rng.uniform([30, 15, 0], [70, 45, 20]), np.float32)
        gap = rng.uniform(0.3, 0.6) * H
        y = rng.uniform(0, gap)
        while y < H:
            cv2.line(img, (0, int(y)), (W, int(y + rng.uniform(-2, 2))), line_col.tolist(), 1, cv2.LINE_AA)
            y += gap
    ink = ink_colour(rng)
    cov = stroke_mask(px, (H, W), pen, widths)
    cov *= np.clip(lowres_field(rng, (H, W), 8, 0.12), 0.6, 1.0)  # pen pressure / ink flow
    img = img * (1 - cov[..., None]) + ink * cov[..., None]
    if rng.random() < 0.2:  # specks of dust or toner
        for _ in range(int(rng.integers(1, 4))):
            c = (int(rng.integers(0, W)), int(rng.integers(0, H)))
            r = max(1, int(rng.uniform(0.5, 1.6) * H / 200))
            shade = float(rng.uniform(40, 160))
            cv2.circle(img, c, r, (shade, shade, shade), -1, cv2.LINE_AA)
    sigma = rng.uniform(0.0, 0.9)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img += rng.normal(0, rng.uniform(1.0, 5.0), img.shape).astype(np.float32)
    out = np.clip(np.round(img), 0, 255).astype(np.uint8)
    if rng.random() < 0.25:
        out = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
    dec, data = jpeg_round_trip(out, int(rng.integers(60, 96)))
    return dec, stroke_bbox(px, pen / 2, (H, W)), data


def render_scan(shape: StrokeShape, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A scanned digit (RGB, sometimes grayscale; JPEG-decoded); (image, label)."""
    return render_scan_full(shape, rng)[0], shape.label


def cast_shadow(
    rng: np.random.Generator, hw: tuple[int, int], ink_box: tuple[float, float, float, float], kind: str = "any"
) -> np.ndarray:
    """A light factor map (float32, 1 = lit) with a shadow across part of the page.

    ``kind``: ``hard`` (a phone's or hand's shadow under a lamp: an edge a few pixels
    wide), ``soft`` (diffuse light: an edge over 2-8 % of the picture) or ``any``
    (70 % hard). The shadow is a half-plane (the phone's edge) or a rounded blob (a
    hand, a head) coming in from outside; its edge usually crosses the ink.
    """
    h, w = hw
    if kind == "any":
        kind = "hard" if rng.random() < 0.7 else "soft"
    x0, y0, x1, y1 = ink_box
    if rng.random() < 0.7:  # the edge passes through the writing
        px, py = rng.uniform(x0, x1), rng.uniform(y0, y1)
    else:
        px, py = rng.uniform(0.15 * w, 0.85 * w), rng.uniform(0.15 * h, 0.85 * h)
    mask = np.zeros((h, w), np.uint8)
    ang = rng.uniform(0, 2 * np.pi)
    nx, ny = math.cos(ang), math.sin(ang)
    if rng.random() < 0.6:
        # Half-plane beyond a straight (slightly bent) edge through (px, py).
        big = 4 * max(h, w)
        tx, ty = -ny, nx
        bend = rng.uniform(-0.03, 0.03) * max(h, w)
        pts = [(px - tx * big, py - ty * big), (px + tx * big, py + ty * big),
               (px + tx * big + nx * big, py + ty * big + ny * big),
               (px + nx * big + bend * tx, py + ny * big + bend * ty),
               (px - tx * big + nx * big, py - ty * big + ny * big)]
        cv2.fillPoly(mask, [np.round(np.array(pts)).astype(np.int64).astype(np.int32)], 255, cv2.LINE_AA)
    else:
        # An elongated blob whose near end passes through (px, py).
        length = rng.uniform(0.6, 1.2) * max(h, w)
        width = rng.uniform(0.2, 0.45) * min(h, w)
        cx, cy = px + nx * length / 2, py + ny * length / 2
        cv2.ellipse(mask, (int(cx), int(cy)), (int(length / 2), int(width / 2)), math.degrees(ang), 0, 360, 255, -1,
                    cv2.LINE_AA)
    sh = mask.astype(np.float32) / 255.0
    if kind == "hard":
        sigma = rng.uniform(0.5, 3.0) * max(h, w) / 1000.0
    else:
        sigma = rng.uniform(0.02, 0.08) * min(h, w)
    sh = cv2.GaussianBlur(sh, (0, 0), sigma)
    depth = rng.uniform(0.3, 0.65)  # how much light the shadow takes away
    return 1.0 - depth * sh


def render_photo_full(
    shape: StrokeShape, rng: np.random.Generator, shadow: str | None = None,
    strokes_out: list | None = None,
) -> tuple[np.ndarray, tuple[int, int, int, int], bytes]:
    """A phone-like photo (RGB, JPEG-decoded), the ink's bounding box and the JPEG.

    ``shadow`` (``hard``, ``soft`` or ``any``) adds :func:`cast_shadow` across the page;
    without it the images a seed gives are unchanged. ``strokes_out``, when given, receives
    each of the shape's strokes as drawn (photo pixels, in order) and then the pen width.
    """
    long_side = int(rng.integers(1000, 3001))
    aspect = float(rng.choice([4 / 3, 3 / 4, 16 / 9, 9 / 16, 1.0], p=[0.3, 0.35, 0.1, 0.15, 0.1]))
    if aspect >= 1:
        W, H = long_side, int(round(long_side / aspect))
    else:
        H, W = long_side, int(round(long_side * aspect))
    strokes, wn = distort(shape, rng)
    # Mostly a small digit somewhere on the page; sometimes a close-up that fills the frame.
    h = (rng.uniform(0.08, 0.40) if rng.random() < 0.75 else rng.uniform(0.40, 0.65)) * H
    pen_ratio = rng.uniform(0.02, 0.12)  # fine ballpoint .. felt marker
    margin = 0.04 * min(H, W)
    h = min(h, (W - 2 * margin) / (max(wn, 1e-6) + pen_ratio), (H - 2 * margin) / (1 + pen_ratio))
    pen = fit_pen([s * h for s in strokes], max(2.0, pen_ratio * h), 2.0)
    w = wn * h
    x0 = _between(rng, margin + pen / 2, W - w - margin - pen / 2)
    y0 = _between(rng, margin + pen / 2, H - h - margin - pen / 2)
    px = [s * h + (x0, y0) for s in strokes]
    # Small perspective: the phone is not held exactly parallel to the paper.
    src = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32)
    dst = src + rng.uniform(-0.035, 0.035, (4, 2)).astype(np.float32) * np.array([W, H], np.float32)
    hom = cv2.getPerspectiveTransform(src, dst)

    def warp(p: np.ndarray) -> np.ndarray:
        return cv2.perspectiveTransform(p[None].astype(np.float32), hom)[0].astype(np.float64)

    px, widths = pen_profile([warp(s) for s in px], pen, rng, pen_style(rng))
    if strokes_out is not None:
        strokes_out.extend([*px, pen])

    # Paper colour (tint + white balance) and light: gradient, vignette, a soft shadow.
    base = rng.uniform(175, 245)  # exposure
    kind_r = rng.random()
    if kind_r < 0.7:  # white
        paper_rgb = np.array([1.0, 1.0, 1.0])
    elif kind_r < 0.85:  # cream / yellowish
        paper_rgb = np.array([1.0, 0.98, rng.uniform(0.86, 0.94)])
    elif kind_r < 0.95:  # grayish recycled
        paper_rgb = np.full(3, rng.uniform(0.85, 0.95))
    else:  # pastel sticky note
        paper_rgb = 1.0 - rng.uniform(0.0, 0.15, 3)
    warm = rng.normal(0, 1)  # white-balance cast along the warm-cool axis
    cast = np.array([1 + 0.035 * warm, 1.0 + 0.005 * warm, 1 - 0.05 * warm]) * rng.uniform(0.985, 1.015, 3)
    paper = np.clip(base * paper_rgb, 0, 255).astype(np.float32)
    lh, lw = max(8, H // 16), max(8, W // 16)
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    yy /= lh
    xx /= lw
    ang = rng.uniform(0, 2 * np.pi)
    grad = (xx - 0.5) * math.cos(ang) + (yy - 0.5) * math.sin(ang)
    light = 1.0 + rng.uniform(0.15, 0.5) * grad
    r2 = (xx - 0.5) ** 2 + (yy - 0.5) ** 2
    light *= 1.0 - rng.uniform(0.0, 0.35) * r2 * 2
    if rng.random() < 0.6:
        blur_shadow = np.zeros((lh, lw), np.float32)
        cx, cy = rng.uniform(0, lw), rng.uniform(0, lh)
        axes = (int(rng.uniform(0.2, 0.7) * lw), int(rng.uniform(0.2, 0.7) * lh))
        cv2.ellipse(blur_shadow, (int(cx), int(cy)), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
        blur_shadow = cv2.GaussianBlur(blur_shadow, (0, 0), rng.uniform(0.04, 0.15) * max(lh, lw))
        light *= 1.0 - rng.uniform(0.15, 0.45) * blur_shadow
    light = cv2.resize(light, (W, H), interpolation=cv2.INTER_CUBIC)
    light *= lowres_field(rng, (H, W), 48, 0.015)  # paper texture / fibres
    if shadow is not None:
        allp = np.vstack(px)
        light *= cast_shadow(rng, (H, W), (*allp.min(axis=0), *allp.max(axis=0)), shadow)
    # Work per channel on 2-D maps and blur in uint8: a 3000 px float RGB image costs
    # far more time than the rest of the sample.
    line_cov = None
    line_col = paper
    if rng.random() < 0.25:  # lined or squared notebook paper
        line_col = paper - np.array(rng.uniform([35, 20, 0], [80, 50, 20]), np.float32)
        line_cov = np.zeros((H, W), np.float32)
        gap = rng.uniform(0.05, 0.12) * H
        grid = rng.random() < 0.4
        thick = max(1, int(round(H / 1000)))
        ends = [np.array([[-W, (k - 1) * gap], [2 * W, (k - 1) * gap]]) for k in range(int(H / gap) + 3)]
        if grid:
            ends += [np.array([[(k - 1) * gap, -H], [(k - 1) * gap, 2 * H]]) for k in range(int(W / gap) + 3)]
        for e in ends:
            p = np.round(warp(e)).astype(int)
            cv2.line(line_cov, (int(p[0, 0]), int(p[0, 1])), (int(p[1, 0]), int(p[1, 1])), 1.0, thick, cv2.LINE_AA)
    ink = ink_colour(rng)
    cov = stroke_mask(px, (H, W), pen, widths)
    cov *= np.clip(lowres_field(rng, (H, W), 10, 0.1), 0.65, 1.0)
    # Per channel: cast * light * (paper-with-lines * (1 - cov) + ink * cov), as weighted
    # sums of three shared maps with a saturating cast to uint8.
    lit_paper = cv2.multiply(light, 1.0 - cov)
    lit_ink = cv2.multiply(light, cov)
    lit_lines = cv2.multiply(lit_paper, line_cov) if line_cov is not None else None
    chans = []
    for c in range(3):
        a, b = float(cast[c] * paper[c]), float(cast[c] * ink[c])
        if lit_lines is None:
            chans.append(cv2.addWeighted(lit_paper, a, lit_ink, b, 0.0, dtype=cv2.CV_8U))
        else:
            ch = cv2.addWeighted(lit_paper, a, lit_ink, b, 0.0)
            chans.append(cv2.addWeighted(ch, 1.0, lit_lines, float(cast[c] * (line_col[c] - paper[c])), 0.0, dtype=cv2.CV_8U))
    scale = long_side / 1000.0
    kern = None
    if rng.random() < 0.15:  # hand shake
        k = max(3, int(rng.uniform(2, 7) * scale) | 1)
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D(((k - 1) / 2, (k - 1) / 2), rng.uniform(0, 180), 1.0)
        kern = cv2.warpAffine(kern, rot, (k, k))
        kern /= max(float(kern.sum()), 1e-6)
    sigma = rng.uniform(0.4, 1.6) * scale
    noise = rng.standard_normal((H, W), dtype=np.float32) * np.float32(rng.uniform(2, 8))
    for c in range(3):  # blur, then sensor noise (the same in all channels: luma noise)
        if kern is not None:
            chans[c] = cv2.filter2D(chans[c], -1, kern)
        chans[c] = cv2.add(cv2.GaussianBlur(chans[c], (0, 0), sigma), noise, dtype=cv2.CV_8U)
    out = cv2.merge(chans)
    dec, data = jpeg_round_trip(out, int(rng.integers(50, 91)))
    return dec, stroke_bbox(px, pen / 2, (H, W)), data


def render_photo(shape: StrokeShape, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A phone-like photo (RGB, 1000-3000 px, JPEG-decoded) of the digit; (image, label)."""
    return render_photo_full(shape, rng)[0], shape.label
