"""Ids the hub makes for alerts, messages and incidents."""

from __future__ import annotations

import secrets


def new_id(prefix: str, now_s: float) -> str:
    """``prefix`` + ``_`` + milliseconds since 1970 in hex (so ids sort by time) + 10 random
    hex digits.

    >>> new_id("al", 0.0)[:15]
    'al_00000000000'
    """
    return f"{prefix}_{int(now_s * 1000):011x}{secrets.token_hex(5)}"
