"""Home page: draw a digit (or upload pictures of digits) and see what the model thinks.

Run with ``streamlit run app.py``. All the work happens in ``digitcore``; this
page only lays out widgets and shows the results.
"""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from digitcore.insight import presentation as pres
from digitcore.imaging.image_io import MAX_BYTES, MAX_PIXELS
from digitcore.storage.model_store import ModelEntry, list_models
from digitcore.model.predictor import LOW_CONFIDENCE, ModelLoadError, Prediction, Predictor
from digitcore.model.priority import interactive
from pages.ui.models import load_predictor, model_key

log = logging.getLogger(__name__)

UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
#: Canvas side in CSS pixels: room for a finger on a tablet, still fits beside the answer.
CANVAS_SIDE = 360
#: Longer side of an uploaded picture's preview.
PREVIEW_SIDE = 400
DRAW_HINT = "Draw a digit from 0 to 9 in the black square. I'll guess as soon as you lift your pen or finger."
UPLOAD_HINT = (
    "Upload a photo or scan of **one handwritten digit** per picture (PNG, JPEG, WebP, BMP or GIF, "
    f"up to {MAX_BYTES // 2**20} MB and {MAX_PIXELS // 1_000_000} megapixels). "
    "Several files at once give a table of results."
)

CSS = f"""
<style>
.dc-answer {{ font-size: 7.5rem; font-weight: 700; line-height: 1; margin: 0.2rem 0 0.4rem 0;
  font-variant-numeric: tabular-nums; }}
.dc-answer.dc-sure {{ color: {pres.TOP_COLOUR}; }}
.dc-answer.dc-unsure {{ color: #c27c0e; }}
.dc-answer.dc-empty {{ color: #9aa7b0; }}
.dc-answer.dc-not_a_digit {{ color: #9aa7b0; font-size: 5rem; }}
.dc-headline {{ font-size: 1.35rem; margin-bottom: 0.6rem; }}
/* Less empty space above the title, so the canvas is on screen without scrolling on a tablet. */
[data-testid="stMainBlockContainer"] {{ padding-top: 2.5rem; }}
/* The answer panel wraps below the canvas rather than getting squeezed. */
.st-key-draw_right, .st-key-upload_right {{ min-width: min(100%, 330px); flex: 1 1 330px; }}
</style>
"""


# ----------------------------------------------------------------------------- model




def choose_model() -> ModelEntry | None:
    """Sidebar model picker (cheap: nothing is loaded here); None when there is no usable choice."""
    entries = list_models()
    if not entries:
        st.error(
            "No model found: the default model `models/default.keras` is missing. "
            "Train one with `python -m digitcore train` and reload this page."
        )
        return None
    by_path = {str(e.path): e for e in entries}
    with st.sidebar:
        st.subheader("Model")
        chosen = st.selectbox(
            "Which trained model guesses",
            list(by_path),
            format_func=lambda p: pres.model_label(by_path[p]),
            key="home_model",
            help="The default model ships with the app; models you train appear here too.",
        )
        entry = by_path[chosen]
        if entry.problem:
            st.error(f"This model can't be used: {entry.problem}")
        note = pres.unusable_models_note(entries)
        if note:  # damaged files and failed or interrupted runs, named once for everyone
            st.caption(f":material/warning: {note}")
        if entry.problem:
            return None
        acc = entry.meta.get("test_accuracy")
        if isinstance(acc, (int, float)):
            st.caption(f"Gets {acc:.1%} of the 10,000 MNIST test digits right.")
        st.caption(f"It says *not sure* when its confidence is below {LOW_CONFIDENCE:.0%}.")
        if entry.meta.get("classes") == 11:  # a model with a "not a digit" class (see digitcore.model.rejection)
            st.caption("It can also say *that doesn't look like a digit* (letters, shapes, scribbles).")
    return entry


def load_model(entry: ModelEntry | None) -> tuple[Predictor | None, str]:
    """The chosen model from the per-server cache (or None, with the reason in the sidebar) and its cache key."""
    if entry is None:
        return None, ""
    try:
        path, mtime_ns = model_key(entry)
        return load_predictor(path, mtime_ns), f"{path}:{mtime_ns}"
    except (ModelLoadError, OSError) as exc:
        st.sidebar.error(f"This model can't be used: {exc}")
        return None, ""


# ----------------------------------------------------------------------------- answer panel


def render_answer(prediction: Prediction, *, empty_hint: str = "") -> None:
    """The big digit, its wording and the probability chart (or a hint when there is no digit)."""
    answer = pres.answer_for(prediction, empty_hint=empty_hint)
    if answer.kind == "empty":
        st.info(answer.headline, icon=":material/draw:")
        return
    st.markdown(
        f'<div class="dc-answer dc-{answer.kind}" aria-label="answer">{answer.big}</div>'
        f'<div class="dc-headline">{answer.headline}</div>',
        unsafe_allow_html=True,
    )
    if answer.detail:  # the best guess of a drawing that is not a digit, in small print
        st.caption(answer.detail)
    st.vega_lite_chart(pres.probability_frame(prediction.probabilities), pres.probability_chart_spec(),
                       width="stretch")
    runner_up = pres.runner_up_text(prediction)
    if runner_up:
        st.caption(runner_up)


def render_how_it_sees(prediction: Prediction) -> None:
    """Expander with every preprocessing step and the model's 28x28 input, pixels visible."""
    prep = prediction.preprocessed
    if prep is None:
        return
    with st.expander("How the computer sees it", icon=":material/visibility:"):
        if prep.digit28 is not None:
            left, right = st.columns([1, 2], vertical_alignment="center")
            left.image(pres.enlarge_pixels(prep.digit28, 8), width=224, caption="The model's input, 28 × 28 pixels")
            right.markdown(
                "**What the model gets: 28 × 28 = 784 numbers.** Your digit is cleaned up, shrunk and "
                "centred to look like the MNIST training pictures: white ink on black, each square one pixel "
                "from 0 (black) to 1 (white)."
            )
        if prep.steps:
            st.markdown("**Step by step**")
            per_row = 5
            for start in range(0, len(prep.steps), per_row):
                cols = st.columns(per_row)
                for col, (i, step) in zip(cols, enumerate(prep.steps[start : start + per_row], start + 1)):
                    col.image(pres.step_picture(step.image), caption=f"{i}. {step.name}")
                    if step.note:
                        col.caption(step.note)


# ----------------------------------------------------------------------------- draw


def _clear_canvas() -> None:
    # A new key gives a fresh, empty canvas (the toolbar's reset is hidden until hover).
    st.session_state["canvas_round"] = st.session_state.get("canvas_round", 0) + 1


def canvas_image(result) -> np.ndarray | None:
    """The canvas as an RGBA array, or None while nothing has been drawn."""
    if result is None:
        return None
    objects = (result.json_data or {}).get("objects")
    if objects is not None and len(objects) == 0:
        return None
    image = result.image_data
    return None if image is None else np.asarray(image)


def side_by_side(left_width: int, key: str):
    """Two panels in a row that wraps (answer below) when the screen is too narrow for both."""
    row = st.container(horizontal=True, gap="large", key=f"{key}_row")
    return row.container(width=left_width, key=f"{key}_left"), row.container(key=f"{key}_right")


def draw_canvas():
    """Canvas (left) and an empty answer area (right); returns the canvas result and that area."""
    left, right = side_by_side(CANVAS_SIDE + 4, "draw")
    with left:
        pen = st.session_state.get("pen_size", 20)
        result = st_canvas(
            stroke_width=pen,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode="freedraw",
            key=f"canvas-{st.session_state.get('canvas_round', 0)}",
            return_image_data=True,
            update_streamlit=True,
        )
        clear_col, pen_col = st.columns([1, 2], vertical_alignment="bottom")
        clear_col.button("Clear", icon=":material/delete:", on_click=_clear_canvas, key="clear_canvas",
                         width="stretch")
        pen_col.slider("Pen size", min_value=6, max_value=40, value=20, key="pen_size")
        st.caption("Tip: draw one big digit in the middle, like on paper.")
    return result, right


def show_drawing_answer(predictor: Predictor | None, result, area) -> None:
    """The answer for the current drawing in ``area``, and the steps below, updated on every stroke."""
    prediction = None
    with area:
        image = canvas_image(result)
        if predictor is None:
            st.warning("Pick a working model in the sidebar to get an answer.")
        elif image is None:
            st.info(DRAW_HINT, icon=":material/draw:")
        else:
            try:
                prediction = predictor.predict(image)
            except Exception:  # the page must survive anything the canvas sends
                log.exception("prediction failed for a canvas drawing")
                st.error("Sorry, something went wrong reading the drawing. Press Clear and try again.")
                return
            render_answer(prediction, empty_hint="I can't see a digit yet. " + DRAW_HINT)
    if prediction is not None and prediction.best_guess is not None:
        render_how_it_sees(prediction)


# ----------------------------------------------------------------------------- upload


def analyse_files(predictor: Predictor, model_key: str, files: list) -> list[pres.UploadResult]:
    """Predict every uploaded file, remembering results per session so reruns don't redo them."""
    keep_steps = len(files) == 1
    memo: dict = st.session_state.setdefault("upload_results", {})
    fresh: dict = {}
    results = []
    for f in files:
        key = (model_key, getattr(f, "file_id", f.name), keep_steps)
        result = memo.get(key)
        if result is None:
            try:
                # Kept in the session: only what the page shows, not the full-size photo and steps.
                result = pres.for_display(pres.analyse_upload(predictor, f.name, f.getvalue(), keep_steps=keep_steps),
                                          max_side=PREVIEW_SIDE)
            except Exception:  # one odd file must not take the page down
                log.exception("prediction failed for upload %r", f.name)
                result = pres.UploadResult(f.name, error="Something went wrong reading this file.")
        fresh[key] = result
        results.append(result)
    st.session_state["upload_results"] = fresh  # only the files still on the page
    return results


def render_single_upload(result: pres.UploadResult) -> None:
    """One file: the picture with the digit's box, then the answer panel."""
    if result.error:
        st.error(f"**{pres.escape_markdown(result.name)}**: {result.error}", icon=":material/broken_image:")
        return
    prediction = result.prediction
    left, right = side_by_side(PREVIEW_SIDE, "upload")
    with left:
        bbox = prediction.preprocessed.bbox if prediction.preprocessed else None
        caption = f"{result.name}" + (" (red box: where the digit was found)" if bbox else "")
        st.image(pres.preview_with_bbox(result.image, bbox, max_side=PREVIEW_SIDE, min_side=300), caption=caption)
    with right:
        if result.note:
            st.info(result.note, icon=":material/animated_images:")
        if prediction.digit is None and prediction.reason != "not_a_digit":
            st.warning(result.message, icon=":material/search_off:")
        render_answer(prediction, empty_hint="Try a picture with one dark digit on light paper (or the reverse).")
    render_how_it_sees(prediction)


def render_many_uploads(results: list[pres.UploadResult]) -> None:
    """Several files: a results table and thumbnails with the digit boxes."""
    st.markdown(f"**{pres.batch_summary(results)}**")
    for r in results:
        if r.error:
            st.warning(f"**{pres.escape_markdown(r.name)}**: {r.error}", icon=":material/broken_image:")
    table = pres.results_frame(results)
    st.dataframe(
        table.assign(confidence=table["confidence"] * 100),
        hide_index=True,
        width="stretch",
        column_config={
            "file": st.column_config.TextColumn("File"),
            "digit": st.column_config.TextColumn("Digit", width="small"),
            "confidence": st.column_config.ProgressColumn(
                "Confidence", format="%.0f%%", min_value=0.0, max_value=100.0, width="medium"
            ),
            "message": st.column_config.TextColumn("Message", width="large"),
        },
    )
    per_row = 6
    for start in range(0, len(results), per_row):
        cols = st.columns(per_row)
        for col, r in zip(cols, results[start : start + per_row]):
            col.image(pres.thumbnail(r), caption=pres.upload_caption(r))


def upload_tab(predictor: Predictor | None, model_key: str) -> None:
    """File uploader; one file gets the full answer panel, several get a table."""
    files = st.file_uploader(
        f"Pictures of handwritten digits (up to {MAX_BYTES // 2**20} MB each)", type=UPLOAD_TYPES,
        accept_multiple_files=True, key="uploads"
    )
    if not files:
        st.info(UPLOAD_HINT, icon=":material/upload:")
        return
    if predictor is None:
        st.warning("Pick a working model in the sidebar to get an answer.")
        return
    results = analyse_files(predictor, model_key, list(files))
    if len(results) == 1:
        render_single_upload(results[0])
    else:
        render_many_uploads(results)


# ----------------------------------------------------------------------------- page


def main() -> None:
    """Lay out the home page."""
    st.set_page_config(page_title="Digit recogniser", page_icon="✏️", layout="wide")
    st.html(CSS)
    st.title("✏️ Handwritten digit recogniser")
    st.markdown(
        "Draw a digit and a small neural network, trained on 60,000 handwritten digits (MNIST), "
        "guesses which one it is and shows how sure it is."
    )
    # A training running on this server pauses between batches while this page is being answered.
    with interactive():
        answer_page()


def answer_page() -> None:
    """Model picker, the drawing and upload tabs, and their answers."""
    entry = choose_model()
    draw, upload = st.tabs([":material/draw: Draw", ":material/upload: Upload"])
    with draw:
        result, answer_area = draw_canvas()
    # Loaded after the canvas is on screen, so the first visitor can start drawing meanwhile.
    with answer_area:
        predictor, model_key = load_model(entry)
    with draw:
        show_drawing_answer(predictor, result, answer_area)
    with upload:
        upload_tab(predictor, model_key)


if __name__ == "__main__":
    main()
