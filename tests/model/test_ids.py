"""Ids chosen by parties (zones, operations, tracks, party names) come from one safe set:
no control characters, no direction overrides, nothing that displays as something else."""

from __future__ import annotations

from typing import Any

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.model import check_object_id, check_party_name, validate_reports
from deconfliction.model.ids import ID_RULE, check_id, is_id
from deconfliction.model.incident import parse_incident
from deconfliction.model.zone import Zone
from tests.scenarios import T0, report

GOOD = ["a1", "3944e7", "ANDROID-589520ccfcd20f01", "urn:uuid:9b2f7c1e", "a.b_c-d", "X" * 64]
BAD: list[Any] = [
    "",
    " ",
    "\u0000nul",
    "\u202eevil",
    "a\u2066b",
    "a b",
    "a\n",
    "tab\t",
    "-x",
    ".hidden",
    "X" * 65,
    "café",
    "a/b",
    "../etc",
    "a\u200bb",  # zero width space
    17,
    None,
]


@pytest.mark.parametrize("value", GOOD)
def test_good_ids(value: str) -> None:
    assert is_id(value)
    assert check_id(value, "zone id") == value


@pytest.mark.parametrize("value", BAD)
def test_bad_ids_are_refused_with_the_rule(value: Any) -> None:
    assert not is_id(value)
    with pytest.raises(InvalidInput) as refused:
        check_id(value, "zone id")
    assert refused.value.message == f"zone id {value!r} is not allowed: use {ID_RULE}"


@pytest.mark.parametrize("value", [v for v in BAD if isinstance(v, str) and v])
def test_report_tracks_and_operations_use_the_rule(value: str) -> None:
    for field in ("track", "operation"):
        items = [report("ok"), {**report("x"), field: value}]
        batch, rejected = validate_reports("blue", items, now_s=T0, future_tolerance_s=60.0)
        assert batch.track == ["ok"]
        assert [r.index for r in rejected] == [1]
        assert ID_RULE in rejected[0].reason


@pytest.mark.parametrize("value", [v for v in BAD if isinstance(v, str) and v])
def test_zone_and_operation_ids_use_the_rule(value: str) -> None:
    feature = {
        "type": "Feature",
        "id": value,
        "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
        "properties": {"rule": "no_entry", "radius_m": 1000},
    }
    with pytest.raises(InvalidInput, match="is not allowed"):
        Zone.from_feature(feature, owner="blue")
    with pytest.raises(InvalidInput, match="is not allowed"):
        check_object_id(value)


@pytest.mark.parametrize("name", ["blue\n", "blue\u202e", "\u0000"])
def test_party_names_cannot_end_in_a_line_break_or_hold_controls(name: str) -> None:
    with pytest.raises(InvalidInput, match="is not allowed"):
        check_party_name(name)


def test_incident_track_references_use_the_rule() -> None:
    incident = {
        "kind": "other",
        "start": T0 - 600,
        "end": T0 - 60,
        "lat": 48.85,
        "lon": 2.35,
        "narrative": "seen",
        "tracks": ["\u202eevil"],
    }
    with pytest.raises(InvalidInput, match="is not allowed"):
        parse_incident("blue", incident, incident_id="in_1", now_s=T0)
