"""Rasterisation helpers the renderers share: anti-aliased stroke coverage, pens (width
profiles, a width that keeps loops open, ink colours), smooth noise fields, the ink's
bounding box and a JPEG round trip."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .strokes import count_holes, resample

__all__ = [
    "fit_pen",
    "ink_colour",
    "jpeg_round_trip",
    "lowres_field",
    "pen_profile",
    "pen_style",
    "stroke_bbox",
    "stroke_mask",
]


def stroke_mask(
    strokes: Sequence[np.ndarray],
    hw: tuple[int, int],
    width: float,
    widths: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Anti-aliased coverage (float32 0..1) of round-capped strokes ``width`` pixels wide.

    ``widths`` (one array per stroke, one width per point) draws a pen whose width varies
    along the stroke; ``width`` is then the largest of them.
    """
    h, w = hw
    ss = 4 if width < 3 else 2 if (width < 8 or (widths is not None and width < 16)) else 1
    big = np.zeros((h * ss, w * ss), np.uint8)
    pts = [np.round((s * ss + (ss - 1) / 2) * 16).astype(np.int32) for s in strokes]
    if widths is None:
        cv2.polylines(big, pts, False, 255, max(1, int(round(width * ss))), cv2.LINE_AA, 4)
    else:
        for p, wd in zip(pts, widths):
            seg_w = np.maximum(1, np.round((wd[:-1] + wd[1:]) * 0.5 * ss)).astype(int)
            for i in range(len(p) - 1):
                cv2.line(big, (int(p[i, 0]), int(p[i, 1])), (int(p[i + 1, 0]), int(p[i + 1, 1])), 255, int(seg_w[i]), cv2.LINE_AA, 4)
    if ss > 1:
        big = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    return big.astype(np.float32) / 255.0


def pen_profile(
    strokes: Sequence[np.ndarray], width: float, rng: np.random.Generator, style: str
) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """Resampled strokes and per-point widths for a ``uniform``, ``pressure`` or ``nib`` pen.

    ``pressure``: a ballpoint or felt tip pressed harder and softer, lighter at the ends;
    ``nib``: a broad (fountain/chisel) nib, thick on strokes across it, thin along it.
    """
    if style == "uniform":
        return list(strokes), None
    step = max(0.75, width / 3)
    out_s, out_w = [], []
    height = float(np.ptp(np.vstack(strokes)[:, 1])) or 1.0
    nib_angle = rng.uniform(np.radians(25), np.radians(55))
    nib_min = rng.uniform(0.3, 0.6)
    waves = [(rng.uniform(0.4, 1.5) * height, rng.uniform(0, 2 * np.pi), rng.uniform(0.05, 0.18)) for _ in range(2)]
    for s in strokes:
        q = resample(s, step)
        t = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(q, axis=0).T))])
        if style == "nib":
            d = np.gradient(q, axis=0) if len(q) > 1 else np.zeros_like(q)
            theta = np.arctan2(d[:, 1], d[:, 0])
            f = nib_min + (1 - nib_min) * np.abs(np.sin(theta + nib_angle))
        else:
            f = 1.0 + sum(a * np.sin(2 * np.pi * t / lam + ph) for lam, ph, a in waves)
            taper = np.clip(np.minimum(t, t[-1] - t) / (0.08 * height), 0, 1)
            f = f * (0.6 + 0.4 * taper)
        out_s.append(q)
        out_w.append(np.clip(f, 0.25, 1.0) * width)
    return out_s, out_w


def _loops_kept(strokes: Sequence[np.ndarray], width: float) -> bool:
    """False when a pen this wide fills a loop the bare trajectory has (an 8 blotted into
    a blob is no longer legible)."""
    allp = np.vstack(strokes)
    lo = allp.min(axis=0)
    hgt = max(float(np.ptp(allp[:, 1])), 1.0)
    k = 64.0 / hgt
    pad = int(width * k) + 4
    size = (int(np.ptp(allp[:, 0]) * k) + 2 * pad + 1, 64 + 2 * pad + 1)
    pts = [np.round(((s - lo) * k + pad) * 16).astype(np.int32) for s in strokes]
    thin = np.zeros(size[::-1], np.uint8)
    cv2.polylines(thin, pts, False, 1, 1, cv2.LINE_8, 4)
    thick = np.zeros_like(thin)
    cv2.polylines(thick, pts, False, 1, max(1, int(round(width * k))), cv2.LINE_8, 4)
    return count_holes(thick, min_area=12.0) >= count_holes(thin, min_area=12.0)


def fit_pen(strokes: Sequence[np.ndarray], width: float, floor: float) -> float:
    """Narrow the pen (not below ``floor``) until the digit's loops stay open."""
    for _ in range(12):
        if width <= floor or _loops_kept(strokes, width):
            break
        width = max(floor, width * 0.85)
    return width


def pen_style(rng: np.random.Generator) -> str:
    """A random style for :func:`pen_profile`: uniform 50 %, pressure 30 %, nib 20 %."""
    r = rng.random()
    return "uniform" if r < 0.5 else "pressure" if r < 0.8 else "nib"


def stroke_bbox(strokes: Sequence[np.ndarray], pad: float, hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the strokes grown by ``pad``, clipped to an image of size ``hw``."""
    allp = np.vstack(strokes)
    x0, y0 = np.floor(allp.min(axis=0) - pad).astype(int)
    x1, y1 = np.ceil(allp.max(axis=0) + pad).astype(int)
    h, w = hw
    return max(0, int(x0)), max(0, int(y0)), min(w, int(x1)), min(h, int(y1))


def lowres_field(rng: np.random.Generator, hw: tuple[int, int], cells: int, amp: float) -> np.ndarray:
    """Smooth noise around 1.0 (cubic-upsampled coarse grid), float32 (h, w)."""
    h, w = hw
    gh = max(2, int(round(cells * h / max(h, w))))
    gw = max(2, int(round(cells * w / max(h, w))))
    g = rng.normal(0, amp, (gh, gw)).astype(np.float32)
    return 1.0 + cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


def jpeg_round_trip(rgb: np.ndarray, quality: int) -> tuple[np.ndarray, bytes]:
    """JPEG round trip; returns the decoded image (same channel layout) and the bytes."""
    bgr = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        raise RuntimeError("JPEG encoding failed")
    flag = cv2.IMREAD_GRAYSCALE if rgb.ndim == 2 else cv2.IMREAD_COLOR
    dec = cv2.imdecode(buf, flag)
    if rgb.ndim == 3:
        dec = cv2.cvtColor(dec, cv2.COLOR_BGR2RGB)
    return dec, buf.tobytes()


def ink_colour(rng: np.random.Generator) -> np.ndarray:
    """RGB of a pen: black, blue ballpoint, blue-black, dark gray (pencil-ish) or felt tip."""
    r = rng.random()
    if r < 0.4:
        c = (rng.uniform(10, 45),) * 3
    elif r < 0.7:
        c = (rng.uniform(15, 50), rng.uniform(25, 60), rng.uniform(90, 150))
    elif r < 0.85:
        c = (rng.uniform(20, 40), rng.uniform(25, 45), rng.uniform(55, 80))
    elif r < 0.93:
        c = (rng.uniform(70, 105),) * 3
    else:
        c = (rng.uniform(30, 90), rng.uniform(10, 40), rng.uniform(10, 40))  # dark red/brown
    return np.array(c, np.float32)
