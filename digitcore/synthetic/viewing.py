"""Looking at sets: any image as RGB (transparency over a checkerboard), and thumbnail grids."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

__all__ = ["display_rgb", "montage"]


def display_rgb(img: np.ndarray) -> np.ndarray:
    """RGB uint8 for viewing; transparency shown over a light checkerboard."""
    if img.ndim == 2:
        return np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 4:
        h, w = img.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        checker = np.where(((yy // 14) + (xx // 14)) % 2 == 0, 235, 205).astype(np.float32)
        a = img[..., 3:4].astype(np.float32) / 255.0
        return np.round(img[..., :3] * a + checker[..., None] * (1 - a)).astype(np.uint8)
    return img


def montage(
    images: Sequence[np.ndarray],
    captions: Sequence[str] | None = None,
    tile: int = 112,
    cols: int = 10,
    crops: Sequence[tuple[int, int, int, int] | None] | None = None,
) -> np.ndarray:
    """A grid of thumbnails (RGB uint8) with optional captions and crop boxes."""
    n = len(images)
    rows = max(1, math.ceil(n / cols))
    cap_h = 16 if captions else 0
    out = np.full((rows * (tile + cap_h + 4), cols * (tile + 4), 3), 255, np.uint8)
    for i, img in enumerate(images):
        rgb = display_rgb(img)
        if crops is not None and crops[i] is not None:
            x0, y0, x1, y1 = crops[i]
            rgb = rgb[y0:y1, x0:x1]
        hh, ww = rgb.shape[:2]
        s = tile / max(hh, ww)
        th, tw = max(1, int(round(hh * s))), max(1, int(round(ww * s)))
        thumb = cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        r, c = divmod(i, cols)
        y = r * (tile + cap_h + 4) + 2
        x = c * (tile + 4) + 2
        out[y : y + tile, x : x + tile] = 128
        oy, ox = (tile - th) // 2, (tile - tw) // 2
        out[y + oy : y + oy + th, x + ox : x + ox + tw] = thumb
        if captions:
            org = (x + 1, y + tile + 12)
            cv2.putText(out, captions[i][: max(8, tile // 7)], org, cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
    return out
