"""Ids with control or direction-formatting characters are refused at every route that
takes one (the rule itself is tested in tests/model/test_ids.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest

from deconfliction.model.ids import ID_RULE
from tests.conftest import Deployment
from tests.scenarios import op_volume, report

EVIL = ["\u0000nul", "\u202eevil", "a\u2066b", "new\nline"]


@pytest.mark.parametrize("value", EVIL)
def test_zone_and_operation_ids(deploy: Callable[..., Deployment], value: str) -> None:
    d = deploy("blue")
    blue = d.client("blue")
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
        "properties": {"rule": "no_entry", "radius_m": 1000},
    }
    zone = blue.put(f"/v1/zones/{quote(value, safe='')}", json=feature)
    assert zone.status_code == 422, zone.text
    assert ID_RULE in zone.json()["error"]["message"]
    operation = blue.put(f"/v1/operations/{quote(value, safe='')}", json={"volumes": [op_volume()]})
    assert operation.status_code == 422, operation.text


@pytest.mark.parametrize("value", EVIL)
def test_track_ids(deploy: Callable[..., Deployment], value: str) -> None:
    d = deploy("blue")
    answer = d.client("blue").post("/v1/reports", json=[report(value)])
    assert answer.status_code == 422
    assert ID_RULE in answer.json()["rejected"][0]["reason"]


@pytest.mark.parametrize("value", [*EVIL, "blue\n"])
def test_party_names(deploy: Callable[..., Deployment], value: str) -> None:
    d = deploy()
    answer = d.client("admin").post("/v1/parties", json={"name": value})
    assert answer.status_code == 422
