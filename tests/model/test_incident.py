"""Incident reports: validation, accounts, review lifecycle."""

from __future__ import annotations

import pytest

from deconfliction.errors import Conflict, IllegalTransition, InvalidInput
from deconfliction.model.codec import dump, load
from deconfliction.model.incident import Incident, IncidentKind, TrackRef, parse_incident
from deconfliction.model.states import IncidentState

NOW_S = 1_633_612_000.0
VALID = {
    "kind": "unsafe_air_encounter",
    "start": "2021-10-07T12:43:20Z",
    "end": "2021-10-07T12:48:20Z",
    "lat": 49.26,
    "lon": 2.41,
    "narrative": "Crossing traffic passed about 300 m above us.",
    "tracks": ["3944e7", {"party": "BAW", "track": "400804"}],
}


def parse(**changes) -> Incident:
    return parse_incident("AFR", {**VALID, **changes}, incident_id="i1", now_s=NOW_S)


def test_a_valid_report_becomes_an_open_incident():
    incident = parse()

    assert incident.kind is IncidentKind.UNSAFE_AIR_ENCOUNTER
    assert incident.state is IncidentState.OPEN
    assert (incident.start_s, incident.end_s) == (1_633_610_600.0, 1_633_610_900.0)
    assert incident.tracks == (TrackRef("AFR", "3944e7"), TrackRef("BAW", "400804"))
    assert incident.parties == {"AFR", "BAW"}
    assert incident.to_json()["start"] == "2021-10-07T12:43:20Z"


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"kind": "strike"}, "unknown kind 'strike'"),
        ({"end": "2021-10-07T12:40:00Z"}, "end is before start"),
        ({"end": "2021-10-07T23:00:00Z", "start": "2021-10-07T12:00:00Z"}, "at most"),
        ({"end": NOW_S + 3600, "start": NOW_S}, "future"),
        ({"lat": 95.0}, "lat 95.0 is out of range"),
        ({"lon": "east"}, "lon must be a number"),
        ({"narrative": "  "}, "narrative must be non-empty"),
        ({"tracks": [5]}, r"tracks\[0\]"),
        ({"tracks": [{"track": ""}]}, r"tracks\[0\].track"),
        ({"tracks": "3944e7"}, "list"),
        ({"target": "x"}, "unknown field 'target'"),
    ],
)
def test_an_invalid_report_is_refused_naming_the_field(changes, word):
    with pytest.raises(InvalidInput, match=word):
        parse(**changes)


def test_a_report_must_be_an_object():
    with pytest.raises(InvalidInput, match="JSON object"):
        parse_incident("AFR", [], incident_id="i1", now_s=NOW_S)


def test_repeated_tracks_are_named_once():
    incident = parse(tracks=["3944e7", {"track": "3944e7"}])
    assert incident.tracks == (TrackRef("AFR", "3944e7"),)


def test_the_other_party_adds_its_account_until_the_incident_is_closed():
    incident = parse().with_account("BAW", "We saw the traffic and kept level.", NOW_S + 60)
    reviewed = incident.moved_to(IncidentState.UNDER_REVIEW)

    assert [a.party for a in reviewed.accounts] == ["BAW"]
    assert reviewed.with_account("AFR", "Clarification.", NOW_S + 120).accounts[-1].party == "AFR"
    closed = reviewed.moved_to(IncidentState.CLOSED)
    with pytest.raises(Conflict, match="closed"):
        closed.with_account("BAW", "Late note.", NOW_S + 300)
    assert closed.to_json()["accounts"][0]["narrative"] == "We saw the traffic and kept level."


def test_a_closed_incident_does_not_reopen():
    closed = parse().moved_to(IncidentState.CLOSED)
    with pytest.raises(IllegalTransition):
        closed.moved_to(IncidentState.OPEN)


# A stored incident as the hand-written to_doc wrote it (the golden database's, trimmed).
STORED = {
    "id": "in_1",
    "reporter": "blue",
    "kind": "unsafe_air_encounter",
    "start_s": 1795428090.0,
    "end_s": 1795428210.0,
    "lat": 48.5,
    "lon": 2.05,
    "narrative": "Head-on traffic at our level.",
    "tracks": [{"party": "blue", "track": "b1"}, {"party": "red", "track": "r1"}],
    "created_s": 1795428330.0,
    "state": "open",
    "accounts": [{"party": "red", "narrative": "We turned.", "time_s": 1795428330.0}],
}


def test_an_incident_is_stored_as_before_and_read_back():
    incident = load(Incident, STORED)

    assert incident.tracks[1] == TrackRef("red", "r1")
    assert incident.accounts[0].time_s == 1795428330.0
    assert incident.state is IncidentState.OPEN
    assert dump(incident) == STORED
    again = parse().with_account("BAW", "We kept level.", NOW_S + 60)
    assert load(Incident, dump(again)) == again
