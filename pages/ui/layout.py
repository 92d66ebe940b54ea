"""Responsive CSS for the home page: projector, laptop, tablet and phone widths.

* The answer panel goes below the canvas whenever less than ``ANSWER_MIN`` px would be
  left beside it (the row wraps instead of squeezing the chart);
* on a phone the page top is compact, so the big answer is on screen right after drawing.
"""

from __future__ import annotations

import streamlit as st

#: Narrowest answer panel beside the canvas: the chart's ten digits and the big answer fit.
ANSWER_MIN = 330

#: Below this width the sidebar starts closed (a tablet or a projector): the canvas and the
#: answer get the room. Wider, or once the visitor opens it, Streamlit keeps it as it is.
SIDEBAR_CLOSED_BELOW = 1100

CSS = f"""
<style>
/* The canvas + answer rows wrap: the answer goes below rather than getting squeezed. Streamlit wraps
   each panel in an element container, so the sizes go on the container holding the keyed panel. */
.st-key-draw_row, .st-key-upload_row {{ flex-wrap: wrap; column-gap: 2rem !important; }}
.st-key-draw_row > div:has(> .st-key-draw_right), .st-key-upload_row > div:has(> .st-key-upload_right) {{
  flex: 1 1 {ANSWER_MIN}px !important; min-width: min(100%, {ANSWER_MIN}px) !important; }}
.st-key-draw_row > div:has(> .st-key-draw_left), .st-key-upload_row > div:has(> .st-key-upload_left) {{
  max-width: 100%; }}
/* Projector and laptop widths: less side padding, more room for the answer beside the canvas. */
@media (max-width: 1280px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 2rem; padding-right: 2rem; }}
}}
/* Phones: less above the canvas, a smaller big answer, so it shows without scrolling after drawing. */
@media (max-width: 640px) {{
  [data-testid="stMainBlockContainer"] {{ padding: 2.25rem 0.75rem 2rem 0.75rem; }}
  [data-testid="stMainBlockContainer"] h1 {{ font-size: 1.45rem; padding: 0.1rem 0 0.2rem 0; }}
  .dc-intro, .dc-tip, .st-key-presenter_bar {{ display: none; }}
  .dc-answer {{ font-size: 4.5rem !important; margin: 0; }}
  .dc-headline {{ font-size: 1.1rem !important; margin-bottom: 0.3rem; }}
  .st-key-draw_row {{ gap: 0.5rem; }}
  .st-key-canvas_tools {{ flex-wrap: nowrap; gap: 0.35rem !important; }}
  .st-key-canvas_tools button {{ padding-left: 0.55rem; padding-right: 0.55rem; }}
}}
</style>
"""

#: Runs once per page load: closes the sidebar on narrow screens (it can be opened again with ">>").
SIDEBAR_JS = f"""
<script>
(() => {{
  if (window.__dcSidebarChecked) return;
  window.__dcSidebarChecked = true;
  if (window.innerWidth >= {SIDEBAR_CLOSED_BELOW}) return;
  let tries = 0;
  const timer = setInterval(() => {{
    const bar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (++tries > 100) clearInterval(timer);
    if (!bar || !button) return;
    clearInterval(timer);
    if (bar.getAttribute("data-collapsed") === "false") button.click();
  }}, 100);
}})();
</script>
"""


def apply() -> None:
    """Put the responsive rules on the page (once per run; Streamlit keeps them until the next)."""
    st.html(CSS)
    st.html(SIDEBAR_JS, unsafe_allow_javascript=True)


def is_phone() -> bool:
    """Whether the visitor's browser says it is a phone (its User-Agent), so wide canvases can be narrower.

    Phones send "Mobile" (iPhone, Android phones); Android tablets do not, and an iPad says
    "iPad" (or poses as a Mac). Without headers (tests, old clients) the answer is no.
    """
    try:
        agent = str(st.context.headers.get("User-Agent") or "")
    except Exception:  # no request context
        return False
    return "Mobi" in agent and "iPad" not in agent

