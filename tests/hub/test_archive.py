"""Journal retention: old entries archived to signed, compressed segments and pruned from
the database, the chain verifiable across archives and database, and every crash between
the steps harmless."""

from __future__ import annotations

import fcntl
import gzip
import itertools
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deconfliction.clock import ManualClock
from deconfliction.errors import MalformedPayload, StoreError
from deconfliction.hub import Hub
from deconfliction.hub.archive import ArchiveBusy, JournalArchiver
from deconfliction.hub.journal import archived_seq
from deconfliction.journal.archive import ArchivedJournal, Segment, segments, write_segment
from deconfliction.journal.source import ExportFileSource, verify_source
from deconfliction.journal.verify import Problem
from deconfliction.settings import Settings
from deconfliction.store import Store
from tests.scenarios import report

HOUR_S = 3600.0


def open_hub(
    store: Store, clock: ManualClock, key: Ed25519PrivateKey, folder: Path, **settings: float
) -> Hub:
    values = {"journal_online_s": HOUR_S, "journal_archive_every_s": 600.0, **settings}
    return Hub(Settings(**values), store, clock=clock, key=key, archive_dir=folder)


def run(hub: Hub, clock: ManualClock, minutes: int) -> None:
    """A report a minute from one party; the hub ticks after each (and housekeeps)."""
    for _ in range(minutes):
        clock.advance(60.0)
        hub.submit_reports("blue", [report("a1", time=clock.now())])
        hub.tick()


def whole(hub: Hub, folder: Path) -> ArchivedJournal:
    return ArchivedJournal(folder, hub.journal.source())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def hub(store: Store, clock: ManualClock, hub_key: Ed25519PrivateKey, folder: Path) -> Hub:
    hub = open_hub(store, clock, hub_key, folder)
    hub.add_party("blue")
    return hub


def test_entries_older_than_the_retention_are_archived_and_pruned(
    hub: Hub, clock: ManualClock, folder: Path
) -> None:
    run(hub, clock, 180)
    head = hub._store.journal_head()
    assert head is not None
    done = archived_seq(hub._store)
    assert done > 1
    # The segments hold 1..done, each ending with the checkpoint at its last entry.
    found = segments(folder)
    assert found[0].from_seq == 1 and found[-1].to_seq == done
    for before, after in itertools.pairwise(found):
        assert after.from_seq == before.to_seq + 1
    last = list(ExportFileSource(found[-1].path).file.checkpoints())[-1]
    assert last.seq == done
    # The database keeps the journal from the last archived entry on, nothing before.
    online = [e.seq for e in hub._store.journal_entries()]
    assert online == list(range(done, head[0] + 1))
    # Everything archived is older than the retention, when its checkpoint was signed.
    archived = list(ArchivedJournal(folder).entries(1, None))
    assert [e.seq for e in archived] == list(range(1, done + 1))
    newest = max(e.time for e in archived)
    assert newest <= _rfc3339(clock.now() - HOUR_S)
    # The chain verifies across archives and database, and the database alone from `done`.
    across = verify_source(whole(hub, folder), public_key=hub.journal.public_key)
    assert across.ok and across.first_seq == 1 and across.last_seq == head[0]
    assert across.entries == head[0]
    alone = verify_source(hub.journal.source(), public_key=hub.journal.public_key)
    assert alone.ok and alone.first_seq == done and alone.checkpoints >= 1


def test_the_reports_a_restart_replays_stay_online(
    hub: Hub, clock: ManualClock, folder: Path
) -> None:
    run(hub, clock, 120)
    watermark = int(hub._store.get_meta("tracks_seq") or 0)
    assert 0 < archived_seq(hub._store) <= watermark


def test_a_restart_after_pruning_continues_the_journal(
    hub: Hub,
    clock: ManualClock,
    folder: Path,
    make_store: Callable[..., Store],
    hub_key: Ed25519PrivateKey,
) -> None:
    run(hub, clock, 150)
    hub.close()
    assert not list(make_store().journal_entries(0, 1))  # entry 1 is archived
    again = open_hub(make_store(), clock, hub_key, folder)
    assert [t.track for t in again.tracks_at("blue", clock.now())] == ["a1"]
    run(again, clock, 90)
    report_ = verify_source(whole(again, folder), public_key=again.journal.public_key)
    assert report_.ok, report_.summary()
    again.close()


def test_another_key_is_still_refused_once_entry_1_is_archived(
    hub: Hub,
    clock: ManualClock,
    folder: Path,
    make_store: Callable[..., Store],
) -> None:
    run(hub, clock, 150)
    hub.close()
    with pytest.raises(StoreError, match="was started with hub key"):
        open_hub(make_store(), clock, Ed25519PrivateKey.generate(), folder)


def test_a_segment_the_database_does_not_hold_as_it_is_is_moved_aside_not_deleted(
    hub: Hub, clock: ManualClock, folder: Path
) -> None:
    run(hub, clock, 150)
    orphan = _unrecorded_segment(hub, folder)
    _alter_entry(orphan.path, -1)  # as from a history the database (restored?) lacks
    run(hub, clock, 30)
    kept = folder / "unrecorded" / orphan.path.name
    assert kept.exists() and not orphan.path.exists()
    assert verify_source(whole(hub, folder), public_key=hub.journal.public_key).ok


def test_one_run_at_a_time(hub: Hub, clock: ManualClock, folder: Path) -> None:
    run(hub, clock, 150)
    assert hub.archiver is not None
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ArchiveBusy, match="another archive run holds"):
            hub.archiver.archive(clock.now())
        hub.archiver._next_s = None
        assert hub.archiver.tick(clock.now()) is None  # the hub's runs skip quietly


def test_a_run_never_moves_the_mark_another_run_moved(
    hub: Hub, clock: ManualClock, folder: Path
) -> None:
    run(hub, clock, 150)
    assert hub.archiver is not None
    done = archived_seq(hub._store)
    with pytest.raises(ArchiveBusy, match="another run archived the journal"):
        hub.archiver._record(done, done + 5)  # a run that found the mark one entry earlier
    assert archived_seq(hub._store) == done


def test_missing_first_segments_or_folder_show_as_removed(
    hub: Hub, clock: ManualClock, folder: Path
) -> None:
    run(hub, clock, 240)
    first, *rest = segments(folder)
    assert rest
    first.path.unlink()
    report_ = verify_source(whole(hub, folder), public_key=hub.journal.public_key)
    assert report_.finding is not None and report_.finding.problem is Problem.REMOVED
    assert report_.finding.seq == 1
    empty = folder.parent / "empty"
    empty.mkdir()
    report_ = verify_source(
        ArchivedJournal(empty, hub.journal.source()), public_key=hub.journal.public_key
    )
    assert report_.finding is not None and report_.finding.problem is Problem.REMOVED


def test_a_corrupted_archive_is_named(hub: Hub, clock: ManualClock, folder: Path) -> None:
    run(hub, clock, 150)
    path = segments(folder)[0].path
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))
    with pytest.raises(MalformedPayload, match=path.name):
        verify_source(whole(hub, folder), public_key=hub.journal.public_key)


def test_a_read_that_archiving_overtakes_stops_with_a_clear_error(
    hub: Hub, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deconfliction.store.reads import SQLReads

    monkeypatch.setattr(SQLReads._journal_pages, "__defaults__", (5,))  # pages of 5 entries
    run(hub, clock, 150)
    source = hub.journal.source()
    entries = source.entries(source.first_seq, None)
    next(entries)
    run(hub, clock, 600)  # archiving and pruning go on meanwhile
    with pytest.raises(StoreError, match=r"was archived up to entry \d+ while it was being read"):
        list(entries)


def test_a_crash_after_writing_a_segment_before_recording_it(
    hub: Hub, clock: ManualClock, folder: Path
) -> None:
    run(hub, clock, 150)
    done = archived_seq(hub._store)
    orphan = _unrecorded_segment(hub, folder)
    run(hub, clock, 30)
    assert archived_seq(hub._store) > done
    assert not orphan.path.exists()
    assert verify_source(whole(hub, folder), public_key=hub.journal.public_key).ok


def test_a_prune_cut_short_is_finished_by_the_next_run(
    store: Store, clock: ManualClock, hub_key: Ed25519PrivateKey, folder: Path
) -> None:
    hub = open_hub(store, clock, hub_key, folder, journal_online_s=1e9)  # no archiving yet
    hub.add_party("blue")
    run(hub, clock, 120)
    archiver = JournalArchiver(
        store, folder, hub.journal.public_key_b64, online_s=HOUR_S, prune_step=7
    )
    archiver._prune = lambda upto: 0  # type: ignore[method-assign]  # the run dies here
    first = archiver.archive(clock.now())
    assert first.segments and first.pruned == 0
    assert next(iter(store.journal_entries())).seq == 1
    resumed = JournalArchiver(store, folder, hub.journal.public_key_b64, online_s=HOUR_S)
    second = resumed.archive(clock.now())
    assert second.pruned == first.archived_seq - 1
    assert next(iter(store.journal_entries())).seq == first.archived_seq
    assert verify_source(whole(hub, folder), public_key=hub.journal.public_key).ok


def test_segments_are_cut_at_checkpoints_within_the_size(
    store: Store, clock: ManualClock, hub_key: Ed25519PrivateKey, folder: Path
) -> None:
    hub = open_hub(store, clock, hub_key, folder, journal_online_s=1e9)
    hub.add_party("blue")
    run(hub, clock, 240)
    archiver = JournalArchiver(
        store, folder, hub.journal.public_key_b64, online_s=HOUR_S, segment_entries=30
    )
    done = archiver.archive(clock.now())
    assert len(done.segments) > 3
    for segment in done.segments:
        assert segment.to_seq - segment.from_seq + 1 <= 30
        single = verify_source(ExportFileSource(segment.path), public_key=hub.journal.public_key)
        assert single.ok and single.checkpoints >= 1


def test_missing_segments_stop_the_archiving(hub: Hub, clock: ManualClock, folder: Path) -> None:
    run(hub, clock, 150)
    segments(folder)[-1].path.unlink()
    assert hub.archiver is not None
    with pytest.raises(StoreError, match="put the missing segments back"):
        hub.archiver.archive(clock.now())
    report_ = verify_source(whole(hub, folder), public_key=hub.journal.public_key)
    assert report_.finding is not None and report_.finding.problem is Problem.REMOVED


def test_an_altered_archive_is_found(hub: Hub, clock: ManualClock, folder: Path) -> None:
    run(hub, clock, 150)
    path = segments(folder)[0].path
    lines = gzip.decompress(path.read_bytes()).splitlines()
    entry = orjson.loads(lines[3])
    entry["content"] = entry["content"].replace("a1", "b2")
    lines[3] = orjson.dumps(entry)
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    report_ = verify_source(whole(hub, folder), public_key=hub.journal.public_key)
    assert report_.finding is not None and report_.finding.problem is Problem.ALTERED


def test_a_truncated_archive_is_named(hub: Hub, clock: ManualClock, folder: Path) -> None:
    run(hub, clock, 150)
    path = segments(folder)[0].path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(MalformedPayload, match=path.name):
        verify_source(whole(hub, folder), public_key=hub.journal.public_key)


def test_pages_start_at_the_first_entry_online(hub: Hub, clock: ManualClock) -> None:
    run(hub, clock, 150)
    done = archived_seq(hub._store)
    page = hub.journal.page(None, 0, 10)
    lines = [orjson.loads(line) for line in page.lines()]
    assert lines[0]["from_seq"] == done
    assert lines[1]["seq"] == done


def test_retention_needs_a_folder(store: Store, clock: ManualClock) -> None:
    with pytest.raises(Exception, match="journal_archive_dir"):
        Hub(Settings(journal_online_s=HOUR_S), store, clock=clock)


def _unrecorded_segment(hub: Hub, folder: Path) -> Segment:
    """A segment of the entries after the archived ones, as a run that died before
    recording it leaves."""
    store, done = hub._store, archived_seq(hub._store)
    head = hub.journal.checkpoint(hub.clock.now())
    segment, _ = write_segment(
        folder,
        hub.journal.public_key_b64,
        store.journal_entries(done, head.seq),
        store.checkpoints(done + 1, head.seq),
        from_seq=done + 1,
        to_seq=head.seq,
    )
    return segment


def _alter_entry(path: Path, index: int) -> None:
    """Change the content of one entry of a segment (and its hash, consistently)."""
    from deconfliction.journal.chain import entry_hash

    lines = gzip.decompress(path.read_bytes()).splitlines()
    positions = [i for i, line in enumerate(lines) if b'"type":"entry"' in line]
    at = positions[index]
    entry = orjson.loads(lines[at])
    entry["content"] = entry["content"].replace("a1", "b2")
    entry["hash"] = entry_hash(
        entry["prev_hash"],
        entry["seq"],
        entry["time"],
        entry["party"],
        entry["kind"],
        entry["content"].encode(),
    )
    lines[at] = orjson.dumps(entry)
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))


def _rfc3339(unix_s: float) -> str:
    from deconfliction.journal.chain import journal_time

    return journal_time(unix_s)
