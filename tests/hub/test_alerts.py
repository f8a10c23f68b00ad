"""The alert book: opening, persisting without flicker, resolving after hysteresis,
expiring, acknowledgement, and a restart."""

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import IllegalTransition, NotFound
from deconfliction.hub import Hub
from deconfliction.hub.alerts import visibility
from deconfliction.hub.alerts.book import Finding, Lazy
from deconfliction.hub.alerts.keys import TrackPair
from deconfliction.model.alert import AlertKind, Severity
from deconfliction.model.alert_views import AlertView, PairFigures
from deconfliction.model.codec import dump
from deconfliction.model.states import AlertState
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import track_conflict_views, track_state

KEY = TrackPair("blue", "b1", "red", "r1")
KINDS = {AlertKind.TRACK_TRACK}


def finding(severity: Severity = Severity.PREDICTED, t_in: float = 120.0) -> Finding:
    return Finding(KEY, severity, Lazy.of(views()), Lazy.of(figures(t_in)), t_in)


def views(blue_track: str = "b1") -> dict[str, AlertView]:
    """Blue's track at latitude 2 and red's r1 at latitude 1."""
    blue = visibility.TrackSide("blue", blue_track, track_state(2.0, 40.0))
    red = visibility.TrackSide("red", "r1", track_state(1.0, 40.0))
    return visibility.track_pair(blue, red, track_conflict_views()["blue"].geometry)  # type: ignore[union-attr]


def figures(t_in: float) -> PairFigures:
    return PairFigures(t_in, t_in + 50.0, t_in + 25.0, 850.0, 0.0, "2026-11-23T10:00:00Z")


def cycle(hub: Hub, found: list[Finding], live: bool = True) -> None:
    with hub.write() as unit:
        hub._alerts.reconcile(unit, KINDS, found, lambda key: live)


@pytest.fixture
def parties(hub: Hub) -> Hub:
    hub.add_party("blue")
    hub.add_party("red")
    return hub


def kinds(hub: Hub, party: str) -> list[str]:
    """The alert events on a party's stream (the hotline adds its thread messages)."""
    return [e.kind for e in hub.events_after(party, 0) if e.kind.startswith("alert.")]


def test_a_new_conflict_alerts_both_parties_with_their_own_view(parties: Hub) -> None:
    cycle(parties, [finding()])
    [blue] = parties.alerts_for("blue")
    [red] = parties.alerts_for("red")
    assert blue.conflict_id == red.conflict_id and blue.id != red.id
    assert dump(blue.view)["other"]["party"] == "red"
    assert dump(blue.view)["other"]["state"]["lat"] == 1.0  # red's track, never its id
    assert blue.to_json()["now"]["t_in_s"] == 120.0
    assert kinds(parties, "blue") == ["alert.opened"] == kinds(parties, "red")
    journalled = [e.kind for e in parties._store.journal_entries()]
    assert journalled.count("alert.opened") == 2


def test_it_does_not_flicker_and_resolves_after_the_hysteresis(
    parties: Hub, clock: ManualClock
) -> None:
    cycle(parties, [finding()])
    for _ in range(3):  # hovering at the boundary: absent, present, absent...
        clock.advance(4)
        cycle(parties, [])
        clock.advance(1)
        cycle(parties, [finding(t_in=100.0)])
    assert len(parties.alerts_for("blue")) == 1
    assert kinds(parties, "blue") == ["alert.opened"]
    hysteresis_s = parties.settings.alert_hysteresis_s
    clock.advance(hysteresis_s - 1)
    cycle(parties, [])
    assert len(parties.alerts_for("blue")) == 1  # absent for less than the hysteresis
    clock.advance(1)
    cycle(parties, [])
    assert parties.alerts_for("blue") == []
    assert kinds(parties, "blue") == ["alert.opened", "alert.resolved"]
    [closed] = parties.closed_alerts_for("blue")
    assert closed.state is AlertState.RESOLVED


def test_a_change_of_severity_is_announced(parties: Hub) -> None:
    cycle(parties, [finding()])
    cycle(parties, [finding(Severity.LOSS, t_in=0.0)])
    assert kinds(parties, "red") == ["alert.opened", "alert.updated"]
    assert parties.alerts_for("red")[0].severity is Severity.LOSS


def test_a_track_leaving_the_picture_expires_the_alert_at_once(parties: Hub) -> None:
    cycle(parties, [finding()])
    cycle(parties, [], live=False)
    assert kinds(parties, "blue") == ["alert.opened", "alert.expired"]


def test_acknowledgement_is_per_party_and_the_other_side_is_told(parties: Hub) -> None:
    cycle(parties, [finding()])
    [blue] = parties.alerts_for("blue")
    acknowledged = parties.acknowledge_alert("blue", blue.id)
    assert acknowledged.state is AlertState.ACKNOWLEDGED
    assert parties.alerts_for("red")[0].state is AlertState.OPEN
    assert kinds(parties, "red")[-1] == "alert.counterpart_acknowledged"
    assert parties.acknowledge_alert("blue", blue.id).state is AlertState.ACKNOWLEDGED
    with pytest.raises(NotFound):
        parties.acknowledge_alert("red", blue.id)  # not red's alert


def test_a_closed_alert_cannot_be_acknowledged(parties: Hub) -> None:
    cycle(parties, [finding()])
    [blue] = parties.alerts_for("blue")
    cycle(parties, [], live=False)
    with pytest.raises(IllegalTransition, match="is expired: only an open alert"):
        parties.acknowledge_alert("blue", blue.id)


def test_open_alerts_survive_a_restart(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    hub.add_party("blue")
    hub.add_party("red")
    cycle(hub, [finding()])
    [before] = hub.alerts_for("blue")
    hub.close()
    again = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    [after] = again.alerts_for("blue")
    assert after.id == before.id
    cycle(again, [finding()])  # the same conflict: no new alert
    assert kinds(again, "blue") == ["alert.opened"]
    again.close()


def test_views_of_conflicts_left_for_a_later_cycle_are_not_built(parties: Hub) -> None:
    """Of many new conflicts a cycle opens the most urgent; the others' views (both tracks'
    states) are not built, since they will be found, and built, again when opened."""
    built: list[str] = []

    def deferred(track: str, t_in: float) -> Finding:
        def built_views() -> dict[str, AlertView]:
            built.append(track)
            return views(track)

        key = TrackPair("blue", track, "red", "r1")
        return Finding(key, Severity.PREDICTED, Lazy(built_views), Lazy.of(figures(t_in)), t_in)

    found = [deferred(f"b{n}", t_in=300.0 - n) for n in range(5)]
    with parties.write() as unit:
        left = parties._alerts.reconcile(unit, KINDS, found, lambda key: True, open_at_most=2)
    assert left == 3
    assert built == ["b4", "b3"]  # the two soonest, each built once
    opened = [dump(a.view)["own"]["track"] for a in parties.alerts_for("blue")]
    assert sorted(opened) == ["b3", "b4"]
