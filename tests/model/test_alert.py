"""Alerts as the store keeps them: ``codec.dump``'s document, written and read by hand."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from deconfliction.model import alert_views as v
from deconfliction.model.alert import Alert, AlertKind, Severity
from deconfliction.model.codec import dump
from deconfliction.model.states import AlertState

_STATE = {
    "time": "2026-11-23T10:01:40Z",
    "reported": "2026-11-23T10:01:40Z",
    "lat": 48.5,
    "lon": 2.0,
    "alt_m": 3000.0,
    "gs_mps": 120.0,
    "course_deg": 90.0,
    "vs_mps": 0.0,
    "domain": "air",
}
# A track-track alert as the hand-written Alert.to_doc stored it (the golden database's).
STORED: dict[str, Any] = {
    "id": "al_1",
    "party": "blue",
    "conflict_id": "cf_1",
    "kind": "track_track",
    "state": "expired",
    "severity": "loss",
    "opened_s": 1795428100.0,
    "updated_s": 1795428200.0,
    "acknowledged_s": None,
    "closed_s": 1795428200.0,
    "counterparts": ["red"],
    "view": {
        "own": {"track": "b1", "state": _STATE},
        "other": {"party": "red", "state": {**_STATE, "lon": 2.1, "course_deg": 270.0}},
        "geometry": {
            "t_in_s": 0.0,
            "t_out_s": 69.4,
            "t_cpa_s": 30.8,
            "d_cpa_m": 0.0,
            "dz_cpa_m": 0.0,
            "loss_at": "2026-11-23T10:01:40Z",
            "cpa_at": "2026-11-23T10:02:10.792Z",
            "minima": {"horizontal_m": 9260.0, "vertical_m": 304.8, "lookahead_s": 300.0},
        },
    },
}


def test_a_stored_alert_reads_back_and_is_written_as_before() -> None:
    alert = Alert.from_doc({**STORED, "key": ["tt", "blue", "b1", "red", "r1"], "live": {}})

    assert alert.kind is AlertKind.TRACK_TRACK and alert.severity is Severity.LOSS
    assert alert.state is AlertState.EXPIRED and alert.closed_s == 1795428200.0
    assert isinstance(alert.view, v.TrackPairView)
    assert alert.view.other.party == "red"
    assert alert.to_doc() == STORED == dump(alert)


def test_live_figures_are_shown_but_never_stored() -> None:
    alert = Alert.from_doc(STORED)
    figures = v.PairFigures(0.0, 60.0, 30.0, 0.0, 0.0, "2026-11-23T10:01:40Z")
    live = replace(alert, now=figures)

    assert "now" not in live.to_doc() and "now" not in dump(live)
    assert Alert.from_doc(live.to_doc()) == alert
    assert live.to_json()["now"] == dump(figures)
