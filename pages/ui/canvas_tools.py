"""Finger-sized drawing tools for the home page's canvases: Undo, Clear and a Pen/Eraser switch.

The canvas component's own toolbar is hidden (its edit toggle switched the canvas
into *select* mode: strokes got handles, new strokes did not draw and the answer
stopped updating). Every tool here leaves the canvas in free drawing:

* Undo redraws the strokes kept from the last update minus the newest one, through
  ``initial_drawing`` (the component reloads a changed drawing in place and sends it back);
* Clear gives a fresh canvas (a new key);
* Eraser draws in the background colour, which is what erasing means for the picture the model reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

PEN_COLOUR = "#FFFFFF"
BACKGROUND = "#000000"
TOOLS = {"pen": ":material/edit: Pen", "eraser": ":material/ink_eraser: Eraser"}

#: The component draws in a shadow root the page's CSS cannot reach; this puts one rule into it.
HIDE_TOOLBAR_JS = """
<script>
(() => {
  if (window.__dcCanvasToolbarHidden) return;
  window.__dcCanvasToolbarHidden = true;
  const css = ".dc-toolbar { display: none !important; }";
  const patch = () => {
    for (const el of document.querySelectorAll("*")) {
      const root = el.shadowRoot;
      if (root && root.querySelector(".dc-root") && !root.querySelector("style[data-dc-tools]")) {
        const style = document.createElement("style");
        style.dataset.dcTools = "1";
        style.textContent = css;
        root.appendChild(style);
      }
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; patch(); }, 30);
  }).observe(document.body, { childList: true, subtree: true });
  patch();
})();
</script>
"""

#: At least 44 px targets (WCAG 2.5.5) for fingers on a tablet.
TOOLS_CSS = """
<style>
[class*="canvas_tools"] button { min-height: 48px; min-width: 48px; }
[class*="canvas_tools"] button p { font-size: 1.05rem; }
.st-key-canvas_tools, .st-key-number_canvas_tools { gap: 0.5rem; }
</style>
"""


def canvas_objects(result: Any) -> list[dict]:
    """The strokes the canvas last sent (``[]`` before the first one)."""
    data = getattr(result, "json_data", None) or {}
    objects = data.get("objects") if isinstance(data, dict) else None
    return list(objects) if isinstance(objects, list) else []


def undo_drawing(objects: list[dict], generation: int, background: str = BACKGROUND) -> dict:
    """The ``initial_drawing`` for the strokes minus the newest one.

    ``generation`` makes each undo a new drawing even when its strokes equal an
    earlier one's (the component only reloads a drawing that changed).
    """
    return {"objects": list(objects[:-1]), "background": background, "dcUndo": generation}


def _undo(prefix: str = "") -> None:
    objects = st.session_state.get(f"{prefix}canvas_objects") or []
    if not objects:
        return
    generation = st.session_state.get(f"{prefix}canvas_undo", 0) + 1
    st.session_state[f"{prefix}canvas_undo"] = generation
    st.session_state[f"{prefix}canvas_initial"] = undo_drawing(objects, generation)
    st.session_state[f"{prefix}canvas_objects"] = objects[:-1]


def _clear(prefix: str = "") -> None:
    # A new key gives a fresh, empty canvas.
    st.session_state[f"{prefix}canvas_round"] = st.session_state.get(f"{prefix}canvas_round", 0) + 1
    st.session_state[f"{prefix}canvas_initial"] = None
    st.session_state[f"{prefix}canvas_objects"] = []


def canvas_with_tools(st_canvas: Callable[..., Any], side: int, *, height: int | None = None, prefix: str = "",
                      pen: int = 20) -> Any:
    """The canvas (``side`` px wide, ``height`` px high, square by default) and its tools below; returns its result.

    ``st_canvas`` is passed in by the page (so tests can stand in for the component). ``prefix``
    keeps a second canvas's state apart (the Number canvas uses ``"number_"``: its keys are
    ``number_canvas_round``, ``number_pen_size``, ``undo_number_canvas``, ``clear_number_canvas``...);
    ``pen`` is the starting pen size.
    """
    st.html(HIDE_TOOLBAR_JS, unsafe_allow_javascript=True)
    st.html(TOOLS_CSS)
    size = st.session_state.get(f"{prefix}pen_size", pen)
    eraser = st.session_state.get(f"{prefix}canvas_tool") == "eraser"
    result = st_canvas(
        stroke_width=size,
        stroke_color=BACKGROUND if eraser else PEN_COLOUR,
        background_color=BACKGROUND,
        height=height or side,
        width=side,
        drawing_mode="freedraw",
        initial_drawing=st.session_state.get(f"{prefix}canvas_initial"),
        key=f"{prefix.replace('_', '-')}canvas-{st.session_state.get(f'{prefix}canvas_round', 0)}",
        return_image_data=True,
        update_streamlit=True,
    )
    st.session_state[f"{prefix}canvas_objects"] = canvas_objects(result)
    with st.container(horizontal=True, key=f"{prefix}canvas_tools", vertical_alignment="center"):
        st.button("Undo", icon=":material/undo:", on_click=_undo, args=(prefix,), key=f"undo_{prefix}canvas",
                  disabled=not st.session_state[f"{prefix}canvas_objects"], help="Take back the last stroke")
        st.button("Clear", icon=":material/delete:", on_click=_clear, args=(prefix,), key=f"clear_{prefix}canvas",
                  help="Start again with an empty canvas")
        st.segmented_control("Tool", list(TOOLS), format_func=TOOLS.get, default="pen", key=f"{prefix}canvas_tool",
                             label_visibility="collapsed", required=True)
    st.slider("Pen size", min_value=6, max_value=40, value=pen, key=f"{prefix}pen_size")
    return result
