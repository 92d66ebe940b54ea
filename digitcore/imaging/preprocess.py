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
from dataclasses import dataclass
from typing import Any, Iterable

import cv2
import numpy as np

from .greyscale import border_ring, greyscale, hist_quantile
from .image_io import normalize_array
from .background import PHOTO_MIN_SIDE, stroke_polarity
from .ink import Analysis, analyse, deep_shade_gain, transitions
from .mnist_form import BOX, scale_and_centre
from .steps import Preprocessed, Step, to_display
from .stroke_width import STROKE_TARGET, apply_stroke_change, stroke_change

__all__ = ["Step", "Preprocessed", "preprocess", "preprocess_batch", "find_ink", "InkFound"]

#: Longer side of the working copy; bigger inputs are reduced first.
WORK_MAX_SIDE = 1000
# In photos, ink whose edges fade over more than this fraction of its box is
# shading (a light spot, a shadow), not pen strokes; sharp markers measure <0.04.
BLOB_EDGE = 0.1


# ----------------------------------------------------------------------------- main


def no_ink(message: str, steps: list[Step]) -> Preprocessed:
    return Preprocessed(digit28=None, has_ink=False, bbox=None, steps=steps, message=message)


def preprocess(image: Any, *, keep_steps: bool = True) -> Preprocessed:
    """Convert one digit image into an MNIST-style 28x28 float32 array.

    ``image`` is anything :func:`digitcore.imaging.image_io.normalize_array` accepts
    (typically the output of ``load_image`` or a canvas RGBA array). Never raises
    for blank or noisy pictures: ``has_ink`` is False and ``message`` says why.
    Invalid arrays raise :class:`~digitcore.imaging.image_io.ImageError`.
    """
    arr = normalize_array(image)
    steps: list[Step] = []
    h0, w0 = arr.shape[:2]
    f = max(1, math.ceil(max(h0, w0) / WORK_MAX_SIDE))
    size = (max(1, round(w0 / f)), max(1, round(h0 / f)))
    sx, sy = w0 / size[0], h0 / size[1]

    gr = greyscale(arr, size, keep_steps)
    g = gr.grey
    h, w = g.shape
    if keep_steps:
        shown = " (shown reduced)" if f > 1 else ""
        steps.append(Step("Input", to_display(gr.display), f"The picture as received, {w0} x {h0} px{shown}."))
        if gr.display is not None and gr.display.ndim == 3:
            steps.append(Step("Greyscale", g, "Colour is dropped: only brightness matters. " + gr.note))
    if gr.all_transparent:
        return no_ink("No ink found: the image is completely transparent (the canvas is empty).", steps)

    found = find_ink(g)
    if isinstance(found, str):
        return no_ink(found, steps)
    an, dark, clean = found.analysis, found.dark, found.clean
    polarity_note = (
        "Dark ink on a light background." if dark else "Light ink on a dark background."
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
                polarity_note + " Here the ink is white on black, like the MNIST digits, measured against the local background.",
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
        return no_ink(msg, steps)

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
    gain = deep_shade_gain(an.bg) if an.bg is not None and not an.shade_evened else None
    if gain is not None:  # a stroke running into a deep shadow keeps its darkness there
        ink_c = cv2.multiply(ink_c, gain[cy0:cy1, cx0:cx1], dtype=cv2.CV_8U)
    if top or left or bottom or right:
        gm = cv2.copyMakeBorder(gm, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
        ink_c = cv2.copyMakeBorder(ink_c, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)

    # Soft ink (keeps anti-aliasing), scaled so the stroke's body reaches 1.0.
    mh = cv2.calcHist([ink_c], [0], gm, [256], [0, 256]).ravel()
    peak = max(hist_quantile(np.cumsum(mh), 0.9), floor + 1.0)
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
    ratio, change = stroke_change(core if core.any() else gm, box_side)
    if not clean and ratio < 0.02 and cv2.countNonZero(core) > 0.15 * box_side * box_side:
        # "Strokes" a pixel or two wide filling much of their box: grain or noise.
        return no_ink("No clear digit found: the image looks like noise or texture, not a written digit.", steps)
    if not clean:
        # A thick patch whose edges fade over a long way is light or shadow,
        # not pen strokes (even blurry photos have edges a few pixels wide).
        ramp = cv2.countNonZero(((soft > 0.1) & (soft < 0.8)).view(np.uint8))
        edge_width = ramp / max(1, transitions(core))
        if edge_width > BLOB_EDGE * box_side:
            return no_ink("No clear digit found: only a patch of shading, no pen strokes.", steps)
    if change:
        k = min(1.0, 4 * BOX / max(soft.shape))
        if k < 1.0:  # keeps the distance transform small
            size_i = (max(1, round(soft.shape[1] * k)), max(1, round(soft.shape[0] * k)))
            soft = cv2.resize(soft, size_i, interpolation=cv2.INTER_AREA)
        soft = apply_stroke_change(soft, change * k)
        if keep_steps:
            note = (
                f"Strokes were thin ({ratio:.0%} of the digit's size); thickened to about "
                f"{STROKE_TARGET:.0%} like MNIST pen strokes."
                if change > 0
                else f"Strokes were very thick ({ratio:.0%} of the digit's size); thinned a little "
                "towards MNIST proportions."
            )
            steps.append(Step("Stroke thickness adjusted", (soft * 255).astype(np.uint8), note))

    placed = scale_and_centre(soft)
    if placed is None:
        return no_ink("No ink found: nothing stands out from the background.", steps)
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


@dataclass
class InkFound:
    """The whole picture's ink, as :func:`find_ink` reads it (working resolution)."""

    analysis: Analysis  # ink map, masks and the single digit's components
    dark: bool  # the ink is darker than the paper
    clean: bool  # flat noise-free border: a canvas or a digital image


def find_ink(g: np.ndarray) -> InkFound | str:
    """Polarity + background removal + threshold for a grey working image.

    Returns the analysis, or the message to show when the picture is blank.
    Shared by :func:`preprocess` and number segmentation, so both see the same ink.
    """
    h, w = g.shape
    # --- polarity ------------------------------------------------------------
    hist = cv2.calcHist([g], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist)
    tail = max(2.0, cdf[-1] * 1e-4) / cdf[-1]
    lo, hi = hist_quantile(cdf, tail), hist_quantile(cdf, 1.0 - tail)
    med = hist_quantile(cdf, 0.5)
    if hi - lo < 12:
        return "No ink found: the image is blank (one flat colour)."
    ring = border_ring(g)
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

    def run(dark: bool, clean: bool = clean) -> Analysis:
        gg = g if dark else cv2.bitwise_not(g)
        return analyse(gg, clean, ring_med if dark else 255 - ring_med, tail)

    by_border, by_majority = dark_ink(ring_med), dark_ink(med)
    # A photo: thin marks decide (a shadow over much of the page moves its median and border).
    photo = not clean and max(h, w) >= PHOTO_MIN_SIDE
    by_marks = stroke_polarity(g) if photo else None
    if by_marks is not None:
        dark = by_marks
    elif photo:
        # A photo without clear marks (a small or faint digit): photos are nearly always dark
        # ink on light paper, and a shadow can darken most of the page and its border.
        dark = True
    elif clean or by_border == by_majority:
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
    return InkFound(an, dark, clean)


def preprocess_batch(images: Iterable[Any], *, keep_steps: bool = False) -> list[Preprocessed]:
    """:func:`preprocess` for several images (no steps by default, for speed)."""
    return [preprocess(im, keep_steps=keep_steps) for im in images]
