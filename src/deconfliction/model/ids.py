"""Ids: the rule for those parties choose (zones, operations, tracks), and those the hub makes
(alerts, messages, incidents).

An id chosen by a party is shown to other parties, written into the journal, logs and
incident reports, and typed back by duty officers. It is therefore held to one small, safe
set (:data:`ID_RULE`): ASCII letters and digits and ``_ . : -``, starting with a letter or
a digit, at most 64 characters. No control characters (a NUL, a line break that forges a
log line), no direction overrides or invisible characters (an id that displays as another),
no spaces or slashes (ids sit in URL paths).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from deconfliction.errors import InvalidInput

MAX_ID_LENGTH = 64
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"  # as JSON Schema writes it (``\Z`` here)
ID_RULE = "1 to 64 ASCII letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def is_id(value: Any) -> bool:
    """Whether ``value`` is an id a party may choose.

    >>> is_id("ANDROID-5895"), is_id("a b"), is_id("evil\\u202e")
    (True, False, False)
    """
    return type(value) is str and _ID.fullmatch(value) is not None


def check_id(value: Any, what: str) -> str:
    """``value`` if it is an id a party may choose; raise naming ``what`` and the rule."""
    if not is_id(value):
        raise InvalidInput(f"{what} {value!r} is not allowed: use {ID_RULE}")
    return str(value)


def new_id(prefix: str, now_s: float) -> str:
    """``prefix`` + ``_`` + milliseconds since 1970 in hex (so ids sort by time) + 10 random
    hex digits.

    >>> new_id("al", 0.0)[:15]
    'al_00000000000'
    """
    return f"{prefix}_{int(now_s * 1000):011x}{secrets.token_hex(5)}"
