"""The app's navigation: a proper name for the home page and every page in ``pages/``.

``app.py`` is the entry point; with ``st.navigation`` the home page is its ``main``
function (so the sidebar says "Digit recogniser" instead of "app"), and every
``pages/<n>_<Name>.py`` file is listed after it in file-name order, so a new page
needs no change here. Its address stays ``/<Name>`` as before.

A page opened by its address as the very first visit of a fresh server is run by Streamlit's
older pages-folder mode, without ``app.py`` (its menu would say "app"); :func:`page_entry`
hands such a run over to the app's navigation, which then serves every later visit too.
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


def _opened_without_the_app() -> bool:
    """True when Streamlit runs a page itself (its pages-folder mode) instead of through ``app.py``."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # a Streamlit without these internals: nothing to hand over
        return False
    return bool(PagesManager.uses_pages_directory) and get_script_run_ctx() is not None


def page_entry(page_main: Callable[[], None]) -> None:
    """Run a page: ``page_main()``, or, when Streamlit ran the file without ``app.py``, the app's navigation.

    The navigation then runs this same page again, inside the app's menu (with the home page named).
    """
    if not _opened_without_the_app():
        page_main()
        return
    import app  # the entry script as a module: its main() is the home page

    run_navigation(app.main)

