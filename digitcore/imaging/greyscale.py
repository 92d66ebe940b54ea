"""Step 1-2 helpers: any array to one grey channel (transparency composited) and its histogram quantiles."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def hist_quantile(cdf: np.ndarray, q: float) -> int:
    """Grey level below which a fraction ``q`` of pixels lie (from a cumulative histogram)."""
    return int(np.searchsorted(cdf, q * cdf[-1], side="left"))


def border_ring(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    b = max(1, round(0.02 * min(h, w)))
    if 2 * b >= h or 2 * b >= w:
        return g.ravel()
    return np.concatenate(
        [g[:b].ravel(), g[-b:].ravel(), g[b:-b, :b].ravel(), g[b:-b, -b:].ravel()]
    )


@dataclass
class Grey:
    grey: np.ndarray  # working-resolution uint8
    display: np.ndarray | None  # working-resolution RGB/grey for the "Input" step
    note: str
    all_transparent: bool = False


def greyscale(arr: np.ndarray, size: tuple[int, int], keep_steps: bool) -> Grey:
    """Greyscale at working size ``size`` (w, h); transparency composited sensibly."""
    h0, w0 = arr.shape[:2]
    resize = size != (w0, h0)

    def shrink(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, size, interpolation=cv2.INTER_AREA) if resize else x

    if arr.ndim == 2:
        g = shrink(arr)
        return Grey(g, g if keep_steps else None, "")
    if arr.shape[2] == 3:
        g = shrink(cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY))
        return Grey(g, shrink(arr) if keep_steps else None, "")
    if int(arr[:, :, 3].min()) == 255:  # opaque RGBA, e.g. a canvas with a background colour
        g = shrink(cv2.cvtColor(arr, cv2.COLOR_RGBA2GRAY))
        disp = shrink(cv2.cvtColor(arr, cv2.COLOR_RGBA2RGB)) if keep_steps else None
        return Grey(g, disp, "")

    alpha = np.ascontiguousarray(arr[:, :, 3])
    g_full = cv2.cvtColor(arr, cv2.COLOR_RGBA2GRAY)
    opaque = (alpha >= 128).view(np.uint8)
    if not opaque.any():
        g = np.zeros((size[1], size[0]), np.uint8)
        return Grey(g, g if keep_steps else None, "The image is fully transparent.", True)
    ring_alpha = border_ring(alpha)
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
        ring_opaque = border_ring(opaque).astype(bool)
        fill = float(np.median(border_ring(g_full)[ring_opaque])) if ring_opaque.any() else 255.0
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
    return Grey(g, disp, note)
