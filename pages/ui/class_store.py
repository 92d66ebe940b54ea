"""The class store as the pages see it: one store and one background saver per server process.

A store that can't be opened (damaged or read-only file, unreachable PostgreSQL) is reported, and
tried again only every :data:`RETRY_S` seconds, so a dead database never slows the answers.
"""

from __future__ import annotations

import threading
import time

import streamlit as st

from digitcore.model.priority import yield_to_interactive
from digitcore.storage.class_saver import ClassSaver
from digitcore.storage.class_store import ClassStore, ClassStoreError, default_url
from digitcore.storage.teacher import SECRET_NAME, check_teacher_key, configured_key

RETRY_S = 30.0
_failed: dict[str, tuple[float, str]] = {}
_lock = threading.RLock()


_stores: dict[str, ClassStore] = {}


def open_store(url: str) -> ClassStore:
    """The process's one store for ``url`` (opened once); raises ClassStoreError. Safe from any thread."""
    with _lock:
        store = _stores.get(url)
    if store is None:
        store = ClassStore(url)  # outside the lock: an unreachable server must not block other URLs
        with _lock:
            store = _stores.setdefault(url, store)
    return store


def class_store() -> tuple[ClassStore | None, str]:
    """The class store for ``$DIGITCORE_DB_URL`` / the data folder, or (None, why it is unavailable)."""
    url = default_url()
    with _lock:
        failed = _failed.get(url)
        if failed and time.monotonic() - failed[0] < RETRY_S:
            return None, failed[1]
    try:
        return open_store(url), ""
    except ClassStoreError as exc:
        with _lock:
            _failed[url] = (time.monotonic(), str(exc))
        return None, str(exc)


def store_opener():
    """A callable for the background saver: opens (or reuses) the store, raising why it is unavailable."""
    url = default_url()  # read here, in the page's thread

    def opener() -> ClassStore:
        with _lock:
            failed = _failed.get(url)
            if failed and time.monotonic() - failed[0] < RETRY_S:
                raise ClassStoreError(failed[1])
        try:
            return open_store(url)
        except ClassStoreError as exc:
            with _lock:
                _failed[url] = (time.monotonic(), str(exc))
            raise

    return opener


def forget_failure() -> None:
    """Try the database again on the next call (the teacher's "try again" button)."""
    with _lock:
        _failed.clear()


@st.cache_resource(show_spinner=False)
def saver() -> ClassSaver:
    """The background saver shared by every session of this server.

    Its writes wait (at most ``priority.MAX_WAIT_S``) while any visitor's answer is being computed:
    a class pressing *Save and next* together must not delay the others' answers.
    """
    return ClassSaver(before_save=yield_to_interactive)


def teacher_key_configured() -> str | None:
    """The configured teacher key (secrets.toml's ``teacher_key`` or $DIGITCORE_TEACHER_KEY), None if unset."""
    try:
        secret = st.secrets.get(SECRET_NAME)
    except Exception:  # no secrets.toml at all, or an unreadable one: then only the environment counts
        secret = None
    return configured_key(secret)


def is_teacher(given: str | None) -> bool:
    """Whether ``given`` is the teacher key (constant-time); always False when no key is configured."""
    return check_teacher_key(given, teacher_key_configured())
