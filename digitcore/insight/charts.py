"""Chart tables and Vega-Lite specs for the insight pages: training curves and the confusion-matrix heatmap.

Plain dicts and DataFrames (no Streamlit, no Altair), so the pages only pass them to
``st.vega_lite_chart`` and the tests can check them without a browser.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .report import cell_colours
from .presentation import readable_axis_config

__all__ = ["curves_chart_spec", "confusion_frame", "confusion_heatmap_spec", "CELL_SELECTION"]

#: Name of the heatmap's click selection (``event.selection[CELL_SELECTION]`` in Streamlit).
CELL_SELECTION = "cell"
_SPLIT_DASH = {"domain": ["training", "validation"], "range": [[5, 4], [1, 0]]}
_RUN_COLOURS = ["#2f7d6d", "#c2571a", "#3b6fb6", "#9c4f96", "#b8932a", "#5d6d7e", "#d1495b", "#00a6a6"]
_SPLIT_COLOURS = {"domain": ["training", "validation"], "range": ["#9aa9b3", "#2f7d6d"]}


def curves_chart_spec(metric: str, *, by_run: bool, log_scale: bool = False, height: int = 300,
                      title: str = "", runs: list[str] | None = None, epochs: int = 0) -> dict[str, Any]:
    """A line chart for one metric of :func:`~digitcore.insight.training_log.curves_frame` (already filtered to it).

    Colour is the run when ``by_run`` (several runs overlaid), else the split; training is always
    dashed and validation solid. Points carry tooltips; each run's best epoch gets a vertical rule and a
    ring. The learning rate (one value per epoch) is a plain step line per run. ``runs`` fixes the
    colour order across charts; ``epochs`` (the longest run) makes points smaller on long runs.
    """
    is_rate = metric == "accuracy"
    y_axis: dict[str, Any] = {"title": title or metric, "format": ".0%" if is_rate else "~g"}
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "axis": y_axis,
                         "scale": {"type": "log"} if log_scale else {"zero": False}}
    x = {"field": "epoch", "type": "quantitative", "axis": {"title": "epoch", "format": "d", "tickMinStep": 1}}
    run_scale: dict[str, Any] = {"range": _RUN_COLOURS}
    if runs:
        run_scale["domain"] = list(runs)  # the same run keeps its colour in every chart
    point_size = 36 if epochs <= 30 else 14
    legend = {"orient": "bottom", "title": None}
    colour: dict[str, Any] = (
        {"field": "run", "type": "nominal", "scale": run_scale, "legend": legend}
        if by_run
        else {"field": "split", "type": "nominal", "scale": _SPLIT_COLOURS, "legend": legend}
    )
    value_format = ".2%" if is_rate else ".4~g"
    tooltip = [
        {"field": "run", "type": "nominal"},
        {"field": "split", "type": "nominal", "title": "data"},
        {"field": "epoch", "type": "quantitative"},
        {"field": "value", "type": "quantitative", "title": metric, "format": value_format},
    ]
    if metric == "learning rate":
        # One value per epoch, not per split: a plain line per run, no best-epoch marks.
        tooltip = [t for t in tooltip if t["field"] != "split"]
        colour = (colour if by_run else {"value": "#5d6d7e"})
        enc = {"x": x, "y": y, "color": colour, "detail": {"field": "run", "type": "nominal"}}
        return {"height": height, "config": readable_axis_config(), "layer": [
            {"mark": {"type": "line", "strokeWidth": 2.5, "interpolate": "step-after"}, "encoding": enc},
            {"mark": {"type": "point", "filled": True, "size": point_size}, "encoding": {**enc, "tooltip": tooltip}},
        ]}
    line_enc: dict[str, Any] = {
        "x": x, "y": y, "color": colour, "detail": {"field": "run", "type": "nominal"},
        # Dashed training, solid validation, in both modes, so the legend words mean the same everywhere.
        "strokeDash": {"field": "split", "type": "nominal", "scale": _SPLIT_DASH,
                       "legend": {"orient": "bottom", "title": None} if by_run else None},
    }
    best_filter = "datum.best && (datum.split == 'validation' || !datum.has_validation)"
    return {
        "height": height,
        "config": readable_axis_config(),
        "layer": [
            {"mark": {"type": "line", "strokeWidth": 2.5, "interpolate": "monotone"}, "encoding": line_enc},
            {"mark": {"type": "point", "filled": True, "size": point_size},
             "encoding": {**{k: v for k, v in line_enc.items() if k != "strokeDash"}, "tooltip": tooltip}},
            {
                "transform": [{"filter": best_filter}],
                "mark": {"type": "rule", "strokeDash": [2, 3], "strokeWidth": 1.5, "opacity": 0.8},
                "encoding": {"x": x, "color": colour if by_run else {"value": "#2f7d6d"}},
            },
            {
                "transform": [{"filter": best_filter}],
                "mark": {"type": "point", "shape": "circle", "size": 260, "strokeWidth": 3, "filled": False},
                "encoding": {"x": x, "y": y, "color": colour if by_run else {"value": "#2f7d6d"},
                             "tooltip": [{"field": "run", "type": "nominal"},
                                         {"field": "epoch", "type": "quantitative", "title": "best epoch"},
                                         {"field": "value", "type": "quantitative", "title": metric,
                                          "format": value_format}]},
            },
        ],
    }


def confusion_frame(cm: np.ndarray, *, normalise: bool = False) -> pd.DataFrame:
    """One row per cell: true, predicted (str digits), count, share of the true digit's images, text, fill, kind.

    ``fill`` is the cell's colour (the same as the report PNG's), ``kind`` is right/wrong/none and
    ``text`` what the cell prints (count, or share when ``normalise``).
    """
    cm = np.asarray(cm, dtype=np.int64)
    k = cm.shape[0]
    rows = cm.sum(1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros(cm.shape, np.float64), where=rows > 0)
    colours = cell_colours(cm)
    records = []
    for t in range(k):
        for p in range(k):
            n = int(cm[t, p])
            if normalise:
                text = ("<1%" if 0 < share[t, p] < 0.005 else f"{share[t, p]:.0%}") if n or t == p else ""
            else:
                text = f"{n:,}" if n or t == p else ""
            r, g, b = (int(v) for v in colours[t, p])
            records.append({
                "true": str(t), "predicted": str(p), "count": n, "share": float(share[t, p]), "text": text,
                "fill": f"#{r:02x}{g:02x}{b:02x}",
                "ink": "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 150 else "#1f2d36",
                "kind": "right" if t == p else ("wrong" if n else "none"),
            })
    return pd.DataFrame.from_records(records)


def confusion_heatmap_spec(*, normalise: bool = False, size: int = 520) -> dict[str, Any]:
    """Vega-Lite heatmap for :func:`confusion_frame`: a click selects a cell (selection ``cell``)."""
    digits = [str(d) for d in range(10)]
    x = {"field": "predicted", "type": "ordinal", "sort": digits,
         "axis": {"orient": "top", "labelAngle": 0, "labelFontSize": 16, "title": "predicted digit",
                  "titleFontSize": 14, "labelFontWeight": "bold"}}
    y = {"field": "true", "type": "ordinal", "sort": digits,
         "axis": {"labelFontSize": 16, "title": "true digit", "titleFontSize": 14, "labelFontWeight": "bold"}}
    tooltip = [
        {"field": "true", "type": "nominal", "title": "true digit"},
        {"field": "predicted", "type": "nominal", "title": "predicted"},
        {"field": "count", "type": "quantitative", "title": "images", "format": ","},
        {"field": "share", "type": "quantitative", "title": "share of this digit", "format": ".2%"},
    ]
    return {
        "width": size,
        "height": size,
        "config": readable_axis_config(),
        "encoding": {"x": x, "y": y},
        "layer": [
            {
                "params": [{"name": CELL_SELECTION, "select": {"type": "point", "fields": ["true", "predicted"]}}],
                "mark": {"type": "rect", "stroke": "#d2dadf", "strokeWidth": 1, "cursor": "pointer"},
                "encoding": {
                    "color": {"field": "fill", "type": "nominal", "scale": None, "legend": None},
                    "opacity": {"condition": {"param": CELL_SELECTION, "empty": True, "value": 1}, "value": 0.45},
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "datum.kind == 'right'"}],
                "mark": {"type": "rect", "filled": False, "stroke": "#14463c", "strokeWidth": 2.5},
            },
            {
                "mark": {"type": "text", "fontSize": 13 if normalise else 14, "fontWeight": "bold"},
                "encoding": {"text": {"field": "text"}, "color": {"field": "ink", "type": "nominal", "scale": None},
                             "tooltip": tooltip},
            },
        ],
    }
