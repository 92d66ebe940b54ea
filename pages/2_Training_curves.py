"""Training curves: loss, accuracy and learning rate per epoch from the runs' CSVLogger logs.

Pick one or several runs (or upload a log) to overlay them; each run's best epoch is marked.
Reading and repairing the logs is ``digitcore.insight.training_log``; this page only draws.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from digitcore.insight import presentation as pres
from digitcore.insight.charts import curves_chart_spec
from digitcore.storage.model_store import ModelEntry
from digitcore.insight.training_log import (
    TrainingLog,
    TrainingLogError,
    best_epochs_frame,
    curves_frame,
    parse_training_log,
    read_training_log,
)
from pages.ui.insight import all_models, setup_page

INTRO = (
    "Every epoch the model sees all its training images once. These curves show how its **loss** (how wrong "
    "it is, lower is better) and **accuracy** changed, on the images it learns from (**training**, dashed) and "
    "on images it never learns from (**validation**, solid). When validation loss turns back up while training "
    "loss keeps falling, the model has started to memorise instead of learn: that is *overfitting*."
)


def _log_file(entry: ModelEntry) -> Path:
    """The run's log; while it is still training the log is written to a hidden ``.NAME.csv.partial``."""
    if entry.log_path.exists():
        return entry.log_path
    partial = entry.path.with_name(f".{entry.name}.csv.partial")
    return partial if partial.exists() else entry.log_path


@st.cache_data(show_spinner=False, max_entries=64)
def _read(path: str, mtime_ns: int, size: int, name: str) -> TrainingLog:
    del mtime_ns, size  # cache key only: a log that grows is read again
    return read_training_log(path, name)


def load_log(entry: ModelEntry) -> TrainingLog:
    """The entry's training log (cached per file version); TrainingLogError when unusable."""
    path = _log_file(entry)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise TrainingLogError(f"This run has no training log ({entry.log_path.name} is missing).") from None
    except OSError as exc:
        raise TrainingLogError(f"{path.name} could not be read ({exc.strerror or exc}).") from None
    return _read(str(path), stat.st_mtime_ns, stat.st_size, pres.model_name(entry))


def pick_runs(entries: list[ModelEntry]) -> list[ModelEntry]:
    """The runs to plot: the newest trained run by default (or the shipped default when there is none)."""
    by_name = {e.name: e for e in entries}
    runs = [e for e in entries if not e.is_default]
    default = [runs[0].name] if runs else [entries[0].name]
    chosen = st.multiselect(
        "Runs to show", list(by_name), default=default, key="curves_runs",
        format_func=lambda n: pres.model_name(by_name[n]),
        help="Pick several to overlay their curves and compare them.",
        placeholder="Choose one or more runs",
    )
    return [by_name[n] for n in chosen]


def uploaded_log() -> tuple[str, bytes] | None:
    """A CSVLogger file the user uploads instead (e.g. from a training run on another computer)."""
    with st.expander("Upload a training log (CSV) from elsewhere", icon=":material/upload_file:"):
        f = st.file_uploader("A Keras CSVLogger file", type=["csv", "log", "txt"], key="curves_upload",
                             max_upload_size=5)
    return (f.name, f.getvalue()) if f is not None else None


def gather_logs(entries: list[ModelEntry], upload: tuple[str, bytes] | None) -> dict[str, TrainingLog]:
    """Read every chosen log; problems and notes are shown per run, never as a traceback."""
    logs: dict[str, TrainingLog] = {}
    sources: list[tuple[str, object]] = [(pres.model_name(e), e) for e in entries]
    if upload is not None:
        sources.append((f"{Path(upload[0]).stem} (uploaded)", upload[1]))
    for name, source in sources:
        try:
            if isinstance(source, bytes):
                log = parse_training_log(source, upload[0])
                log.name = name
            else:
                log = load_log(source)
        except TrainingLogError as exc:
            st.error(f"**{name}**: {exc}", icon=":material/error:")
            continue
        except Exception:  # a page must survive any file it is given
            st.error(f"**{name}**: this training log could not be read.", icon=":material/error:")
            continue
        for note in log.notes:
            st.warning(f"**{name}**: {note}", icon=":material/info:")
        if not isinstance(source, bytes) and source.meta.get("status") == "running":
            st.info(f"**{name}** is still training: these are the epochs finished so far.", icon=":material/update:")
        logs[name] = log
    return logs


def draw_charts(logs: dict[str, TrainingLog]) -> None:
    """Loss and accuracy side by side, the learning rate below when it was logged."""
    data = curves_frame(logs)
    by_run = len(logs) > 1
    style = {"runs": list(logs), "epochs": max(log.epochs for log in logs.values())}
    log_loss = st.toggle("Logarithmic scale for the loss", key="curves_logscale",
                         help="Spreads out small values, so late epochs stay readable.")
    left, right = st.columns(2, gap="large")
    for col, metric, scale in ((left, "loss", log_loss), (right, "accuracy", False)):
        part = data[data["metric"] == metric]
        with col:
            st.subheader("Loss" if metric == "loss" else "Accuracy")
            if part.empty:
                st.info(f"No {metric} column in {'these logs' if by_run else 'this log'}.")
                continue
            if scale and (part["value"] <= 0).any():
                st.caption("Some values are 0 or less: drawn on a normal scale.")
                scale = False
            spec = curves_chart_spec(metric, by_run=by_run, log_scale=scale, **style)
            st.vega_lite_chart(part, spec, width="stretch")
    lr = data[data["metric"] == "learning rate"]
    if not lr.empty:
        st.subheader("Learning rate")
        st.caption("How big a step the optimiser takes each epoch; many recipes shrink it as training goes on.")
        values = lr["value"]
        spread = (values > 0).all() and values.max() / values.min() > 20  # log scale only when it helps
        st.vega_lite_chart(lr, curves_chart_spec("learning rate", by_run=by_run, log_scale=bool(spread), height=220,
                                                 **style),
                           width="stretch")
    st.caption("Hover a point to see its value. The dotted line and ring mark each run's best epoch "
               "(lowest validation loss).")


def best_table(logs: dict[str, TrainingLog]) -> None:
    """Per run: epochs, best epoch and the scores there."""
    st.subheader("Best epoch per run")
    frame = best_epochs_frame(logs)
    for col in ("val accuracy", "train accuracy"):
        frame[col] = frame[col] * 100
    pct = dict(format="%.2f%%")
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "run": st.column_config.TextColumn("Run"),
        "epochs": st.column_config.NumberColumn("Epochs"),
        "best epoch": st.column_config.NumberColumn("Best epoch"),
        "chosen by": st.column_config.TextColumn("Chosen by"),
        "val accuracy": st.column_config.NumberColumn("Validation accuracy", **pct),
        "val loss": st.column_config.NumberColumn("Validation loss", format="%.4f"),
        "train accuracy": st.column_config.NumberColumn("Training accuracy", **pct),
        "train loss": st.column_config.NumberColumn("Training loss", format="%.4f"),
    })


def downloads(logs: dict[str, TrainingLog]) -> None:
    """The cleaned curves as one CSV (a ``run`` column first); epochs counted from 1."""
    frame = pd.concat([log.frame.assign(run=name)[["run", *log.frame.columns]] for name, log in logs.items()],
                      ignore_index=True)
    name = next(iter(logs)) if len(logs) == 1 else "runs"
    st.download_button("Download these curves (CSV)", frame.to_csv(index=False), file_name=f"{name}-curves.csv",
                       mime="text/csv", icon=":material/download:", key="curves_download")


def main() -> None:
    """Lay out the page."""
    setup_page("Training curves", "📈", INTRO)
    entries = all_models()
    if not entries:
        st.error("No runs found: the default model `models/default.keras` is missing and nothing has been trained.")
        return
    chosen = pick_runs(entries)
    upload = uploaded_log()
    if not chosen and upload is None:
        st.info("Choose a run above to see its curves.", icon=":material/show_chart:")
        return
    logs = gather_logs(chosen, upload)
    if not logs:
        return
    draw_charts(logs)
    best_table(logs)
    downloads(logs)


if __name__ == "__main__":
    from pages.ui.navigation import page_entry

    page_entry(main)
