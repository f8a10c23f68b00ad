"""Incidents in the hub: which tracks a reporter may name, the evidence, who sees what,
accounts, review, and the journal."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from shapely.geometry import Polygon

from deconfliction.clock import ManualClock
from deconfliction.errors import Conflict, IllegalTransition, NotFound, PermissionDenied
from deconfliction.hub import Hub
from deconfliction.hub.incidents.evidence import Basis
from deconfliction.journal.source import verify_source
from deconfliction.model import Agreement
from deconfliction.model.zone import ZoneOutline
from deconfliction.store import StoredObject
from deconfliction.units import format_time
from tests.scenarios import CROSSING_MEET_S, CROSSING_TIMES, T0, crossing_report

WINDOW = {"start": format_time(T0), "end": format_time(T0 + 200)}


def incident(tracks: Sequence[object], **changes: object) -> dict[str, object]:
    return {
        "kind": "unsafe_air_encounter",
        **WINDOW,
        "lat": 48.0,
        "lon": 2.0,
        "narrative": "Red traffic crossed 300 m above us.",
        "tracks": list(tracks),
        **changes,
    }


@pytest.fixture
def crossed(hub: Hub, clock: ManualClock) -> Hub:
    """Blue and red flew the crossing; a third party, green, exists; now is T0 + 300 s."""
    for name in ("blue", "red", "green"):
        hub.add_party(name)
    for time_s in CROSSING_TIMES:
        clock.set(time_s)
        hub.submit_reports("blue", [crossing_report("blue", time_s)])
        hub.submit_reports("red", [crossing_report("red", time_s)])
    clock.set(T0 + 300)
    return hub


def _past_alert(hub: Hub, party: str, alert_id: str, opened_s: float, closed_s: float) -> None:
    """A resolved b1–r1 alert of ``party``, as the alert book stores it (the detection
    cycle would have opened it; the clock cannot go back to open one in the past)."""
    other = "red" if party == "blue" else "blue"
    doc = {
        "id": alert_id,
        "party": party,
        "conflict_id": "cf_1",
        "kind": "track_track",
        "state": "resolved",
        "severity": "loss",
        "opened_s": opened_s,
        "updated_s": closed_s,
        "acknowledged_s": None,
        "closed_s": closed_s,
        "counterparts": [other],
        "view": {},
        "key": ["tt", "blue", "b1", "red", "r1"],
        "live": {},
    }
    with hub.write() as unit:
        unit.tx.put_object(StoredObject("alert", alert_id, party, 1, "resolved", closed_s, doc))


def test_a_party_files_an_incident_about_its_own_track(crossed: Hub) -> None:
    view = crossed.incidents.report("blue", incident(["b1"]))

    [track] = view.evidence.tracks
    assert (track.ref.party, track.ref.track, track.basis) == ("blue", "b1", Basis.OWN)
    [path] = view.evidence.paths
    assert (path.reports, path.first_s, path.last_s) == (21, T0, T0 + 200)
    assert view.evidence.encounters == ()  # one track: nothing to approach
    assert view.entry is not None and view.entry.kind == "incident.reported"
    with pytest.raises(NotFound):
        crossed.incidents.get("red", view.incident.id)


def test_another_partys_track_needs_an_alert_or_an_agreement(crossed: Hub) -> None:
    with pytest.raises(PermissionDenied) as real:
        crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))
    with pytest.raises(PermissionDenied) as invented:
        crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "zz"}]))
    # The refusal does not tell whether the track exists.
    assert real.value.message.replace("'r1'", "X") == invented.value.message.replace("'zz'", "X")
    assert crossed.incidents.list("blue") == []


def test_an_agreement_opens_the_window_and_the_closest_approach_is_measured(
    crossed: Hub,
) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))

    view = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))

    assert [t.basis for t in view.evidence.tracks] == [Basis.OWN, Basis.AGREEMENT]
    [encounter] = view.evidence.encounters
    approach = encounter.approach
    assert approach is not None
    assert approach.time_s == pytest.approx(CROSSING_MEET_S, abs=0.5)
    assert approach.horizontal_m == pytest.approx(0.0, abs=5.0)
    assert approach.vertical_m == pytest.approx(300.0, abs=0.01)
    assert approach.min_ratio < 1.0


def test_an_alert_opens_the_other_track_only_around_it(crossed: Hub) -> None:
    _past_alert(crossed, "blue", "al_late", T0 + 400, T0 + 410)  # after the window
    _past_alert(crossed, "red", "al_red", T0 + 70, T0 + 80)  # red's, not blue's
    with pytest.raises(PermissionDenied):
        crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))
    _past_alert(crossed, "blue", "al_blue", T0 + 70, T0 + 80)

    view = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))

    red = view.evidence.track("red", "r1")
    assert red is not None and red.basis is Basis.ALERT and red.alerts == ("al_blue",)
    assert red.spans == ((T0 + 10, T0 + 140),)  # a minute either side of the alert
    path = next(p for p in view.evidence.paths if p.party == "red")
    assert (path.reports, path.first_s, path.last_s) == (14, T0 + 10, T0 + 140)
    [encounter] = view.evidence.encounters
    assert encounter.approach is not None
    assert encounter.approach.time_s == pytest.approx(CROSSING_MEET_S, abs=0.5)
    assert (encounter.approach.start_s, encounter.approach.end_s) == (T0 + 10, T0 + 140)


def test_each_party_sees_only_what_it_may(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    crossed.set_agreement(Agreement("blue", "green", share_tracks=True))
    crossed.submit_reports("green", [crossing_report("red", T0 + 100) | {"track": "g1"}])
    view = crossed.incidents.report(
        "blue",
        incident(["b1", {"party": "red", "track": "r1"}, {"party": "green", "track": "g1"}]),
    )
    incident_id = view.incident.id

    def tracks(viewer: str | None) -> list[str]:
        return [t.ref.track for t in crossed.incidents.get(viewer, incident_id).evidence.tracks]

    assert tracks("blue") == ["b1", "r1", "g1"] == tracks(None)
    assert tracks("red") == ["b1", "r1"]  # not green's: red and green agreed nothing
    assert tracks("green") == ["b1", "g1"]
    red = crossed.incidents.get("red", incident_id).evidence
    assert [(e.a.track, e.b.track) for e in red.encounters] == [("b1", "r1")]
    crossed.add_party("grey")
    with pytest.raises(NotFound):
        crossed.incidents.get("grey", incident_id)
    with pytest.raises(NotFound):
        crossed.incidents.report_html("grey", incident_id)
    with pytest.raises(NotFound):
        crossed.incidents.add_account("grey", incident_id, "I saw nothing")
    assert crossed.incidents.list("grey") == []
    assert [v.incident.id for v in crossed.incidents.list("red")] == [incident_id]


def test_the_other_party_adds_its_account_until_it_is_closed(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    filed = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))
    incident_id = filed.incident.id

    view = crossed.incidents.add_account("red", incident_id, "We were cleared at 3,300 m.")

    assert [(a.party, a.narrative) for a in view.incident.accounts] == [
        ("red", "We were cleared at 3,300 m.")
    ]
    assert view.entry is not None and (view.entry.party, view.entry.kind) == (
        "red",
        "incident.account",
    )
    assert [e.kind for e in crossed.events_after("blue", 0)][-1] == "incident.account_added"
    with pytest.raises(PermissionDenied, match="you reported"):
        crossed.incidents.add_account("blue", incident_id, "More from us")
    crossed.incidents.move("blue", incident_id, "closed")
    with pytest.raises(Conflict, match="closed"):
        crossed.incidents.add_account("red", incident_id, "Too late")


def test_only_the_reporter_or_the_admin_moves_it_along_its_review(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    incident_id = crossed.incidents.report(
        "blue", incident(["b1", {"party": "red", "track": "r1"}])
    ).incident.id

    with pytest.raises(PermissionDenied, match="only 'blue'"):
        crossed.incidents.move("red", incident_id, "under_review")
    by_admin = crossed.incidents.move(None, incident_id, "under_review")
    assert by_admin.incident.state.value == "under_review"
    assert by_admin.entry is not None and by_admin.entry.party == "-"
    closed = crossed.incidents.move("blue", incident_id, "closed")
    assert closed.incident.state.value == "closed"
    with pytest.raises(IllegalTransition):
        crossed.incidents.move("blue", incident_id, "open")
    assert [e.kind for e in crossed.events_after("red", 0)][-2:] == [
        "incident.state_changed",
        "incident.state_changed",
    ]


def test_alerts_and_messages_around_it_go_to_the_timeline(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    _past_alert(crossed, "blue", "al_b", T0 + 60, T0 + 90)
    _past_alert(crossed, "red", "al_r", T0 + 60, T0 + 90)
    _past_alert(crossed, "blue", "al_old", T0 - 5000, T0 - 4000)
    for object_id, sender, recipient, time_s in (
        ("m1", "blue", "red", T0 + 120),
        ("m2", "blue", "green", T0 + 120),  # green is not involved
        ("m3", "red", "blue", T0 + 9000),  # long after
    ):
        doc = {
            "id": object_id,
            "sender": sender,
            "recipient": recipient,
            "channel": "air",
            "created_s": time_s,
            "text": "Climb to 3,600 m",
        }
        with crossed.write() as unit:
            unit.tx.put_object(StoredObject("message", object_id, sender, 1, "sent", T0, doc))

    view = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))

    assert [h.id for h in view.evidence.happenings] == ["al_b", "m1"]  # blue's own, and m1
    red = crossed.incidents.get("red", view.incident.id).evidence
    assert [h.id for h in red.happenings] == ["al_r", "m1"]
    assert "to red on air: Climb to 3,600 m" in red.happenings[1].text


class OneZone:
    """A zones service stand-in: red's no-entry box over the crossing, seen by red only."""

    zone = ZoneOutline(
        "box", Polygon([(1.99, 47.99), (2.01, 47.99), (2.01, 48.01)]), "no_entry", "red"
    )

    def states_during(self, start_s: float, end_s: float) -> list[ZoneOutline]:
        return [self.zone]

    def visible_to(self, zone: ZoneOutline, viewer: str) -> bool:
        return zone.owner == viewer


def test_zones_come_from_the_zones_hook_and_are_shown_as_it_allows(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    assert crossed.incidents.report("blue", incident(["b1"])).evidence.zones == ()
    crossed.incidents._zones = crossed.incidents._gatherer.zones = OneZone()

    view = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))

    assert view.evidence.zones == ()  # blue may not see red's zone
    [zone] = crossed.incidents.get("red", view.incident.id).evidence.zones
    assert zone.name == "box" and zone.geometry.equals(OneZone.zone.geometry)
    assert "box" in crossed.incidents.report_html("red", view.incident.id)


def test_everything_is_journalled_and_the_journal_still_verifies(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    filed = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))
    crossed.incidents.add_account("red", filed.incident.id, "Our account")

    tail = [(e.party, e.kind) for e in crossed._store.journal_entries()][-5:]

    assert tail == [
        ("blue", "incident.reported"),
        ("-", "incident.evidence"),
        ("red", "incident.reported"),
        ("red", "incident.account"),
        ("blue", "incident.account_added"),
    ]
    assert verify_source(crossed.journal.source()).ok


def test_the_report_is_html_with_the_plot(crossed: Hub) -> None:
    crossed.set_agreement(Agreement("blue", "red", share_tracks=True))
    filed = crossed.incidents.report("blue", incident(["b1", {"party": "red", "track": "r1"}]))

    page = crossed.incidents.report_html("red", filed.incident.id)

    assert page.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in page
    assert "Red traffic crossed 300 m above us." in page
