"""Structured templates: validation into canonical fields, and clear errors."""

from __future__ import annotations

from typing import Any

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.hotline.templates import (
    HUB_TEMPLATES,
    PARTY_TEMPLATES,
    SUBJECTS,
    TEMPLATES,
    template_spec,
    validate_fields,
)

TAL_HAMIS = {"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}
Examples = dict[str, dict[str, Any]]


def test_examples_cover_every_template(examples: Examples) -> None:
    assert set(examples) == set(TEMPLATES)
    assert {
        "crossing_notice",
        "unsafe_encounter",
        "hold_or_turn_away",
        "confirmation",
    } == PARTY_TEMPLATES
    assert set(TEMPLATES) - PARTY_TEMPLATES == HUB_TEMPLATES
    assert template_spec("alert_track_conflict").hub_only
    assert set(SUBJECTS) == {"text", *TEMPLATES}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_canonical_fields_validate_to_themselves(name: str, examples: Examples) -> None:
    canonical = validate_fields(name, examples[name])
    assert validate_fields(name, canonical) == canonical
    assert set(canonical) == set(examples[name])


def test_crossing_notice_is_made_canonical(examples: Examples) -> None:
    fields = validate_fields("crossing_notice", examples["crossing_notice"])
    assert fields["start"] == "2024-05-01T12:00:00Z"
    assert fields["duration_s"] == 2700.0
    assert fields["altitude_min_m"] == pytest.approx(152.4)
    assert fields["altitude_max_m"] == 1500.0
    assert fields["where"] == [TAL_HAMIS, {"lat": 35.5, "lon": 40.5}]


def test_times_with_offsets_become_utc(examples: Examples) -> None:
    fields = validate_fields("hold_or_turn_away", examples["hold_or_turn_away"])
    assert fields["until"] == "2024-05-01T11:00:00Z"
    fields = validate_fields("unsafe_encounter", examples["unsafe_encounter"])
    assert fields["time"] == "2024-05-01T12:00:00Z"


def problems(name: str, fields: Any) -> list[dict[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        validate_fields(name, fields)
    assert caught.value.message.startswith(f"{name}: ")
    return caught.value.details


def with_(fields: dict[str, Any], **changes: Any) -> dict[str, Any]:
    for key, value in changes.items():
        if value is None:
            fields.pop(key)
        else:
            fields[key] = value
    return fields


@pytest.mark.parametrize(
    ("name", "changes", "field", "problem"),
    [
        ("crossing_notice", {"start": None}, "start", "is missing"),
        ("crossing_notice", {"colour": "red"}, "colour", "unknown field; crossing_notice has"),
        ("crossing_notice", {"tracks": "FF-21"}, "tracks", "list of one or more identifiers"),
        ("crossing_notice", {"tracks": ["ok", ""]}, "tracks", "non-empty identifier"),
        ("crossing_notice", {"start": "tomorrow"}, "start", "neither unix seconds nor"),
        ("crossing_notice", {"duration_s": "5 parsecs"}, "duration_s", "unknown unit"),
        ("crossing_notice", {"duration_s": -5}, "duration_s", "at least 0"),
        ("crossing_notice", {"where": []}, "where", "one or more places"),
        ("crossing_notice", {"where": [{"lat": 95, "lon": 1}]}, "where", "lat 95"),
        ("crossing_notice", {"domain": "space"}, "domain", "one of air, ground, sea"),
        ("crossing_notice", {"who": None, "tracks": None}, "who or tracks", "at least one"),
        ("crossing_notice", {"route": [TAL_HAMIS] * 2}, "where or route", "exactly one"),
        ("crossing_notice", {"where": None}, "where or route", "exactly one"),
        ("crossing_notice", {"altitude_min_m": "6000ft"}, "", "is above altitude_max_m"),
        ("crossing_notice", {"duration_s": 0}, "", "more than zero"),
        ("crossing_notice", {"where": None, "route": [TAL_HAMIS]}, "", "at least two places"),
        ("unsafe_encounter", {"description": 42}, "description", "non-empty text"),
        ("unsafe_encounter", {"description": "a\nb"}, "description", "U+000A at position 1"),
        ("unsafe_encounter", {"tracks": ["C\u20663"]}, "tracks", "direction-formatting"),
        ("unsafe_encounter", {"where": {"lat": 1, "lon": 2, "name": "\u202b"}}, "where", "U+202B"),
        ("unsafe_encounter", {"where": [TAL_HAMIS]}, "where", "expected an object"),
        ("hold_or_turn_away", {"request": "go_away"}, "request", "one of hold, turn_away"),
        ("hold_or_turn_away", {"reason": None}, "reason", "is missing"),
        ("confirmation", {"answer": "confirmed"}, "", "only given with the answer 'unable'"),
        ("confirmation", {"reason": "bored"}, "reason", "one of not_understood"),
        ("alert_track_conflict", {"other_party": "no spaces"}, "other_party", "not allowed"),
        ("alert_track_conflict", {"closest_m": True}, "closest_m", "expected a number"),
        ("alert_operation_conflict", {"end": "2024-05-01T11:00:00Z"}, "", "before start"),
        ("zone_unacknowledged", {"rule": "maybe"}, "rule", "one of no_entry"),
        ("message_escalated", {"escalations": 1.5}, "escalations", "whole number"),
        ("message_escalated", {"escalations": 0}, "", "at least 1"),
        ("message_escalated", {"subject": "poem"}, "subject", "one of text"),
    ],
)
def test_each_problem_is_named(
    name: str, changes: dict[str, Any], field: str, problem: str, examples: Examples
) -> None:
    details = problems(name, with_(examples[name], **changes))
    assert any(d["field"] == field and problem in d["problem"] for d in details), details


def test_every_problem_is_reported_at_once() -> None:
    details = problems("hold_or_turn_away", {"request": "stay", "until": "soon", "x": 1})
    assert {d["field"] for d in details} == {"x", "request", "until", "where", "reason"}
    with pytest.raises(InvalidInput, match=r"and 4 more problems"):
        validate_fields("hold_or_turn_away", {"request": "stay", "until": "soon", "x": 1})


def test_unknown_template_and_non_object_fields() -> None:
    with pytest.raises(InvalidInput, match="unknown template 'poem'; templates are alert_"):
        validate_fields("poem", {})
    with pytest.raises(InvalidInput, match="fields must be an object, got list"):
        validate_fields("confirmation", [])


def test_null_optional_fields_count_as_absent() -> None:
    fields = validate_fields("confirmation", {"message": "m-1", "answer": "unable", "reason": None})
    assert fields == {"message": "m-1", "answer": "unable"}
