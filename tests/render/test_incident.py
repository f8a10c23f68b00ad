"""The incident report: HTML with escaped text, the evidence figures and an embedded PNG."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from deconfliction.detect.evidence import TrackPath, encounter_evidence
from deconfliction.model.incident import TimelineItem, parse_incident
from deconfliction.model.zone import ZoneOutline
from deconfliction.render.incident import incident_png, incident_report_html

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START_S = 1_633_610_600.0


@pytest.fixture(scope="module")
def paths():
    t = START_S + np.linspace(0.0, 300.0, 61)
    s = (t - START_S) / 300.0
    east = TrackPath.from_arrays(
        "AFR", "3944e7", t, np.full(61, 49.26), 2.30 + 0.2 * s, np.full(61, 3040.0)
    )
    north = TrackPath.from_arrays(
        "BAW", "400804", t, 49.16 + 0.2 * s, np.full(61, 2.40), np.full(61, 3350.0)
    )
    return east, north


@pytest.fixture(scope="module")
def zones():
    square = Polygon(
        [(2.32, 49.20), (2.36, 49.20), (2.36, 49.24), (2.32, 49.24)],
        holes=[[(2.33, 49.21), (2.35, 49.21), (2.35, 49.23), (2.33, 49.23)]],
    )
    return [
        ZoneOutline("TRA-7 <north>", square, rule="no_entry", owner="FRA"),
        ZoneOutline(
            "line-A", LineString([(2.25, 49.30), (2.50, 49.30)]), rule="notify_before_entry"
        ),
        ZoneOutline("hospital", Point(2.45, 49.22), rule="protected", owner="MSF"),
        ZoneOutline(
            "twin",
            MultiPolygon([Polygon([(2.26, 49.18), (2.28, 49.18), (2.28, 49.2)])]),
            state="expired",
        ),
    ]


@pytest.fixture(scope="module")
def report(paths, zones):
    incident = parse_incident(
        "AFR",
        {
            "kind": "unsafe_air_encounter",
            "start": START_S,
            "end": START_S + 300.0,
            "lat": 49.26,
            "lon": 2.40,
            "narrative": "Traffic crossed above us <script>alert(1)</script> & kept level.",
            "tracks": ["3944e7", {"party": "BAW", "track": "400804"}],
        },
        incident_id="i-42",
        now_s=START_S + 3600.0,
    ).with_account("BAW", "We had the traffic in sight <b>at all times</b>.", START_S + 4000.0)
    evidence = encounter_evidence(*paths, START_S, START_S + 300.0)
    timeline = [
        TimelineItem(START_S + 120.0, "alert", "AFR", "alert a7 opened: BAW 400804 <5 NM"),
        TimelineItem(START_S + 60.0, "message", "BAW", "Hotline: 'descending now'"),
    ]
    html_text = incident_report_html(
        incident, paths=paths, evidence=[evidence], zones=zones, timeline=timeline
    )
    return html_text, evidence


def embedded_png(html_text: str) -> bytes:
    found = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html_text)
    assert found, "no embedded PNG"
    return base64.b64decode(found.group(1), validate=True)


def test_the_report_embeds_a_valid_png(report):
    png = embedded_png(report[0])

    assert png.startswith(PNG_SIGNATURE)
    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (700, 900)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10  # not blank


def test_the_report_escapes_every_text(report):
    html_text = report[0]

    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; kept level." in html_text
    assert "&lt;b&gt;at all times&lt;/b&gt;" in html_text
    assert "TRA-7 &lt;north&gt;" in html_text
    assert "Hotline: &#x27;descending now&#x27;" in html_text


def test_the_report_carries_the_evidence_figures(report):
    html_text, evidence = report
    approach = evidence.approach

    assert f"{approach.horizontal_m:,.0f} m" in html_text
    assert f"{approach.vertical_m:,.0f} m" in html_text
    assert "3944e7" in html_text
    assert "400804" in html_text
    assert html_text.index("descending now") < html_text.index("alert a7 opened")  # by time
    assert "expired" in html_text
    assert html_text.startswith("<!DOCTYPE html>")


def test_the_png_shows_the_zones(paths, zones):
    bare = incident_png(paths)
    with_zones = incident_png(paths, zones=zones, location=(49.26, 2.40), title="x")

    assert bare.startswith(PNG_SIGNATURE)
    assert with_zones.startswith(PNG_SIGNATURE)
    assert bare != with_zones


def test_a_report_without_evidence_or_paths_still_renders():
    incident = parse_incident(
        "MSF",
        {
            "kind": "protected_site_affected",
            "start": 0,
            "end": 60,
            "lat": 36.2,
            "lon": 37.1,
            "narrative": "Shelling near the clinic.",
        },
        incident_id="i-1",
        now_s=100.0,
    )
    html_text = incident_report_html(incident)

    assert embedded_png(html_text).startswith(PNG_SIGNATURE)
    assert "No encounter computed." in html_text


def test_rendering_leaves_pyplot_alone():
    code = (
        "import sys; from deconfliction.render.incident import incident_png; "
        "from deconfliction.detect.evidence import TrackPath; "
        "p = TrackPath.from_arrays('a', 'b', [0, 1], [48, 48.1], [2, 2], [0, 0]); "
        "assert incident_png([p]).startswith(b'\\x89PNG'); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
    )
    assert done.returncode == 0, done.stderr
