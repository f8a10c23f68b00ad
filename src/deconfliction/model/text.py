"""Checks on text that parties write into messages, names and identifiers."""

from __future__ import annotations

import unicodedata

from deconfliction.errors import InvalidInput

# Embeddings, overrides and isolates can make text display in an order other than the one
# it was written in (a place name that shows another name); marks (LRM, RLM) are fine.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_text(text: str, what: str, *, multiline: bool = False) -> str:
    """``text`` itself if it holds no control or bidi formatting characters; raise otherwise.

    Line breaks and tabs are allowed when ``multiline``.
    """
    allowed = "\n\t" if multiline else ""
    for index, char in enumerate(text):
        if char in allowed:
            continue
        if char in BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            raise InvalidInput(
                f"{what}: character U+{ord(char):04X} at position {index} is a control or "
                "direction-formatting character; remove it"
            )
    return text
