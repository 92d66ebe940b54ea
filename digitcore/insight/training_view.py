"""What the training page shows, as plain data: progress wording, curve tables and chart specs.

Pure functions over :class:`digitcore.training.jobs.JobState` and presets (pandas, no Streamlit), so the
page stays a thin layout and the wording can be tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = [
    "CURVES",
    "CHART_HEIGHT",
    "MONITOR_WORDS",
    "SPLIT_COLOURS",
    "history_frame",
    "legend_html",
    "curve_chart_spec",
    "batch_progress_text",
    "overall_progress_text",
    "message_icon",
    "status_headline",
    "summary_frame",
    "preset_label",
    "format_lr",
]

#: Chart colours: training in the theme's green, validation in a contrasting orange.
SPLIT_COLOURS = {"training": "#2f7d6d", "validation": "#e07a1f"}
#: The charts, in page order: (metric key in the log, title, y-axis format).
CURVES = (("loss", "Loss (lower is better)", ".3~f"), ("accuracy", "Accuracy (higher is better)", ".1~%"),
          ("learning_rate", "Learning rate", "~g"))

#: Keras' metric names in words.
MONITOR_WORDS = {"val_loss": "validation loss", "val_accuracy": "validation accuracy"}
#: Height of each curve chart in pixels (room for a readable y axis on a projector).
CHART_HEIGHT = 240

_ICONS = {"ModelCheckpoint": ":material/save:", "ReduceLROnPlateau": ":material/trending_down:",
          "EarlyStopping": ":material/front_hand:", "Stop": ":material/stop_circle:",
          "Start": ":material/play_circle:", "Error": ":material/error:"}


def format_duration(seconds: float | None) -> str:
    """``75`` -> ``"1:15"``, ``3700`` -> ``"1:01:40"``; ``"?"`` when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_lr(lr: float | None) -> str:
    """A learning rate the way people write it: ``0.001``, ``0.0005``, ``1e-05``."""
    if lr is None:
        return "?"
    text = f"{lr:.6f}".rstrip("0").rstrip(".")
    return text if lr >= 1e-4 and text not in ("0", "") else f"{lr:.0e}"


def history_frame(history: Sequence[dict[str, float]]) -> pd.DataFrame:
    """Epoch rows (``epoch, loss, accuracy, val_loss, val_accuracy, learning_rate``) in long form.

    Columns: ``epoch`` (1-based), ``metric`` (loss/accuracy/learning_rate), ``split``
    (training/validation) and ``value``; the learning rate has only a training row.
    """
    rows = []
    for h in history:
        epoch = int(h["epoch"])
        for metric in ("loss", "accuracy"):
            if metric in h:
                rows.append((epoch, metric, "training", float(h[metric])))
            if f"val_{metric}" in h:
                rows.append((epoch, metric, "validation", float(h[f"val_{metric}"])))
        if "learning_rate" in h:
            rows.append((epoch, "learning_rate", "training", float(h["learning_rate"])))
    return pd.DataFrame(rows, columns=["epoch", "metric", "split", "value"])


def curve_chart_spec(metric: str, title: str, fmt: str, epochs: int | None = None,
                     height: int = CHART_HEIGHT) -> dict[str, Any]:
    """Vega-Lite spec for one metric's curves from :func:`history_frame` rows (filtered to ``metric``).

    ``epochs`` fixes the x axis to the planned length, so the curve visibly grows into it.
    """
    x_scale: dict[str, Any] = {"domainMin": 1}
    if epochs:
        x_scale["domain"] = [1, max(int(epochs), 2)]
    # No legend inside: the charts share one (legend_html), so all three plots get the same height.
    colour = {
        "field": "split", "type": "nominal", "title": None,
        "scale": {"domain": list(SPLIT_COLOURS), "range": list(SPLIT_COLOURS.values())}, "legend": None,
    }
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": None, "axis": {"format": fmt, "tickCount": 5},
                         "scale": {"zero": False}}
    return {
        "title": {"text": title, "anchor": "start", "fontSize": 15},
        "height": height,
        "transform": [{"filter": {"field": "metric", "equal": metric}}],
        "encoding": {
            "x": {"field": "epoch", "type": "quantitative", "title": "epoch", "scale": x_scale,
                  "axis": {"tickMinStep": 1, "format": "d"}},
            "y": y,
            "color": colour,
            "tooltip": [{"field": "epoch", "type": "quantitative"}, {"field": "split", "type": "nominal"},
                        {"field": "value", "type": "quantitative", "format": fmt}],
        },
        "layer": [{"mark": {"type": "line", "strokeWidth": 3}},
                  {"mark": {"type": "point", "filled": True, "size": 70}}],
        "config": {"axis": {"labelFontSize": 13, "grid": True}, "legend": {"labelFontSize": 14},
                   "view": {"stroke": None}},
    }


def legend_html() -> str:
    """One shared legend for the curve charts: coloured dots for training and validation."""
    items = "".join(
        f'<span style="margin-right:1.4rem;white-space:nowrap"><span style="color:{colour};font-size:1.3em">●</span>'
        f" {label}</span>"
        for label, colour in (("training images", SPLIT_COLOURS["training"]),
                              ("validation images", SPLIT_COLOURS["validation"]))
    )
    return f'<div class="dc-legend" style="font-size:0.95rem">{items}</div>'


def batch_progress_text(state: Any) -> str:
    """One line for the batch progress bar: epoch, batch, time left, running loss and accuracy."""
    if not state.epoch:
        return state.phase
    parts = [f"Epoch {state.epoch} of {state.epochs}", f"batch {state.batch} of {state.steps}"]
    if state.active and state.eta_s is not None and state.batch < (state.steps or 0):
        parts.append(f"{format_duration(state.eta_s)} left in this epoch")
    logs = state.batch_logs
    if "loss" in logs:
        parts.append(f"loss {logs['loss']:.4f}")
    if "accuracy" in logs:
        parts.append(f"accuracy {logs['accuracy']:.1%}")
    return " · ".join(parts)


def overall_progress_text(state: Any) -> str:
    """One line for the whole run: share done, elapsed and a rough total time left."""
    text = f"{state.overall_fraction:.0%} of {state.epochs} epochs · {format_duration(state.elapsed_s)} so far"
    left = state.eta_total_s
    if state.active and left is not None:
        text += f" · about {format_duration(left)} to go"
    if state.images_per_s:
        text += f" · {state.images_per_s:,.0f} images/s"
    return text


def message_icon(source: str) -> str:
    """Material icon for a callback/info message's source."""
    return _ICONS.get(source, ":material/info:")


def _metric_text(monitor: str, value: float) -> str:
    return f"{value:.2%}" if "accuracy" in monitor else f"{value:.4f}"


def status_headline(state: Any) -> tuple[str, str]:
    """(kind, sentence) for the end of a run: kind is ``success``, ``warning`` or ``error``."""
    meta = state.meta or {}
    acc = meta.get("test_accuracy")
    acc_text = (f" Test accuracy: it gets **{acc:.2%}** of the 10,000 MNIST test digits right." if
                isinstance(acc, (int, float)) else "")
    saved = meta.get("saved_from") or {}
    if saved.get("weights", "last epoch") != "last epoch" and "value" in saved:
        where = f"epoch {saved['epoch']}" if "epoch" in saved else "the best checkpoint"
        acc_text += (f" The saved model is {where} ({MONITOR_WORDS.get(saved['monitor'], saved['monitor'])} "
                     f"{_metric_text(saved['monitor'], saved['value'])}).")
    if state.status == "finished":
        return "success", f"**{state.name}** finished training in {format_duration(state.elapsed_s)}.{acc_text}"
    if state.status == "stopped":
        kept = " The model was saved." if isinstance(acc, (int, float)) else ""
        from .presentation import plural

        return "warning", (f"**{state.name}** was stopped after {plural(state.epochs_done, 'finished epoch')}."
                           f"{kept}{acc_text}")
    from .presentation import escape_markdown

    return "error", f"**{state.name}** failed: {escape_markdown(state.error or 'unknown error')}"


def summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The model summary's layer rows as a table (Layer, Type, Output shape, Parameters)."""
    rows = summary.get("rows", [])
    return pd.DataFrame(
        {"Layer": [r["name"] for r in rows], "Type": [r["kind"] for r in rows],
         "Output shape": [r["output_shape"] for r in rows], "Parameters": [int(r["params"]) for r in rows]}
    )


def preset_label(preset: Any) -> str:
    """What the preset picker shows: title and published result."""
    return f"{preset.title} · {preset.published}" if preset.published else preset.title


def which_data_text(state: Any) -> str:
    """One line saying which pictures the validation and the test figures come from."""
    from .presentation import plural

    val = getattr(state, "val_images", None)
    val_part = (f"**Validation** accuracy is measured after every epoch on {plural(val, 'image')} held out of the "
                "training set (the network never learns from them)" if val else
                "**Validation** accuracy is measured after every epoch on images held out of the training set")
    return (val_part + "; **test** accuracy once, at the end, on MNIST's 10,000 separate test digits. "
            "They are different pictures, so the two figures differ a little.")


def batch_loss_frame(batch_history: Sequence[dict[str, float]]) -> pd.DataFrame:
    """The live per-batch curve's rows: ``step`` (batches done), ``epoch`` and the running ``loss``."""
    frame = pd.DataFrame(list(batch_history), columns=["step", "epoch", "loss"])
    return frame.astype({"step": "int64", "epoch": "int64"}) if len(frame) else frame


def batch_loss_chart_spec(height: int = CHART_HEIGHT) -> dict[str, Any]:
    """Vega-Lite line of the running loss after every batch (it moves within an epoch, not only at its end)."""
    from .presentation import readable_axis_config

    return {
        "height": height,
        "config": readable_axis_config(),
        "title": {"text": "Loss per batch (live)", "anchor": "start", "fontSize": 14},
        "mark": {"type": "line", "strokeWidth": 2, "color": "#2f7d6d", "interpolate": "monotone"},
        "encoding": {
            "x": {"field": "step", "type": "quantitative", "title": "batches done", "axis": {"tickMinStep": 1}},
            "y": {"field": "loss", "type": "quantitative", "title": "loss", "scale": {"zero": False}},
            "tooltip": [{"field": "epoch", "type": "quantitative"}, {"field": "step", "type": "quantitative",
                        "title": "batch"}, {"field": "loss", "type": "quantitative", "format": ".3f"}],
        },
    }
