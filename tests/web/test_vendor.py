"""The vendored console files are those tools/vendor_web.py makes from npm (checked against
its manifest here without the network; `tools/vendor_web.py --check` compares with npm),
every committed file is under the repository's 2 MB limit, and the basemap is cut at the
antimeridian."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "deconfliction" / "web"
MANIFEST = json.loads((WEB / "vendor" / "VENDOR.json").read_text())


@pytest.mark.parametrize("path", sorted(MANIFEST["files"]))
def test_each_vendored_file_is_as_generated(path: str) -> None:
    data = (ROOT / path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == MANIFEST["files"][path], (
        f"{path} changed: regenerate with python tools/vendor_web.py"
    )


def test_every_console_file_is_under_two_megabytes() -> None:
    for path in [*WEB.rglob("*"), *(ROOT / "tests" / "web" / "vendor").rglob("*")]:
        if path.is_file():
            assert path.stat().st_size < 2_000_000, path


def test_maplibre_keeps_its_licence() -> None:
    licence = (WEB / "vendor" / "maplibre" / "LICENSE.txt").read_text()
    assert "Redistribution and use in source and binary forms" in licence


def test_no_basemap_edge_crosses_the_antimeridian() -> None:
    basemap = json.loads((WEB / "vendor" / "basemap" / "countries-50m.geojson").read_text())
    names = set()
    for feature in basemap["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for ring in itertools.chain.from_iterable(polygons):
            for (lon0, lat0), (lon1, lat1) in itertools.pairwise(ring):
                along_a_pole = abs(lat0) == abs(lat1) == 90  # Antarctica's southern edge
                assert abs(lon1 - lon0) < 180 or along_a_pole, feature["properties"]["name"]
        names.add(feature["properties"]["name"])
    assert {"Russia", "Fiji", "Antarctica", "France"} <= names
