"""Every catalogue says everything the English one says, with the same placeholders."""

from __future__ import annotations

import pytest

from deconfliction.hotline.catalogue import placeholders
from deconfliction.hotline.lang import CATALOGUES, SUPPORTED_LANGUAGES
from deconfliction.hotline.templates import TEMPLATES, Kind

EN = CATALOGUES["en"]
OTHERS = [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]
DERIVED = {"crossing_notice": {"end"}}


def test_supported_languages() -> None:
    assert set(SUPPORTED_LANGUAGES) == {"en", "ru", "ar", "fr"}
    assert CATALOGUES["ar"].direction == "rtl"
    assert CATALOGUES["ru"].direction == "ltr"


@pytest.mark.parametrize("language", OTHERS)
def test_same_keys_and_placeholders_as_english(language: str) -> None:
    other = CATALOGUES[language]
    assert other.language == language
    assert set(other.templates) == set(EN.templates)
    assert set(other.words) == set(EN.words)
    for key, pattern in EN.words.items():
        assert placeholders(other.words[key]) == placeholders(pattern), key
    for name, text in EN.templates.items():
        theirs = other.templates[name]
        assert placeholders(theirs.title) == placeholders(text.title), name
        assert len(theirs.lines) == len(text.lines), name
        for mine, their in zip(text.lines, theirs.lines, strict=True):
            assert placeholders(their) == placeholders(mine), (name, their)
        assert theirs.name.strip(), name


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_patterns_name_only_fields_of_their_template(name: str) -> None:
    spec = TEMPLATES[name]
    fields = {f.name for f in spec.fields} | DERIVED.get(name, set())
    required = {f.name for f in spec.fields if f.required}
    text = EN.templates[name]
    assert placeholders(text.title) <= required, "a title must always be fillable"
    used: set[str] = set()
    for line in text.lines:
        names = placeholders(line)
        assert names <= fields, line
        place_lists = [
            n
            for n in names
            if n in fields - DERIVED.get(name, set())
            and spec.by_name[n].kind in (Kind.PLACE, Kind.PLACES)
        ]
        assert len(place_lists) <= 1, line
        used |= names
    assert used | placeholders(text.title) >= {f.name for f in spec.fields}, "every field shown"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_code_has_a_word(language: str) -> None:
    words = CATALOGUES[language].words
    for spec in TEMPLATES.values():
        for field in spec.fields:
            if field.kind is Kind.CHOICE and field.codes != "subject":
                for code in field.choices:
                    assert f"{field.codes}.{code}" in words, (field.codes, code)
            if field.zero_word:
                assert field.zero_word in words
    assert "subject.text" in words
