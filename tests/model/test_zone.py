"""Zones from GeoJSON Features: every property checked, and an exact round trip."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.geo import GeometryLimits, RegionKind
from deconfliction.model import Zone, ZoneRule
from deconfliction.model.ids import ID_RULE
from deconfliction.model.zone import to_collection, zones_from_collection
from deconfliction.units import parse_time
from tests.scenarios import EUPHRATES_ZONES, ZONES_OWNER


def feature(**properties: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"rule": "no_entry", "radius_m": 300.0}
    base.update(properties)
    return {
        "type": "Feature",
        "id": "site-1",
        "geometry": {"type": "Point", "coordinates": [40.14, 35.33]},
        "properties": {k: v for k, v in base.items() if v is not None},
    }


def refusal(item: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        Zone.from_feature(item, owner=ZONES_OWNER, **kwargs)
    return caught.value.message


def test_reads_the_properties() -> None:
    line, circle = zones_from_collection(EUPHRATES_ZONES, owner=ZONES_OWNER)
    assert line.id == "euphrates-line"
    assert line.owner == ZONES_OWNER
    assert line.rule is ZoneRule.NO_ENTRY
    assert line.kind is RegionKind.LINE
    assert line.name == "Euphrates deconfliction line"
    assert (line.alt_lower_m, line.alt_upper_m) == (-math.inf, 3_000.0)
    assert line.valid_from_s == parse_time("2023-11-01T00:00:00Z")
    assert line.valid_to_s is None
    assert line.shared_with == frozenset({"west"})
    assert not line.shared_with_all
    assert circle.kind is RegionKind.CIRCLE
    assert circle.shared_with_all
    assert circle.valid_to_s == parse_time("2024-11-01T00:00:00Z")


def test_feature_collection_round_trips_unchanged() -> None:
    original = copy.deepcopy(EUPHRATES_ZONES)
    zones = zones_from_collection(original, owner=ZONES_OWNER)
    exported = to_collection(zones)
    assert exported == EUPHRATES_ZONES
    assert json.dumps(exported, sort_keys=True) == json.dumps(EUPHRATES_ZONES, sort_keys=True)
    # Key order is kept too, and the export is a copy, not the zone's own state.
    assert list(exported["features"][1]["properties"]) == list(
        EUPHRATES_ZONES["features"][1]["properties"]
    )
    exported["features"][0]["properties"]["name"] = "changed"
    assert zones[0].to_feature()["properties"]["name"] == "Euphrates deconfliction line"


def test_id_given_separately_is_added_on_export() -> None:
    item = feature()
    del item["id"]
    zone = Zone.from_feature(item, owner=ZONES_OWNER, zone_id="site-9")
    assert zone.id == "site-9"
    assert zone.to_feature() == {"id": "site-9", **item}


def test_active_and_visible() -> None:
    zone = Zone.from_feature(
        feature(rule="protected", valid_from=100, valid_to=200, shared_with=["aid"]),
        owner=ZONES_OWNER,
    )
    assert [zone.active_at(t) for t in (99.0, 100.0, 199.9, 200.0)] == [False, True, True, False]
    assert zone.visible_to(ZONES_OWNER)
    assert zone.visible_to("aid")
    assert not zone.visible_to("west")


def test_not_a_feature() -> None:
    assert refusal({"type": "Point", "coordinates": [0, 0]}) == (
        'a zone must be a GeoJSON Feature (with "type": "Feature"), got \'Point\''
    )


def test_missing_id() -> None:
    item = feature(name="clinic")
    del item["id"]
    assert refusal(item) == "a zone feature (named 'clinic') has no \"id\"; give every zone an id"


def test_id_that_does_not_match() -> None:
    assert refusal(feature(), zone_id="other") == (
        "zone 'other': the feature's id is 'site-1'; they must be the same"
    )


def test_id_that_is_not_text() -> None:
    item = feature()
    item["id"] = 17
    assert refusal(item) == f"zone id 17 is not allowed: use {ID_RULE}"


def test_missing_properties() -> None:
    item = feature()
    del item["properties"]
    assert refusal(item) == (
        'zone \'site-1\': the feature has no "properties" object; a zone needs at least "rule"'
    )


def test_missing_rule() -> None:
    assert refusal(feature(rule=None)) == (
        "zone 'site-1': the property \"rule\" is missing; use one of no_entry, "
        "notify_before_entry, protected"
    )


def test_unknown_rule() -> None:
    assert refusal(feature(rule="keep_out")) == (
        "zone 'site-1': unknown rule 'keep_out'; use one of no_entry, notify_before_entry, "
        "protected"
    )


def test_owner_only_points_to_no_entry() -> None:
    assert refusal(feature(rule="owner_only")) == (
        "zone 'site-1': rule 'owner_only' is written 'no_entry' (no track of another party "
        "inside the zone)"
    )


def test_misspelled_time_property() -> None:
    assert refusal(feature(valid_untill="2030-01-01T00:00:00Z")) == (
        "zone 'site-1': unknown property 'valid_untill'; did you mean 'valid_from' or 'valid_to'?"
    )


def test_misspelled_altitude_property() -> None:
    assert refusal(feature(altitude_m=3000)) == (
        "zone 'site-1': unknown property 'altitude_m'; did you mean 'alt_lower_m' or 'alt_upper_m'?"
    )


def test_misspelled_property_suggests_the_right_one() -> None:
    assert refusal(feature(bufer_m=100)) == (
        "zone 'site-1': unknown property 'bufer_m'; did you mean 'buffer_m'?"
    )


def test_other_properties_are_kept_and_ignored() -> None:
    styled = feature(
        stroke="#ff0000", description="a clinic", **{"stroke-width": 2, "fill": "#f00"}
    )
    zone = Zone.from_feature(styled, owner="east")
    assert zone.to_feature()["properties"]["stroke-width"] == 2


def test_name_must_be_text() -> None:
    assert refusal(feature(name=5)) == "zone 'site-1': name must be text of at most 200 characters"


def test_altitude_must_be_a_number() -> None:
    assert refusal(feature(alt_upper_m="3000ft")) == (
        "zone 'site-1': alt_upper_m must be a number of metres, got '3000ft'"
    )


def test_band_upside_down() -> None:
    assert refusal(feature(alt_lower_m=3000, alt_upper_m=1000)) == (
        "zone 'site-1': alt_upper_m (1000 m) must be above alt_lower_m (3000 m)"
    )


def test_valid_to_before_valid_from() -> None:
    message = refusal(feature(valid_from="2024-05-02T00:00:00Z", valid_to="2024-05-01T00:00:00Z"))
    assert message == (
        "zone 'site-1': valid_to (2024-05-01T00:00:00Z) is before valid_from "
        "(2024-05-02T00:00:00Z); a zone must end after it starts"
    )


def test_valid_to_equal_to_valid_from() -> None:
    message = refusal(feature(valid_from="2024-05-01T00:00:00Z", valid_to="2024-05-01T00:00:00Z"))
    assert "valid_to (2024-05-01T00:00:00Z) is the same as valid_from" in message


def test_unreadable_time() -> None:
    assert refusal(feature(valid_from="tomorrow")) == (
        "zone 'site-1': valid_from: 'tomorrow' is neither unix seconds nor an RFC 3339 time "
        "such as 2021-10-07T12:00:05Z"
    )


def test_protected_needs_valid_to() -> None:
    assert refusal(feature(rule="protected")) == (
        "zone 'site-1': a protected zone needs valid_to, the time its protection ends "
        "(protected zones expire, so a stale one cannot linger)"
    )


def test_already_expired_when_now_is_given() -> None:
    item = feature(rule="protected", valid_to="2024-05-01T00:00:00Z")
    assert Zone.from_feature(item, owner="east").valid_to_s is not None
    assert refusal(item, now_s=parse_time("2024-06-01T00:00:00Z")) == (
        "zone 'site-1': valid_to (2024-05-01T00:00:00Z) has already passed"
    )


@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        ("everyone", "shared_with must be \"all\" or a list of party names, got 'everyone'"),
        ([1, 2], 'shared_with must be "all" or a list of party names, got [1, 2]'),
        (
            ["west side"],
            "shared_with: party name 'west side' is not allowed: use 1 to 64 "
            "letters, digits, '_', '.' or '-', starting with a letter or digit",
        ),
    ],
)
def test_shared_with(shared: Any, expected: str) -> None:
    assert refusal(feature(shared_with=shared)) == f"zone 'site-1': {expected}"


def test_no_geometry() -> None:
    item = feature()
    item["geometry"] = None
    assert refusal(item) == "zone 'site-1': the feature has no geometry"


def test_geometry_errors_name_the_zone() -> None:
    assert refusal(feature(radius_m=-1)) == (
        "zone 'site-1': radius_m is -1.0; a radius is a distance of 0 metres or more"
    )
    item = feature(buffer_m=-5, radius_m=None)
    item["geometry"] = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    assert refusal(item) == (
        "zone 'site-1': buffer_m is -5.0; a buffer is a distance of 0 metres or more"
    )


def test_limits_apply() -> None:
    message = refusal(feature(radius_m=55_000), limits=GeometryLimits(max_area_m2=1e9))
    assert message.startswith(
        "zone 'site-1': its area is 9,502 km², more than the limit of 1,000 km²"
    )


def test_feature_must_be_plain_json() -> None:
    item = feature()
    item["properties"]["extra"] = {1, 2}
    assert refusal(item) == "zone 'site-1': the feature is not plain JSON"


def test_collection_errors_list_every_bad_feature() -> None:
    collection = copy.deepcopy(EUPHRATES_ZONES)
    collection["features"][0]["properties"]["rule"] = "nope"
    collection["features"].append(copy.deepcopy(collection["features"][1]))
    with pytest.raises(InvalidInput) as caught:
        zones_from_collection(collection, owner=ZONES_OWNER)
    assert caught.value.message == (
        "2 of 3 zone features were refused; feature 0: zone 'euphrates-line': unknown rule "
        "'nope'; use one of no_entry, notify_before_entry, protected"
    )
    assert caught.value.details == [
        {
            "index": 0,
            "id": "euphrates-line",
            "reason": "zone 'euphrates-line': unknown rule 'nope'; use one of no_entry, "
            "notify_before_entry, protected",
        },
        {
            "index": 2,
            "id": "southern-circle",
            "reason": "zone 'southern-circle': the id is used twice",
        },
    ]


@pytest.mark.parametrize(
    ("collection", "expected"),
    [
        ({"type": "Feature"}, "zones must come as a GeoJSON FeatureCollection"),
        ({"type": "FeatureCollection"}, 'the FeatureCollection has no "features" list'),
    ],
)
def test_not_a_collection(collection: Any, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        zones_from_collection(collection, owner=ZONES_OWNER)
    assert caught.value.message == expected
