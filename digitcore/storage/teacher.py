"""The teacher key: who may delete the class's drawings, import, or train with them from the pages.

The key is ``teacher_key`` in ``.streamlit/secrets.toml`` (the page passes ``st.secrets``' value) or
``$DIGITCORE_TEACHER_KEY``. With no key set, those actions exist only on the command line. Keys are
compared in constant time (:func:`hmac.compare_digest`), so timing reveals nothing about them.
"""

from __future__ import annotations

import hmac
import os

TEACHER_KEY_ENV = "DIGITCORE_TEACHER_KEY"
SECRET_NAME = "teacher_key"

__all__ = ["TEACHER_KEY_ENV", "SECRET_NAME", "configured_key", "check_teacher_key"]


def configured_key(secret: object = None) -> str | None:
    """The teacher key: ``secret`` (from secrets.toml) when it is a non-empty string, else the environment; None if unset."""
    for value in (secret, os.environ.get(TEACHER_KEY_ENV)):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def check_teacher_key(given: str | None, expected: str | None) -> bool:
    """True when a key is configured and ``given`` matches it (constant-time comparison)."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))
