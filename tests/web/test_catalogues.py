"""The console's catalogues: the same words in every language, with the same placeholders,
and every word the code asks for is in them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "src" / "deconfliction" / "web"
CATALOGUES = {p.stem: json.loads(p.read_text()) for p in (WEB / "i18n").glob("*.json")}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_the_hotline_languages() -> None:
    assert set(CATALOGUES) == {"en", "ru", "ar", "fr"}


@pytest.mark.parametrize("language", ["ru", "ar", "fr"])
def test_same_words_and_placeholders_as_english(language: str) -> None:
    english, other = CATALOGUES["en"], CATALOGUES[language]
    assert set(other) == set(english)
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), key
        assert other[key].strip(), key


def test_every_word_the_console_uses_is_in_the_catalogue() -> None:
    code = "\n".join(p.read_text() for p in (WEB / "js").rglob("*.js"))
    code += (WEB / "index.html").read_text()
    used = set(re.findall(r'\bt\("([a-z0-9_]+)"', code))
    used |= set(re.findall(r'data-i18n(?:-label|-placeholder)?="([a-z0-9_]+)"', code))
    assert used - set(CATALOGUES["en"]) == set()
    # Keys built at run time (`rule_${…}`) have their prefixes in the catalogue.
    for prefix in set(re.findall(r"\bt\(`([a-z_]+)\$\{", code)):
        assert any(key.startswith(prefix) for key in CATALOGUES["en"]), prefix
