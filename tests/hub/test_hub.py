from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import AlreadyExists, AuthenticationFailed, PayloadTooLarge
from deconfliction.hub import Hub
from deconfliction.journal.chain import GENESIS_HASH
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import T0, report


def test_reports_are_stored_once(hub: Hub) -> None:
    hub.add_party("blue")
    first = hub.submit_reports("blue", [report("a"), report("a"), report("b", lat=95)])
    assert (first.accepted, first.duplicates) == (1, 1)
    assert [(r.index, r.reason) for r in first.rejected] == [
        (2, "lat 95 is out of range [-90, 90]")
    ]
    again = hub.submit_reports("blue", [report("a"), report("a", time=T0 - 1)])
    assert (again.accepted, again.duplicates) == (1, 1)  # the late one is new, the other not
    history = hub._tracks.history(T0 - 10, T0)
    assert [(r.track, r.time_s) for r in history] == [("a", T0 - 1), ("a", T0)]


def test_a_late_report_is_stored_but_does_not_move_the_track_back(hub: Hub) -> None:
    hub.add_party("blue")
    hub.submit_reports("blue", [report("a", lat=48.0)])
    hub.submit_reports("blue", [report("a", time=T0 - 30, lat=47.0)])
    [track] = hub.tracks_for("blue")
    assert (track.time_s, track.lat) == (T0, 48.0)


def test_parties_see_only_their_own_tracks_unless_they_agreed(hub: Hub) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    hub.submit_reports("blue", [report("b1")])
    hub.submit_reports("red", [report("r1")])
    assert [t.track for t in hub.tracks_for("blue")] == ["b1"]
    hub.set_agreement(Agreement("blue", "red", share_tracks=True))
    assert [t.track for t in hub.tracks_for("blue")] == ["b1", "r1"]
    hub.set_agreement(Agreement("blue", "red", share_tracks=False))
    assert [t.track for t in hub.tracks_for("red")] == ["r1"]


def test_revoked_party_loses_access_and_leaves_the_picture(hub: Hub) -> None:
    _, token = hub.add_party("blue")
    hub.submit_reports("blue", [report("a")])
    hub.revoke_party("blue")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        hub.authenticate(token)
    assert len(hub._picture.live_rows(T0, 30)) == 0


def test_duplicate_party_and_token_rotation(hub: Hub) -> None:
    _, old = hub.add_party("blue")
    with pytest.raises(AlreadyExists, match="already exists"):
        hub.add_party("blue")
    new = hub.rotate_token("blue")
    assert hub.authenticate(new).name == "blue"
    with pytest.raises(AuthenticationFailed):
        hub.authenticate(old)


def test_batch_over_the_item_limit(store: Store, clock: ManualClock) -> None:
    hub = Hub(Settings(max_batch_items=2), store, clock=clock)
    with pytest.raises(PayloadTooLarge, match="3 reports; the limit is 2"):
        hub.submit_reports("blue", [report("a"), report("b"), report("c")])


def test_restart_finds_everything(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    hub = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    _, token = hub.add_party("blue")
    hub.submit_reports("blue", [report("a"), report("b", time=T0 - 1)])
    hub.close()
    clock.advance(10)
    again = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    assert again.authenticate(token).name == "blue"
    assert [t.track for t in again.tracks_for("blue")] == ["a", "b"]
    assert again.submit_reports("blue", [report("a")]).duplicates == 1
    result = again.submit_reports("blue", [report("a", time=T0 + 5)])
    assert again.last_event_seq("blue") == 2
    # the hub's key, the party, the first batch, this one
    assert result.entry is not None and result.entry.seq == 4
    again.close()


def test_a_crash_loses_no_acknowledged_report(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    """No clean close: the picture comes back from the checkpoint plus the journal."""
    hub = Hub(Settings(tracks_checkpoint_s=5), make_store(), clock=clock, key=hub_key)
    hub.add_party("blue")
    hub.submit_reports("blue", [report("a"), report("b")])
    clock.advance(5)
    hub.tick()  # checkpoint: a and b
    hub.submit_reports("blue", [report("a", time=T0 + 5, lat=49.0), report("c", time=T0 + 5)])
    # the process dies here: no close(), no checkpoint of the second batch
    again = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    tracks = {t.track: t for t in again.tracks_for("blue")}
    assert sorted(tracks) == ["a", "b", "c"]
    assert (tracks["a"].time_s, tracks["a"].lat) == (T0 + 5, 49.0)
    assert again.submit_reports("blue", [report("c", time=T0 + 5)]).duplicates == 1
    again.close()
    hub._store.close()


def test_history_reads_back_what_was_stored(hub: Hub) -> None:
    hub.add_party("blue")
    hub.add_party("red")
    hub.submit_reports("blue", [report("a", time=T0 - 20), report("b", time=T0 - 20)])
    hub.submit_reports("blue", [report("a", time=T0 - 10)])
    hub.submit_reports("red", [report("a", time=T0 - 10)])
    got = [(r.party, r.track, r.time_s) for r in hub._tracks.history(T0 - 15, T0, tracks=["a"])]
    assert got == [("blue", "a", T0 - 10), ("red", "a", T0 - 10)]
    assert len(hub._tracks.history(T0 - 30, T0, party="blue")) == 3


def test_a_second_process_on_the_same_database(
    make_store: Callable[..., Store], clock: ManualClock, hub_key: Ed25519PrivateKey
) -> None:
    """The CLI adds a party while the hub runs: the hub accepts the token, the chain holds."""
    running = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    running.add_party("blue")
    cli = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    _, token = cli.add_party("red")
    cli.close()
    assert running.authenticate(token).name == "red"
    running.submit_reports("red", [report("r1")])
    entries = list(running._store.journal_entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    previous = GENESIS_HASH
    for entry in entries:
        assert entry.prev_hash == previous and entry.recomputed_hash() == entry.hash
        previous = entry.hash
    running.close()


def test_every_write_is_journalled_and_reports_are_summarised_on_the_stream(hub: Hub) -> None:
    hub.add_party("blue")
    seen = []
    hub.subscribe("blue", seen.append)
    hub.submit_reports("blue", [report("a"), report("b", time=T0 - 2)])
    [event] = seen
    assert event.kind == "reports.accepted"
    assert event.data["count"] == 2 and event.data["tracks"] == 2
    kinds = [e.kind for e in hub._store.journal_entries()]
    assert kinds == ["hub.key", "party.added", "reports"]


def test_a_revocation_by_another_process_is_noticed_within_the_recheck(
    make_store: Callable[..., Store],
    clock: ManualClock,
    hub_key: Ed25519PrivateKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Authentication remembers tokens it has seen; ``party revoke`` run by the CLI while
    the hub serves stops the token at the latest ``RECHECK_S`` later."""
    from deconfliction.hub.parties import registry as parties

    running = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    _, token = running.add_party("blue")
    running.submit_reports("blue", [report("a")])
    assert running.authenticate(token).name == "blue"  # now remembered
    now = parties.time.monotonic()  # (opening a second hub may take a while)
    cli = Hub(Settings(), make_store(), clock=clock, key=hub_key)
    cli.revoke_party("blue")
    cli.close()
    monkeypatch.setattr(parties.time, "monotonic", lambda: now + parties.RECHECK_S / 2)
    assert running.authenticate(token).name == "blue"  # not yet checked again
    monkeypatch.setattr(parties.time, "monotonic", lambda: now + parties.RECHECK_S * 1.5)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        running.authenticate(token)
    # Authentication read the registry first; the next cycle still drops blue's tracks.
    assert len(running._picture.live_rows(T0, 30)) == 1
    running.tick(T0)
    assert len(running._picture.live_rows(T0, 30)) == 0


def test_a_rotated_token_stops_at_once_even_when_remembered(hub: Hub) -> None:
    _, old = hub.add_party("blue")
    assert hub.authenticate(old).name == "blue"
    hub.rotate_token("blue")
    with pytest.raises(AuthenticationFailed):
        hub.authenticate(old)
