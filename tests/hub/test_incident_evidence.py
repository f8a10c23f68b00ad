"""The pieces of evidence gathering that need no hub: spans, alert keys, the stored form."""

from __future__ import annotations

from shapely.geometry import Point

from deconfliction.detect.evidence import TrackPath, encounter_evidence
from deconfliction.hub.incidents.evidence import (
    Basis,
    Evidence,
    EvidenceTrack,
    Happening,
    alert_tracks,
    merge_spans,
)
from deconfliction.model.incident import TrackRef
from deconfliction.model.zone import ZoneOutline


def test_spans_are_merged_in_order_and_empty_ones_dropped() -> None:
    assert merge_spans([(5.0, 9.0), (0.0, 2.0), (1.0, 3.0), (9.0, 12.0), (20.0, 10.0)]) == (
        (0.0, 3.0),
        (5.0, 12.0),
    )


def test_the_tracks_of_an_alert_come_from_its_conflict_key() -> None:
    doc = {"party": "blue", "counterparts": ["red"], "key": ["tt", "blue", "b1", "red", "r1"]}
    assert alert_tracks(doc) == {TrackRef("blue", "b1"), TrackRef("red", "r1")}
    assert alert_tracks({"party": "blue", "counterparts": [], "key": []}) == set()


def test_evidence_survives_the_store_and_is_cut_to_what_a_viewer_sees() -> None:
    a = TrackPath.from_arrays("blue", "b1", [0, 100], [48, 48], [1.99, 2.01], [3000, 3000])
    b = TrackPath.from_arrays("red", "r1", [0, 100], [47.99, 48.01], [2, 2], [3300, 3300])
    evidence = Evidence(
        computed_s=200.0,
        tracks=(
            EvidenceTrack(TrackRef("blue", "b1"), Basis.OWN, ((0.0, 100.0),)),
            EvidenceTrack(TrackRef("red", "r1"), Basis.ALERT, ((10.0, 90.0),), ("al_1",)),
        ),
        paths=(),
        encounters=(encounter_evidence(a, b, 0.0, 100.0),),
        happenings=(Happening("al_1", 50.0, "alert", "blue", ("blue",), "loss alert"),),
        zones=(ZoneOutline("camp", Point(2.0, 48.0).buffer(0.01), "protected", "ngo"),),
    )

    again = Evidence.from_doc(evidence.to_doc())

    assert again.tracks == evidence.tracks
    assert again.encounters == evidence.encounters
    assert again.happenings == evidence.happenings
    assert again.zones[0].geometry.equals(evidence.zones[0].geometry)
    cut = again.only([TrackRef("blue", "b1")], "red", [])
    assert [t.ref.track for t in cut.tracks] == ["b1"]
    assert cut.encounters == () and cut.happenings == () and cut.zones == ()
    assert again.to_json()["encounters"][0]["closest_approach"]["vertical_m"] == 300.0
