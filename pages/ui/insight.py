"""What the insight pages share: page set-up, cached models/data/evaluations, pickers, and the
confusion-matrix and worst-errors views (also used for an uploaded Kaggle train.csv).

Every number comes from ``digitcore``; this module only caches, lays out and renders.
Caches: models and datasets per file version (``st.cache_resource``), evaluations per model file
version and data checksum (``st.cache_data``), so a rerun never recomputes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from digitcore.insight import presentation as pres
from digitcore.insight.charts import CELL_SELECTION, confusion_frame, confusion_heatmap_spec
from digitcore.storage.datasets import DataError, Mnist, load_mnist, load_mnist_shared
from digitcore.insight.eval_sets import EvalSet, find_mnist, mnist_test_set, run_validation_set
from digitcore.insight.evaluation import EvalResult, ErrorCase, evaluate_model
from digitcore.model.inference import ModelLoadError
from digitcore.storage.model_store import ModelEntry, list_models
from digitcore.model.predictor import Predictor
from digitcore.insight.report import confusion_csv, confusion_matrix_image, error_grid_image, png_bytes
from pages.ui.inside_network import inside_network_panel
from pages.ui.models import load_predictor, model_key  # noqa: F401  (re-exported for the pages)

CSS = f"""
<style>
[data-testid="stMainBlockContainer"] {{ padding-top: 2.5rem; }}
.dc-card-title {{ font-size: 0.95rem; font-weight: 600; line-height: 1.3; margin: 0.2rem 0 0.1rem 0;
  overflow-wrap: anywhere; }}
.dc-card-head {{ line-height: 1.2; margin: 0.1rem 0 0.2rem 0; white-space: nowrap; }}
.dc-big {{ font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }}
.dc-true {{ color: {pres.TOP_COLOUR}; }}
.dc-said {{ color: #c0392b; }}
.dc-arrow {{ color: #5b6a75; font-size: 1.2rem; margin: 0 0.3rem; }}
.dc-rank {{ color: #5b6a75; font-size: 0.8rem; margin-right: 0.25rem; }}
.dc-card-line {{ font-size: 0.82rem; color: #4a5a66; line-height: 1.35; }}
.dc-muted {{ color: #56656f; }}
.dc-right {{ color: {pres.TOP_COLOUR}; font-weight: 600; }}
.dc-wrong {{ color: #c0392b; font-weight: 600; }}
.dc-none {{ color: #5b6a75; }}
/* Numbers printed on the heatmap must not swallow clicks meant for their cell (Vega's SVG hit-testing). */
[data-testid="stVegaLiteChart"] .mark-text text {{ pointer-events: none; }}
[class*="_cmrow"] {{ flex-wrap: wrap; }}
[class*="_cmrow"] > div:has(> [class*="_cmright"]) {{ flex: 1 1 460px !important; min-width: min(100%, 460px) !important; }}
.dc-model-line {{ font-size: 0.9rem; line-height: 1.45; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
</style>
"""


def setup_page(title: str, icon: str, intro: str) -> None:
    """Page config, the shared look, a title and a one-paragraph introduction."""
    st.set_page_config(page_title=pres.page_title(title), page_icon=icon, layout="wide")
    st.html(CSS)
    st.title(f"{icon} {title}")
    st.markdown(intro)


# ----------------------------------------------------------------------------- models


def predictor_for(entry: ModelEntry) -> Predictor | None:
    """The entry's loaded model, or None after showing why it cannot be used."""
    if entry.problem:
        st.error(f"**{pres.model_name(entry)}** can't be used: {entry.problem}", icon=":material/error:")
        return None
    try:
        return load_predictor(*model_key(entry))
    except (ModelLoadError, OSError) as exc:
        st.error(f"**{pres.model_name(entry)}** can't be used: {exc}", icon=":material/error:")
        return None


def entry_label(entry: ModelEntry) -> str:
    """A picker label: the run's name, its preset and its recorded test accuracy."""
    label = pres.model_label(entry)
    preset = entry.meta.get("preset")
    acc = entry.meta.get("test_accuracy")
    # The shipped model is "Default model" everywhere, not also its preset's name.
    extra = [str(preset)] if preset and preset != entry.name and not entry.is_default else []
    if isinstance(acc, (int, float)) and not entry.problem:
        extra.append(f"{acc:.2%} on MNIST test")
    return f"{label} · {' · '.join(extra)}" if extra else label


def all_models() -> list[ModelEntry]:
    """Every model in the models folder (the shipped default first), broken ones included."""
    return list_models()


def pick_model(key: str, label: str = "Model", *, help: str | None = None) -> ModelEntry | None:
    """A model picker over the usable models (the others named below it); None (with a message) when there is none."""
    everything = all_models()
    note = pres.unusable_models_note(everything)
    entries = [e for e in everything if not e.problem]
    if not entries:
        st.error("No usable model found: the default model `models/default.keras` is missing and no run has "
                 "finished. Train one on the Train page or with `python -m digitcore train`.")
        if note:
            st.caption(f":material/warning: {note}")
        return None
    by_path = {str(e.path): e for e in entries}
    chosen = st.selectbox(label, list(by_path), format_func=lambda p: entry_label(by_path[p]), key=key,
                          help=help or "The shipped default model, or any run you trained.")
    if note:
        st.caption(f":material/warning: {note}")
    return by_path[chosen]


# ----------------------------------------------------------------------------- data


@st.cache_resource(show_spinner="Loading MNIST…", max_entries=2)
def _load_mnist(path: str, mtime_ns: int, size: int) -> Mnist:
    del mtime_ns, size  # cache key only
    return load_mnist_shared(path)  # the very arrays a training on this server uses too


@st.cache_resource(show_spinner="Downloading MNIST (11 MB)…", max_entries=1)
def _download_mnist() -> Mnist:
    return load_mnist(None)


def get_mnist(key: str = "mnist") -> Mnist | None:
    """MNIST ($DIGITCORE_MNIST, ../shared/datasets, Keras' cache), or None after saying what is wrong."""
    path = find_mnist()
    try:
        if path is None:
            if st.session_state.get(f"{key}_download"):
                return _download_mnist()
            st.warning("The MNIST data set was not found on this computer. Set `DIGITCORE_MNIST` to the path of "
                       "`mnist.npz`, put it in `../shared/datasets/`, or download it now (needs internet).",
                       icon=":material/dataset:")
            st.button("Download MNIST", key=f"{key}_download", icon=":material/download:")
            return None
        stat = Path(path).stat()
        return _load_mnist(str(path), stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        st.error(f"MNIST file not found: `{path}` (from `DIGITCORE_MNIST`).", icon=":material/dataset:")
    except DataError as exc:
        st.error(f"MNIST can't be used: {exc}", icon=":material/dataset:")
    return None


def pick_eval_set(entry: ModelEntry, mnist: Mnist, key: str) -> EvalSet:
    """MNIST's test set, or the run's own validation split when it had one (a radio when there is a choice)."""
    test = mnist_test_set(mnist)
    val = run_validation_set(entry.meta, mnist)
    if val is None:
        st.caption(f"Scored on the **{test.name}**: {test.description}, never used for training.")
        return test
    options = {"test": test, "val": val}
    choice = st.radio("Images", list(options), horizontal=True, key=key,
                      format_func=lambda k: f"{options[k].name} ({len(options[k]):,} images)",
                      help="The test set was never seen in training. The validation split is the part of the "
                      "training images this run held out to watch for overfitting.")
    chosen = options[choice]
    st.caption(f"{chosen.name}: {chosen.description}.")
    if chosen.warning:
        st.warning(chosen.warning, icon=":material/warning:")
    return chosen


@st.cache_data(show_spinner=False, max_entries=24)
def evaluate_cached(model_path: str, mtime_ns: int, set_key: str, _x: np.ndarray, _y: np.ndarray) -> EvalResult:
    # Keyed by model version and data checksum (+ split); the arrays themselves are not hashed.
    return evaluate_model(load_predictor(model_path, mtime_ns), _x, _y)


def evaluate_entry(entry: ModelEntry, data: EvalSet) -> EvalResult | None:
    """The model's answers on ``data`` (computed once per model version and data set), or None with a message."""
    if predictor_for(entry) is None:
        return None
    path, mtime_ns = model_key(entry)
    with st.spinner(f"{pres.model_name(entry)} is looking at {len(data):,} images (only the first time)…"):
        try:
            return evaluate_cached(path, mtime_ns, data.key, data.x, data.y)
        except (ModelLoadError, ValueError) as exc:
            st.error(f"Could not evaluate {pres.model_name(entry)}: {exc}")
            return None


# ----------------------------------------------------------------------------- numbers


def accuracy_metrics(result: EvalResult) -> None:
    """A row of big numbers: accuracy, right, wrong, images."""
    a, b, c, d = st.columns(4)
    a.metric("Accuracy", f"{result.accuracy:.2%}", border=True)
    b.metric("Right", f"{result.correct:,}", border=True)
    c.metric("Wrong", f"{result.errors:,}", border=True)
    d.metric("Images", f"{result.n:,}", border=True)


def per_class_frame(result: EvalResult) -> pd.DataFrame:
    """Per-digit precision, recall, F1, support and the digit it is most often mistaken for."""
    cm = result.confusion_matrix()
    rows = []
    for m in result.per_class_metrics():
        wrong = cm[m.digit].copy()
        wrong[m.digit] = 0
        top = int(wrong.argmax())
        rows.append({"digit": str(m.digit), "precision": m.precision * 100, "recall": m.recall * 100,
                     "F1": m.f1 * 100, "images": m.support,
                     "most often taken for": f"{top} ({int(wrong[top])}×)" if wrong[top] else "–"})
    return pd.DataFrame(rows)


def per_class_table(result: EvalResult) -> None:
    """The per-class table (compact, so it fits beside the heatmap)."""
    pct = dict(format="%.1f%%", width="small")
    st.dataframe(
        per_class_frame(result),
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * 10),
        column_config={
            "digit": st.column_config.TextColumn("Digit", width="small"),
            "precision": st.column_config.NumberColumn(
                "Precision", help="When the model says this digit, how often is it right?", **pct),
            "recall": st.column_config.NumberColumn(
                "Recall", help="Of all images of this digit, how many did the model find?", **pct),
            "F1": st.column_config.NumberColumn("F1", help="One score combining precision and recall.", **pct),
            "images": st.column_config.NumberColumn("Images", help="How many images truly show this digit.",
                                                    width="small"),
            "most often taken for": st.column_config.TextColumn("Mixed up with", help="The wrong answer it gets "
                                                                "most often for this digit, and how often."),
        },
    )


# ----------------------------------------------------------------------------- image cards


def _probability_line(probs: np.ndarray, k: int = 3) -> str:
    order = np.argsort(-probs, kind="stable")[:k]
    return " · ".join(f"{int(d)} {pres.format_percent(probs[d])}" for d in order)


def error_cards(result: EvalResult, images: np.ndarray, cases: list[ErrorCase], *, per_row: int = 6,
                start_rank: int = 1) -> None:
    """A grid of cards: enlarged image, true -> predicted digit, both probabilities, the top three."""
    for start in range(0, len(cases), per_row):
        cols = st.columns(per_row)
        for col, (rank, e) in zip(cols, enumerate(cases[start : start + per_row], start + start_rank)):
            with col.container(border=True):
                st.image(pres.enlarge_pixels(images[e.index], 5), width="stretch")
                probs = result.probabilities[e.index]
                if e.true == e.predicted:
                    head = f'<span class="dc-big dc-true">{e.true}</span> <span class="dc-rank">right</span>'
                    line = f"{e.true}: {pres.format_percent(e.p_predicted)}"
                else:
                    head = (f'<span class="dc-rank">#{rank}</span> <span class="dc-big dc-true">{e.true}</span>'
                            f'<span class="dc-arrow">→</span><span class="dc-big dc-said">{e.predicted}</span>')
                    line = (f"{e.predicted}: {pres.format_percent(e.p_predicted)} · "
                            f"{e.true}: {pres.format_percent(e.p_true)}")
                st.html(f'<div class="dc-card-head">{head}</div><div class="dc-card-line">{line}</div>'
                        f'<div class="dc-card-line dc-muted">top 3: {_probability_line(probs)}</div>')


CARD_LEGEND = ("Each card: the true digit in green → what the model said in red, the model's chance for both, "
               "and its top three guesses.")


def pair_cases(result: EvalResult, true: int, predicted: int) -> list[ErrorCase]:
    """Images of ``true`` answered ``predicted``.

    Mistakes come most confidently wrong first; right answers (``true == predicted``) least sure first.
    """
    if true != predicted:
        return [e for e in result.top_errors() if e.true == true and e.predicted == predicted]
    idx = np.flatnonzero((result.labels == true) & (result.predictions == true))
    p = result.probabilities[idx, true]
    order = idx[np.argsort(p, kind="stable")]
    return [ErrorCase(int(i), true, true, float(result.probabilities[i, true]), float(result.probabilities[i, true]))
            for i in order]


# ----------------------------------------------------------------------------- confusion matrix view


def inspect_listed(predictor: Predictor | None, images: np.ndarray, cases: list[ErrorCase], *, key: str) -> None:
    """Pick one of the listed images and open the "Inside the network" view for it."""
    if predictor is None or not cases:
        return
    choice = st.selectbox("Look inside the network for", list(range(len(cases))), key=f"{key}_inspect",
                          format_func=lambda i: f"#{i + 1}: image {cases[i].index}, a {cases[i].true} the model "
                          f"read as {cases[i].predicted}")
    inside_network_panel(predictor, images[cases[choice].index], key=f"{key}_insp", what="image")


def confusion_view(result: EvalResult, images: np.ndarray, *, key: str, title: str,
                   predictor: Predictor | None = None) -> None:
    """Accuracy, the heatmap (click a cell), downloads, per-class table and the chosen cell's images."""
    accuracy_metrics(result)
    cm = result.confusion_matrix()
    # A row that wraps: the per-digit table goes below the heatmap rather than being cut off on the right.
    row = st.container(horizontal=True, gap="large", key=f"{key}_cmrow")
    left, right = row.container(width=500, key=f"{key}_cmleft"), row.container(key=f"{key}_cmright")
    with left:
        normalise = st.toggle("Show each row as percentages of the true digit", key=f"{key}_norm",
                              help="Rows then add up to 100%: easier to compare digits with few and many images.")
        event = st.vega_lite_chart(confusion_frame(cm, normalise=normalise),
                                   confusion_heatmap_spec(normalise=normalise, size=470), on_select="rerun",
                                   selection_mode=CELL_SELECTION, key=f"{key}_chart", width="content")
        st.caption("Rows: the true digit. Columns: what the model answered. The green diagonal holds the right "
                   "answers; red cells are mistakes (darker = more). Click a cell to see its images.")
        d1, d2 = st.columns(2)
        d1.download_button("Matrix as CSV", confusion_csv(cm), file_name="confusion_matrix.csv", mime="text/csv",
                           icon=":material/table:", key=f"{key}_csv")
        d2.download_button("Matrix as PNG", png_bytes(confusion_matrix_image(cm, normalise=normalise, title=title)),
                           file_name="confusion_matrix.png", mime="image/png", icon=":material/image:",
                           key=f"{key}_png")
    with right:
        st.subheader("Per digit")
        per_class_table(result)
        st.caption("**Precision**: when it says 7, is it a 7? **Recall**: of all the 7s, how many did it find?")

    # A click on the heatmap sets the two pickers below (only when the click is new, so the pickers stay usable).
    selected = _clicked_cell(event)
    if selected is not None and selected != st.session_state.get(f"{key}_last_click"):
        st.session_state[f"{key}_last_click"] = selected
        st.session_state[f"{key}_true"], st.session_state[f"{key}_pred"] = selected
    # Another model or data set starts from its own most common mistake, not the previous one's cell.
    if f"{key}_true" not in st.session_state or st.session_state.get(f"{key}_for") != title:
        st.session_state[f"{key}_for"] = title
        st.session_state[f"{key}_true"], st.session_state[f"{key}_pred"] = _worst_pair(cm)

    st.subheader("Look inside a cell")
    a, b, c = st.columns([1, 1, 3], vertical_alignment="bottom")
    true = a.selectbox("True digit", list(range(10)), key=f"{key}_true")
    pred = b.selectbox("Model said", list(range(10)), key=f"{key}_pred")
    cases = pair_cases(result, true, pred)
    n = len(cases)
    with c:
        if true == pred:
            st.markdown(f"**{n:,}** image{'s' if n != 1 else ''} of **{true}** answered right"
                        + ("; the least sure come first." if n > 1 else "."))
        else:
            st.markdown(f"**{n:,}** image{'s' if n != 1 else ''} of **{true}** {'were' if n != 1 else 'was'} taken "
                        f"for **{pred}**" + ("; the most confidently wrong come first." if n > 1 else "."))
    shown = st.slider("How many to show", 6, 60, 12, step=6, key=f"{key}_n") if len(cases) > 12 else len(cases)
    if cases:
        if true != pred:
            st.caption(CARD_LEGEND)
        error_cards(result, images, cases[:shown])
        inspect_listed(predictor, images, cases[:shown], key=key)
    elif true != pred:
        st.success(f"The model never took a {true} for a {pred}.", icon=":material/check_circle:")


def _clicked_cell(event) -> tuple[int, int] | None:
    try:
        points = (event.selection or {}).get(CELL_SELECTION) or []
    except AttributeError:
        return None
    for point in points:
        try:
            return int(point["true"]), int(point["predicted"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def _worst_pair(cm: np.ndarray) -> tuple[int, int]:
    off = np.asarray(cm).copy()
    np.fill_diagonal(off, -1)
    t, p = np.unravel_index(int(off.argmax()), off.shape)
    return (int(t), int(p)) if off[t, p] > 0 else (0, 0)


# ----------------------------------------------------------------------------- top errors view


def top_errors_view(result: EvalResult, images: np.ndarray, *, key: str, title: str,
                    predictor: Predictor | None = None) -> None:
    """The misclassified images ranked by how confidently wrong, with a count slider and class filters."""
    errors = result.top_errors()
    if not errors:
        st.success(f"No mistakes: all {result.n:,} images were recognised.", icon=":material/celebration:")
        return
    a, b, c = st.columns([2, 2, 2])
    count = a.slider("How many", 6, 100, 24, key=f"{key}_count", help="The most confidently wrong come first.")
    trues = b.multiselect("True digit", list(range(10)), key=f"{key}_true", placeholder="any digit")
    preds = c.multiselect("Model said", list(range(10)), key=f"{key}_pred", placeholder="any digit")
    chosen = [e for e in errors if (not trues or e.true in trues) and (not preds or e.predicted in preds)]
    shown = chosen[:count]
    filtered = " matching the filters" if trues or preds else ""
    st.markdown(f"**{result.errors:,}** of {result.n:,} images are wrong ({1 - result.accuracy:.2%}); "
                f"showing the **{len(shown)}** most confidently wrong{filtered}"
                + (f" of {len(chosen):,}." if len(chosen) > len(shown) else "."))
    st.caption("Ranked by how sure the model was of its wrong answer: p(answer) − p(true digit). "
               "Some of these are hard to read even for people, and a few MNIST labels are themselves wrong. "
               + CARD_LEGEND)
    if not shown:
        st.info("No mistakes match these filters.", icon=":material/filter_alt_off:")
        return
    error_cards(result, images, shown)
    inspect_listed(predictor, images, shown, key=key)
    st.download_button("These images as one PNG", png_bytes(error_grid_image(images, shown, result.probabilities,
                                                                               title=title)),
                       file_name="top_errors.png", mime="image/png", icon=":material/image:", key=f"{key}_png")
