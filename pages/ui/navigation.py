"""The app's navigation: a proper name for the home page and every page in ``pages/``.

``app.py`` is the entry point; with ``st.navigation`` the home page is its ``main``
function (so the sidebar says "Digit recogniser" instead of "app"), and every
``pages/<n>_<Name>.py`` file is listed after it in file-name order, so a new page
needs no change here. Its address stays ``/<Name>`` as before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from digitcore.insight.presentation import APP_NAME

PAGES_DIR = Path(__file__).resolve().parent.parent


def page_files(folder: Path = PAGES_DIR) -> list[Path]:
    """The page scripts: ``pages/<digits>_<Name>.py``, in file-name (menu) order."""
    return sorted((p for p in folder.glob("[0-9]*_*.py") if p.is_file()), key=lambda p: p.name)


_home_page = None


def home_page():
    """The home page's ``st.Page`` (for ``st.page_link``), or None when a page runs on its own (tests)."""
    return _home_page


def run_navigation(home: Callable[[], None], icon: str = "✏️") -> None:
    """Show the navigation and run the page the visitor asked for (``home`` for the root address)."""
    global _home_page
    _home_page = st.Page(home, title=APP_NAME, icon=icon, url_path="home", default=True)
    pages = [_home_page]
    pages += [st.Page(str(path)) for path in page_files()]
    st.navigation(pages).run()
