"""Streamlit widgets shared by several pages (a package, so Streamlit does not list these as pages)."""
