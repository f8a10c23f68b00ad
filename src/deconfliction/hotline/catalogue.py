"""The shape of a message catalogue: the text of every template and word in one language.

A pattern is ``str.format`` text whose placeholders name template fields (``{start}``) or,
for words, the values a word wraps (``{time}``). A template line is left out when a field it
names is absent, so optional fields need no conditionals in the catalogues. Catalogues of
every language have the same keys and the same placeholders as the English one (a test
checks this), so a structured message reads the same in each.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class TemplateText:
    """A template in one language: ``name`` (a noun naming it), ``title`` and ``lines``."""

    name: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """Everything a reader of one language sees, keyed like the English catalogue."""

    language: str
    direction: Direction
    templates: Mapping[str, TemplateText]
    words: Mapping[str, str]


def placeholders(pattern: str) -> set[str]:
    """The names a pattern fills in: ``"Start: {start}"`` -> ``{"start"}``."""
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name}
