"""Presenter mode for a projector: no sidebar, a big canvas, type 1.5 times larger, and a QR code
with the address students' devices open to join.

Switched with a toggle at the top of the home page or by the address: ``?present=1``.
"""

from __future__ import annotations

import streamlit as st

from digitcore.insight.join import join_address, lan_address, qr_png, with_query

#: Canvas side in presenter mode (px): big enough to draw on a projector screen.
PRESENTER_CANVAS = 520
#: How much larger the type is in presenter mode.
TYPE_SCALE = 1.5
KEY = "present"

CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ max-width: none; padding-left: 2rem; padding-right: 2rem; }}
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p {{ font-size: {TYPE_SCALE}rem; }}
[data-testid="stMainBlockContainer"] h1 {{ font-size: 2.6rem; padding-top: 0; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 2.2rem; }}
.dc-intro {{ display: none; }}
[data-testid="stMainBlockContainer"] button p {{ font-size: {1.05 * TYPE_SCALE}rem; }}
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p {{ font-size: {0.875 * TYPE_SCALE}rem; }}
[data-testid="stMainBlockContainer"] [data-testid="stTab"] p {{ font-size: {TYPE_SCALE}rem; }}
[data-testid="stMainBlockContainer"] [data-testid="stAlertContentInfo"] p {{ font-size: {TYPE_SCALE}rem; }}
.dc-answer {{ font-size: {7.5 * TYPE_SCALE}rem !important; }}
.dc-headline {{ font-size: {1.35 * TYPE_SCALE}rem !important; }}
.dc-join-text {{ font-size: {1.1 * TYPE_SCALE}rem; line-height: 1.35; }}
.dc-join-url {{ font-weight: 700; font-family: monospace; font-size: {1.15 * TYPE_SCALE}rem; }}
</style>
"""


def _wanted_by_address() -> bool:
    return str(st.query_params.get(KEY, "")).lower() in ("1", "true", "yes", "on")


def is_active() -> bool:
    """Whether this visitor's page is in presenter mode (the toggle, or ``?present=1`` on arrival)."""
    if KEY not in st.session_state:
        return _wanted_by_address()
    return bool(st.session_state[KEY])


def canvas_side(normal: int) -> int:
    """The canvas side to draw: ``PRESENTER_CANVAS`` in presenter mode, else ``normal``."""
    return max(normal, PRESENTER_CANVAS) if is_active() else normal


def chart_options() -> dict:
    """Arguments for ``probability_chart_spec``: larger labels in presenter mode."""
    return {"font_scale": TYPE_SCALE} if is_active() else {}


def student_address() -> str:
    """The address students' devices open: what the teacher's browser used, unless only this computer can."""
    headers = st.context.headers
    host = headers.get("X-Forwarded-Host") or headers.get("Host")
    https = str(headers.get("X-Forwarded-Proto", "")).lower() == "https"
    port = int(st.get_option("server.port") or 8501)
    return join_address(host, port, lan_ip=lan_address(), https=https)


def join_panel(query: dict[str, str] | None = None) -> None:
    """The QR code and the address, large enough to read from the back of the room.

    ``query``: what the students' page should open with (``{"challenge": "1"}``: straight into challenge mode).
    """
    url = with_query(student_address(), query)
    with st.container(horizontal=True, vertical_alignment="center", key="join", gap="medium"):
        st.image(qr_png(url), width=132, caption=None)
        note = ("" if "localhost" not in url and "127.0.0.1" not in url
                else "<br>(This computer has no network address: students can't join from their devices.)")
        st.markdown(f'<div class="dc-join-text" aria-label="join">Join on your phone or tablet: scan the code '
                    f'or open<br><span class="dc-join-url">{url}</span>{note}</div>', unsafe_allow_html=True)


def setup(join_query: dict[str, str] | None = None) -> bool:
    """The presenter toggle (top right), and in presenter mode its look and the join panel; returns whether on.

    ``join_query`` goes into the join address (see :func:`join_panel`).
    """
    if KEY not in st.session_state:
        st.session_state[KEY] = _wanted_by_address()
    with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center",
                      key="presenter_bar"):
        join = st.container()
        on = st.toggle("Presenter mode", key=KEY, help="For a projector: no sidebar, a big canvas, large type "
                       "and a QR code students can scan to join. Also opens with ?present=1 in the address.")
    if on:
        st.query_params[KEY] = "1"
        st.html(CSS)
        with join:
            join_panel(join_query)
    elif KEY in st.query_params:
        del st.query_params[KEY]
    return on
