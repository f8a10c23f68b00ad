"""Zone-to-zone advice: a protected site in or on another party's no-entry zone."""

from __future__ import annotations

from typing import Any

import pytest
import shapely

from deconfliction.detect.zone_overlap import overlap_advice
from deconfliction.model import Zone
from deconfliction.model.zone import zones_from_collection
from tests.detect.hand import along
from tests.scenarios import EUPHRATES_BUFFER_M, EUPHRATES_LINE, EUPHRATES_ZONES, ZONES_OWNER

VALID_TO = "2030-01-01T00:00:00Z"


def site(
    zid: str, lon: float, lat: float, radius_m: float, owner: str = "aid", **props: Any
) -> Zone:
    properties = {"rule": "protected", "radius_m": radius_m, "valid_to": VALID_TO, **props}
    return Zone.from_feature(
        {
            "type": "Feature",
            "id": zid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties,
        },
        owner=owner,
    )


@pytest.fixture(scope="module")
def line() -> Zone:
    return zones_from_collection(EUPHRATES_ZONES, owner=ZONES_OWNER)[0]


def test_site_inside_the_line_buffer(line: Zone) -> None:
    clinic = site("clinic", *EUPHRATES_LINE[1], 300.0)
    [advice] = overlap_advice(clinic, [line])
    assert (advice.protected.id, advice.no_entry.id) == ("clinic", "euphrates-line")
    assert advice.owners == ("aid", ZONES_OWNER)
    assert advice.inside
    assert not advice.touches_only
    assert advice.area_m2 == pytest.approx(clinic.region.area_m2, rel=1e-6)
    assert shapely.equals(advice.overlap, clinic.region.shape)


def test_site_partly_over_the_buffer_edge(line: Zone) -> None:
    # 5 km from the line (at Deir ez-Zor, on the line's bisector side): half the site is in.
    edge = along(*EUPHRATES_LINE[1], 225.0, EUPHRATES_BUFFER_M)
    camp = site("camp", *edge, 400.0)
    [advice] = overlap_advice(camp, [line])
    assert not advice.inside
    assert 0.3 * camp.region.area_m2 < advice.area_m2 < 0.7 * camp.region.area_m2
    assert advice.overlap_geojson()["type"] == "Polygon"


def test_site_clear_of_the_buffer(line: Zone) -> None:
    far = along(*EUPHRATES_LINE[1], 225.0, 7_000.0)
    assert overlap_advice(site("far", *far, 400.0), [line]) == []


def test_a_new_no_entry_zone_over_existing_sites(line: Zone) -> None:
    sites = [site("a", *EUPHRATES_LINE[2], 200.0), site("b", 39.0, 33.0, 200.0)]
    found = overlap_advice(line, sites)
    assert [(o.protected.id, o.no_entry.id) for o in found] == [("a", "euphrates-line")]


def test_same_owner_other_rules_and_other_times_and_heights_give_none(line: Zone) -> None:
    at = EUPHRATES_LINE[1]
    own = site("own", *at, 300.0, owner=ZONES_OWNER)
    later = site("later", *at, 300.0, valid_from="2029-01-01T00:00:00Z")
    ended = Zone.from_feature(
        {
            **EUPHRATES_ZONES["features"][0],
            "properties": {
                **EUPHRATES_ZONES["features"][0]["properties"],
                "valid_to": "2024-01-01T00:00:00Z",
            },
        },
        owner=ZONES_OWNER,
    )
    high = site("high", *at, 300.0, alt_lower_m=4_000.0)
    assert overlap_advice(own, [line]) == []
    assert overlap_advice(later, [ended]) == []
    assert overlap_advice(high, [line]) == []  # the line's band ends at 3,000 m
    notify = Zone.from_feature(
        {
            "type": "Feature",
            "id": "n",
            "geometry": EUPHRATES_ZONES["features"][0]["geometry"],
            "properties": {"rule": "notify_before_entry", "buffer_m": 5_000},
        },
        owner=ZONES_OWNER,
    )
    assert overlap_advice(site("s", *at, 300.0), [notify]) == []
    assert overlap_advice(notify, [site("s", *at, 300.0)]) == []


def test_touching_counts_with_no_area() -> None:
    square = Zone.from_feature(
        {
            "type": "Feature",
            "id": "sq",
            "properties": {"rule": "no_entry"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[40, 35], [40.1, 35], [40.1, 35.1], [40, 35.1], [40, 35]]],
            },
        },
        owner=ZONES_OWNER,
    )
    neighbour = Zone.from_feature(
        {
            "type": "Feature",
            "id": "camp",
            "properties": {"rule": "protected", "valid_to": VALID_TO},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[40.1, 35], [40.2, 35], [40.2, 35.1], [40.1, 35.1], [40.1, 35]]],
            },
        },
        owner="aid",
    )
    [advice] = overlap_advice(neighbour, [square])
    assert advice.touches_only
    assert advice.area_m2 == 0.0
    assert advice.overlap.geom_type == "LineString"


def test_advice_names_the_other_zone_only_if_it_is_shared(line: Zone) -> None:
    clinic = site("clinic", *EUPHRATES_LINE[1], 300.0)  # shared with nobody
    [advice] = overlap_advice(clinic, [line])  # the line is shared with "west" only
    to_owner_of_line = advice.advice_for(ZONES_OWNER)
    to_aid = advice.advice_for("aid")
    assert to_owner_of_line["your_zone"] == "euphrates-line"
    assert to_owner_of_line["other_party"] == "aid"
    assert to_owner_of_line["other_zone"] is None
    assert to_aid["your_zone"] == "clinic"
    assert to_aid["other_zone"] is None
    assert to_aid["other_rule"] == "no_entry"
    assert to_aid["overlap"]["type"] == "Polygon"
    shared = site("clinic", *EUPHRATES_LINE[1], 300.0, shared_with="all")
    [advice] = overlap_advice(shared, [line])
    assert advice.advice_for(ZONES_OWNER)["other_zone"] == "clinic"
    with pytest.raises(ValueError, match="owns neither zone"):
        advice.advice_for("west")
