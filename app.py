"""Home page: draw a digit (or upload pictures of digits) and see what the model thinks.

Run with ``python app.py`` (the server starts with the model already warming) or ``streamlit run
app.py``. All the work happens in ``digitcore``; this page only lays out widgets and shows the results.
"""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st

from digitcore.insight import presentation as pres
from digitcore.imaging.image_io import MAX_BYTES, MAX_JPEG_PIXELS, MAX_PIXELS
from digitcore.storage.model_store import ModelEntry, list_models
from digitcore.model.predictor import LOW_CONFIDENCE, ModelLoadError, Prediction, Predictor
from digitcore.model.priority import interactive
from pages.ui.inside_network import inside_network_panel, remember_open_panels
from pages.ui import challenge
from digitcore.insight.upload_view import upload_table
from pages.ui import layout, presenter, uploads
from pages.ui.canvas_tools import canvas_with_tools
from pages.ui import number_mode
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
    f"up to {MAX_BYTES // 2**20} MB; JPEG photos up to {MAX_JPEG_PIXELS // 1_000_000} megapixels, "
    f"other pictures {MAX_PIXELS // 1_000_000}). "
    "Several files at once give a table of results; a new single file replaces the earlier ones."
)

CSS = f"""
<style>
.dc-answer {{ font-size: 7.5rem; font-weight: 700; line-height: 1; margin: 0.2rem 0 0.4rem 0;
  font-variant-numeric: tabular-nums; }}
.dc-answer.dc-sure {{ color: {pres.TOP_COLOUR}; }}
.dc-answer.dc-unsure {{ color: #96600a; }}
.dc-answer.dc-empty {{ color: #5b6a75; }}
.dc-answer.dc-not_a_digit {{ color: #5b6a75; font-size: 5rem; }}
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
    st.vega_lite_chart(pres.probability_frame(prediction.probabilities),
                       pres.probability_chart_spec(**presenter.chart_options()),
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


def drawing_canvas():
    """The canvas component's ``st_canvas`` (imported on use: the package only loads inside a Streamlit session)."""
    from streamlit_drawable_canvas import st_canvas

    return st_canvas


def draw_canvas():
    """Canvas (left) and an empty answer area (right); returns the canvas result and that area."""
    side = presenter.canvas_side(CANVAS_SIDE)
    left, right = side_by_side(side + 4, "draw")
    with left:
        # Finger-sized Undo / Clear / Pen-Eraser instead of the component's toolbar (pages/ui/canvas_tools.py).
        result = canvas_with_tools(drawing_canvas(), side)
        st.caption('<span class="dc-tip">Tip: draw one big digit in the middle, like on paper.</span>',
                   unsafe_allow_html=True)
    return result, right


def show_drawing_answer(predictor: Predictor | None, result, area) -> Prediction | None:
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
                return None
            render_answer(prediction, empty_hint="I can't see a digit yet. " + DRAW_HINT)
    if prediction is not None and prediction.best_guess is not None:
        render_how_it_sees(prediction)
        inside_network_panel(predictor, prediction.preprocessed.digit28, key="draw")
    return prediction


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


def render_many_uploads(results: list[pres.UploadResult], predictor: Predictor | None = None,
                        files: list | None = None) -> None:
    """Several files: a results table (right/wrong when names carry labels) and thumbnails that open."""
    st.markdown(f"**{pres.batch_summary(results)}**")
    for r in results:
        if r.error:
            st.warning(f"**{pres.escape_markdown(r.name)}**: {r.error}", icon=":material/broken_image:")
    table = upload_table(results)
    st.dataframe(
        table.drop(columns=["confidence"]),
        hide_index=True,
        width="stretch",
        column_config={
            "file": st.column_config.TextColumn("File"),
            "digit": st.column_config.TextColumn("Digit", width="small"),
            # The app's one confidence format (">99%", never a rounded "100%").
            "sure": st.column_config.TextColumn("Confidence", width="small"),
            "message": st.column_config.TextColumn("Message", width="large"),
            "true digit": st.column_config.TextColumn("True digit (from the name)", width="small"),
            "right": st.column_config.TextColumn("Right?", width="small"),
        },
    )
    per_row = 6
    for start in range(0, len(results), per_row):
        cols = st.columns(per_row)
        for col, (i, r) in zip(cols, enumerate(results[start : start + per_row], start)):
            with col:
                st.image(pres.thumbnail(r), caption=pres.upload_caption(r))
                if predictor is not None and files is not None and not r.error and uploads.open_buttons(i):
                    f = files[i]
                    full = pres.for_display(pres.analyse_upload(predictor, f.name, f.getvalue(), keep_steps=True),
                                            max_side=PREVIEW_SIDE)
                    uploads.answer_dialog(render_single_upload, full)


def upload_tab(predictor: Predictor | None, model_key: str) -> None:
    """File uploader; one file gets the full answer panel, several get a table."""
    files = st.file_uploader(
        f"Pictures of handwritten digits (up to {MAX_BYTES // 2**20} MB each)", type=UPLOAD_TYPES,
        accept_multiple_files=True, key=uploads.uploader_key()
    )
    # A single new file replaces the earlier ones (pages/ui/uploads.py).
    files = uploads.current_files(list(files or []))
    if not files:
        st.info(UPLOAD_HINT, icon=":material/upload:")
        return
    if predictor is None:
        st.warning("Pick a working model in the sidebar to get an answer.")
        return
    uploads.remove_all_button(len(files))
    results = analyse_files(predictor, model_key, files)
    if len(results) == 1:
        render_single_upload(results[0])
        prep = results[0].prediction.preprocessed if results[0].prediction else None
        inside_network_panel(predictor, prep.digit28 if prep else None, key="upload", what="picture")
    else:
        render_many_uploads(results, predictor, files)


# ----------------------------------------------------------------------------- page


def main() -> None:
    """Lay out the home page."""
    st.set_page_config(page_title=pres.page_title(pres.APP_NAME), page_icon="✏️", layout="wide")
    st.html(CSS)
    layout.apply()  # projector / tablet / phone widths (pages/ui/layout.py)
    # The presenter toggle; ?present=1 (pages/ui/presenter.py). In challenge mode the join code
    # opens the students' pages in challenge mode too.
    presenter.setup(join_query=challenge.join_query())
    st.title("✏️ Handwritten digit recogniser")
    st.markdown(
        '<div class="dc-intro">'
        "Draw a digit and a small neural network, trained on 60,000 handwritten digits (MNIST), "
        "guesses which one it is and shows how sure it is.</div>",
        unsafe_allow_html=True,
    )
    # A training running on this server pauses between batches while this page is being answered.
    with interactive():
        answer_page()


def answer_page() -> None:
    """Model picker, the drawing and upload tabs, and their answers."""
    remember_open_panels("draw", "upload")  # an open "Inside the network" stays open for the next drawing
    entry = choose_model()
    # One row of options above the tabs (a phone keeps the answer on screen after drawing).
    with st.container(horizontal=True, vertical_alignment="center", key="home_options"):
        number = number_mode.mode_picker()
        if not number:
            challenge.switch()
    draw, upload = st.tabs([":material/draw: Draw", ":material/upload: Upload"])
    if number:  # whole numbers: a wider canvas, every digit boxed and read (pages/ui/number_mode.py)
        predictor, key = load_model(entry)
        with draw:
            number_mode.number_draw(predictor, drawing_canvas(), canvas_image)
        with upload:
            number_mode.number_upload(predictor, key, MAX_BYTES // 2**20, UPLOAD_TYPES)
        return
    with draw:
        challenge.prompt()  # challenge mode: "Draw a 7" (pages/ui/challenge.py)
        result, answer_area = draw_canvas()
    # Loaded after the canvas is on screen, so the first visitor can start drawing meanwhile.
    with answer_area:
        predictor, model_key = load_model(entry)
    with draw:
        prediction = show_drawing_answer(predictor, result, answer_area)
        # After the answer is on screen: "Save and next" / "Was I right?", saved in the background.
        challenge.after_answer(answer_area, prediction, canvas_image(result), predictor)
    with upload:
        upload_tab(predictor, model_key)


def serve(argv: list[str]) -> int:
    """``python app.py [streamlit options]``: start the server here, warming the default model meanwhile.

    Same as ``streamlit run app.py`` except that TensorFlow, the model and its first trace are
    ready before the first visitor arrives (``streamlit run`` loads them on the first visit).
    """
    import sys

    from streamlit.web import cli as streamlit_cli

    from pages.ui.models import warm_up_at_start

    warm_up_at_start()
    sys.argv = ["streamlit", "run", __file__, *argv]
    try:
        streamlit_cli.main()
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx() is None:  # plain `python app.py`: no Streamlit session around us
        import sys

        sys.exit(serve(sys.argv[1:]))
    # st.navigation names the home page (not "app") and lists pages/*.py; main() is the home page.
    from pages.ui.navigation import run_navigation

    run_navigation(main)
