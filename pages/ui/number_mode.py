"""Home page "Number" mode: draw or upload a whole number ("42", "2026") and see each digit read.

Called from ``app.py``: :func:`mode_picker` chooses the mode (single digit stays the
default and untouched); in number mode :func:`number_draw` shows a wider canvas and
:func:`number_upload` reads uploaded photos. The answer is the number in big type, the
picture with a box, digit and confidence around every digit, and on demand the 28 x 28
picture the model saw for each digit.
"""

from __future__ import annotations

import html
import logging

import cv2
import numpy as np
import streamlit as st

from digitcore.imaging.canvas_strokes import strokes_from_canvas
from digitcore.imaging.image_io import ImageError, load_image
from digitcore.insight import presentation as pres
from digitcore.model.predictor import LOW_CONFIDENCE
from pages.ui import uploads
from pages.ui.canvas_tools import BACKGROUND, canvas_objects, canvas_with_tools
from pages.ui.layout import is_phone

log = logging.getLogger(__name__)

MODES = ("Single digit", "Number")
#: The number canvas in CSS pixels: room for up to a dozen digits side by side.
NUMBER_CANVAS = (720, 280)
#: On a phone (a 360-414 px wide screen): room for four or five digits, no sideways scrolling.
PHONE_NUMBER_CANVAS = (340, 190)
NUMBER_HINT = "Write a number (one or more digits side by side) in the black box. I'll read it as you write."
UPLOAD_NUMBER_HINT = "Upload a photo or scan of a number written on paper; each digit is boxed and read."
PREVIEW_SIDE = 720
#: The number uploader's slot in pages/ui/uploads.py (widget "number_uploads", button "remove_number_uploads").
NUMBER_SLOT = "number_upload"


def mode_picker() -> bool:
    """The Single digit / Number switch above the tabs; True in number mode."""
    mode = st.segmented_control(
        "What to read", MODES, default=MODES[0], key="home_mode", help="Number mode reads several digits side by side.",
        label_visibility="collapsed",
    )
    return mode == MODES[1]


def boxed_picture(image: np.ndarray, reading, max_side: int = PREVIEW_SIDE) -> np.ndarray:
    """RGB picture with each digit's box and "digit confidence" by it, no label over another (boxes in the image's pixels)."""
    rgb, scale = pres.fit_within(pres.to_rgb(image), max_side)
    rgb = np.ascontiguousarray(rgb).copy()
    h, w = rgb.shape[:2]
    thick = max(2, round(max(h, w) / 300))
    placed: list[tuple[int, int, int, int]] = []  # labels drawn so far (x0, y0, x1, y1)
    colours = [(0, 170, 60) if d.digit is not None and d.confidence >= LOW_CONFIDENCE else (230, 140, 0)
               for d in reading.digits]
    for d, colour in zip(reading.digits, colours):  # all boxes first: no box line crosses a label
        x, y, bw, bh = (round(v * scale) for v in d.box)
        cv2.rectangle(rgb, (x, y), (min(w - 1, x + bw), min(h - 1, y + bh)), colour, thick)
    for d, colour in zip(reading.digits, colours):
        x, y, bw, bh = (round(v * scale) for v in d.box)
        label = ("?" if d.digit is None else str(d.digit)) + f" {d.confidence:.0%}"
        fs = max(0.5, min(1.2, bh / 120))
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, fs, 2)
        lx, ty = _label_place(placed, x, y, bh, tw, th, w, h)
        placed.append((lx, ty - th - 4, lx + tw + 6, ty + 4))
        cv2.rectangle(rgb, placed[-1][:2], placed[-1][2:], colour, -1)
        cv2.putText(rgb, label, (lx + 3, ty), cv2.FONT_HERSHEY_SIMPLEX, fs, (255, 255, 255), 2, cv2.LINE_AA)
    return rgb


def _label_place(placed: list[tuple[int, int, int, int]], x: int, y: int, bh: int, tw: int, th: int,
                 w: int, h: int) -> tuple[int, int]:
    """Where a box's label goes (left x, text baseline): above the box, else below it, else stacked
    further out, else inside the box, so that the labels of overlapping digits do not hide each other."""
    lx = max(0, min(x, w - tw - 7))
    above, below = y - 6, y + bh + th + 6
    inside_top, inside_bottom = y + th + 8, y + bh - 8
    tries = [above, below] + [above - k * (th + 10) for k in range(1, 4)] + [below + k * (th + 10) for k in range(1, 4)] \
        + [inside_bottom, inside_top]
    fits = [t for t in tries if t - th - 4 >= 0 and t + 4 <= h - 1]

    def clear(t: int) -> bool:
        return all(lx + tw + 6 < a0 or lx > a1 or t + 4 < b0 or t - th - 4 > b1 for a0, b0, a1, b1 in placed)

    return lx, next((t for t in fits if clear(t)), fits[0] if fits else min(h - 4, max(th + 4, above)))


def render_number_answer(reading) -> None:
    """The number in big type with its wording (or why there is none)."""
    if reading.number is None:
        read = "".join("?" if d.digit is None else str(d.digit) for d in reading.digits)
        if reading.reason == "no_ink" or not read:
            st.info(reading.message or "I can't see any digits yet.", icon=":material/draw:")
            return
        st.markdown(f'<div class="dc-answer dc-unsure" aria-label="number">{html.escape(read)}</div>',
                    unsafe_allow_html=True)
        st.warning(reading.message or "Some marks are not digits.", icon=":material/help:")
        return
    sure = all(d.confidence >= LOW_CONFIDENCE for d in reading.digits)
    kind = "sure" if sure and not reading.message else "unsure"
    st.markdown(
        f'<div class="dc-answer dc-{kind}" aria-label="number">{html.escape(reading.number)}</div>'
        f'<div class="dc-headline">{len(reading.digits)} digit{"s" if len(reading.digits) != 1 else ""}, '
        f"{pres.format_percent(reading.confidence)} sure of the whole number.</div>",
        unsafe_allow_html=True,
    )
    unsure = [i + 1 for i, d in enumerate(reading.digits) if d.confidence < LOW_CONFIDENCE]
    if unsure:
        st.caption("Not sure about digit " + ", ".join(map(str, unsure)) + " (orange box).")
    if reading.message:
        st.warning(reading.message, icon=":material/warning:")


def render_digits_seen(reading) -> None:
    """Expander with the 28 x 28 picture the model saw for each digit."""
    digits = [d for d in reading.digits if d.preprocessed is not None and d.preprocessed.digit28 is not None]
    if not digits:
        return
    with st.expander("How the computer sees each digit", icon=":material/visibility:"):
        st.markdown("Each digit is cut out, cleaned up, shrunk and centred like the MNIST pictures, then read alone.")
        per_row = 6
        for start in range(0, len(digits), per_row):
            cols = st.columns(per_row)
            for col, (i, d) in zip(cols, enumerate(digits[start : start + per_row], start + 1)):
                col.image(pres.enlarge_pixels(d.preprocessed.digit28, 4), width=112,
                          caption=f"{i}: {'?' if d.digit is None else d.digit} ({d.confidence:.0%})")


def show_reading(image: np.ndarray, reading, caption: str) -> None:
    """Picture with boxes, then the answer and the per-digit view."""
    render_number_answer(reading)
    if reading.digits:
        st.image(boxed_picture(image, reading), caption=caption)
    render_digits_seen(reading)


def number_draw(predictor, canvas_fn, canvas_image) -> None:
    """The wide number canvas (narrower on a phone) with Undo, Clear, Pen/Eraser and pen size, and its reading.

    ``canvas_fn`` is ``st_canvas`` and ``canvas_image`` turns its result into an array
    (both passed in by ``app.py``, so the page and its tests share one canvas).
    """
    w, h = PHONE_NUMBER_CANVAS if is_phone() else NUMBER_CANVAS
    result = canvas_with_tools(canvas_fn, w, height=h, prefix="number_", pen=12 if w < 400 else 16)
    image = canvas_image(result)
    if predictor is None:
        st.warning("Pick a working model in the sidebar to get an answer.")
        return
    if image is None:
        st.info(NUMBER_HINT, icon=":material/draw:")
        return
    # The pen strokes let overlapping digits be told apart where the pen was lifted.
    strokes = strokes_from_canvas(canvas_objects(result), eraser_colour=BACKGROUND, scale=image.shape[1] / w)
    try:
        reading = predictor.read_number(image, strokes=strokes)
    except Exception:  # the page must survive anything the canvas sends
        log.exception("number reading failed for a canvas drawing")
        st.error("Sorry, something went wrong reading the drawing. Press Clear and try again.")
        return
    show_reading(image, reading, "Each box: the digit read there and how sure the model is.")


def number_upload(predictor, model_key: str, max_mb: int, types: list[str]) -> None:
    """Upload pictures of numbers; each is read and shown with its digit boxes."""
    files = st.file_uploader(
        f"Pictures of handwritten numbers (up to {max_mb} MB each)", type=types, accept_multiple_files=True,
        key=uploads.uploader_key(NUMBER_SLOT),
    )
    # As for single digits: a single new file replaces the earlier ones, "Remove all" forgets them.
    files = uploads.current_files(list(files or []), NUMBER_SLOT)
    if not files:
        st.info(UPLOAD_NUMBER_HINT, icon=":material/upload:")
        return
    if predictor is None:
        st.warning("Pick a working model in the sidebar to get an answer.")
        return
    uploads.remove_all_button(len(files), NUMBER_SLOT)
    memo: dict = st.session_state.setdefault("number_results", {})
    fresh: dict = {}
    for f in files:
        key = (model_key, getattr(f, "file_id", f.name))
        if key not in memo:
            try:
                data = f.getvalue()
                image = load_image(data)
                memo[key] = (pres.fit_within(pres.to_rgb(image), PREVIEW_SIDE * 2)[0], _rescaled(
                    predictor.read_number(image), image, PREVIEW_SIDE * 2), None)
            except ImageError as exc:
                memo[key] = (None, None, str(exc))
            except Exception:  # one odd file must not take the page down
                log.exception("number reading failed for upload %r", f.name)
                memo[key] = (None, None, "Something went wrong reading this file.")
        fresh[key] = memo[key]
        preview, reading, error = memo[key]
        st.markdown(f"**{pres.escape_markdown(f.name)}**")
        if error:
            st.error(error, icon=":material/broken_image:")
        else:
            show_reading(preview, reading, f"{f.name}: each box is a digit read there.")
    st.session_state["number_results"] = fresh


def _rescaled(reading, image: np.ndarray, max_side: int):
    """The reading with its boxes in the coordinates of the preview kept in the session (not the full photo)."""
    s = min(1.0, max_side / max(image.shape[:2]))
    if s < 1.0:
        for d in reading.digits:
            d.box = tuple(int(round(v * s)) for v in d.box)
    return reading
