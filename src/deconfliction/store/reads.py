"""The reads both stores share (committed data, outside any transaction).

The SQL is portable (``?`` placeholders; the PostgreSQL store rewrites them). A store
subclasses :class:`SQLReads` with how a query is run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Checkpoint
from deconfliction.model import Agreement, Party, Report
from deconfliction.store import rows
from deconfliction.store.base import REPORTS_KIND, Event, IdempotentAnswer, StoredObject
from deconfliction.store.transaction import (
    IDEMPOTENT_SQL,
    JOURNAL_HEAD_SQL,
    LAST_EVENT_SQL,
    LATEST_CHECKPOINT_SQL,
    META_SQL,
)

_PARTY_COLUMNS = "name, created_s, language, timezone, revoked_s"


class SQLReads:
    """Reads of the ``Store`` protocol over :meth:`_query`."""

    def _query(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any]:
        raise NotImplementedError

    def get_meta(self, key: str) -> str | None:
        found = self._query(META_SQL, (key,))
        return str(found[0][0]) if found else None

    def get_party(self, name: str) -> Party | None:
        found = self._query(f"SELECT {_PARTY_COLUMNS} FROM parties WHERE name = ?", (name,))
        return Party(*found[0]) if found else None

    def list_parties(self) -> list[Party]:
        return [
            Party(*row)
            for row in self._query(f"SELECT {_PARTY_COLUMNS} FROM parties ORDER BY name")
        ]

    def principal_for(self, token_hash: str) -> str | None:
        found = self._query(
            "SELECT principal FROM credentials WHERE token_hash = ? AND revoked_s IS NULL",
            (token_hash,),
        )
        return str(found[0][0]) if found else None

    def list_agreements(self) -> list[Agreement]:
        found = self._query("SELECT doc FROM agreements ORDER BY party_a, party_b")
        return [Agreement.from_json(orjson.loads(doc)) for (doc,) in found]

    def latest_tracks(self) -> Iterator[Report]:
        for row in self._query(f"SELECT {rows.REPORT_COLUMNS} FROM tracks ORDER BY party, track"):
            yield rows.report(row)

    def report_batches(
        self, start_s: float, end_s: float, *, party: str | None = None
    ) -> Iterator[JournalEntry]:
        sql = (
            f"SELECT {rows.ENTRY_COLUMNS} "
            "FROM report_batches b JOIN journal j ON j.seq = b.seq "
            "WHERE b.t_max >= ? AND b.t_min <= ?"
        )
        params: list[Any] = [start_s, end_s]
        if party is not None:
            sql += " AND b.party = ?"
            params.append(party)
        for row in self._query(sql + " ORDER BY b.seq", params):
            yield rows.entry(row)

    def report_batches_after(self, seq: int) -> Iterator[JournalEntry]:
        return self._journal_pages(
            "FROM report_batches b JOIN journal j ON j.seq = b.seq WHERE b.seq > ?", [], seq
        )

    def changes_after(self, seq: int) -> Iterator[JournalEntry]:
        return self._journal_pages(
            "FROM journal j WHERE j.seq > ? AND j.kind <> ?", [REPORTS_KIND], seq
        )

    def get_idempotent(self, party: str, key: str) -> IdempotentAnswer | None:
        found = self._query(IDEMPOTENT_SQL, (party, key))
        return rows.idempotent(party, key, found[0]) if found else None

    def get_object(self, kind: str, object_id: str) -> StoredObject | None:
        found = self._query(
            f"SELECT {rows.OBJECT_COLUMNS} FROM objects WHERE kind = ? AND id = ?",
            (kind, object_id),
        )
        return rows.stored_object(found[0]) if found else None

    def list_objects(
        self, kind: str, *, owner: str | None = None, states: Sequence[str] | None = None
    ) -> list[StoredObject]:
        sql = f"SELECT {rows.OBJECT_COLUMNS} FROM objects WHERE kind = ?"
        params: list[Any] = [kind]
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner)
        if states is not None:
            if not states:
                return []
            sql += f" AND state IN ({', '.join('?' * len(states))})"
            params.extend(states)
        sql += " ORDER BY id"
        return [rows.stored_object(row) for row in self._query(sql, params)]

    def events_after(
        self, party: str, after_seq: int, limit: int, *, kind_prefix: str | None = None
    ) -> list[Event]:
        sql = "SELECT party, seq, time_s, kind, data FROM events WHERE party = ? AND seq > ?"
        params: list[Any] = [party, after_seq]
        if kind_prefix:
            sql += " AND substr(kind, 1, ?) = ?"
            params += [len(kind_prefix), kind_prefix]
        return [
            rows.event(row) for row in self._query(sql + " ORDER BY seq LIMIT ?", [*params, limit])
        ]

    def last_event_seq(self, party: str) -> int:
        found = self._query(LAST_EVENT_SQL, (party,))
        return int(found[0][0] or 0)

    def journal_entries(
        self, after_seq: int = 0, until_seq: int | None = None
    ) -> Iterator[JournalEntry]:
        where = "FROM journal j WHERE j.seq > ?"
        params: list[Any] = []
        if until_seq is not None:
            where += " AND j.seq <= ?"
            params.append(until_seq)
        return self._journal_pages(where, params, after_seq)

    def journal_head(self) -> tuple[int, str] | None:
        found = self._query(JOURNAL_HEAD_SQL)
        return (int(found[0][0]), str(found[0][1])) if found else None

    def checkpoints(self, from_seq: int = 1, to_seq: int | None = None) -> Iterator[Checkpoint]:
        sql = f"SELECT {rows.CHECKPOINT_COLUMNS} FROM journal_checkpoints WHERE seq >= ?"
        params: list[Any] = [from_seq]
        if to_seq is not None:
            sql += " AND seq <= ?"
            params.append(to_seq)
        for row in self._query(sql + " ORDER BY seq", params):
            yield rows.checkpoint(row)

    def latest_checkpoint(self) -> Checkpoint | None:
        found = self._query(LATEST_CHECKPOINT_SQL)
        return rows.checkpoint(found[0]) if found else None

    def _journal_pages(
        self, where: str, params: list[Any], after_seq: int, page: int = 1000
    ) -> Iterator[JournalEntry]:
        """Journal entries ``where`` (its first ``?`` is the seq to continue after), read a
        page at a time so that a long journal never sits in memory whole."""
        sql = f"SELECT {rows.ENTRY_COLUMNS} {where}"
        last = after_seq
        while True:
            found = self._query(sql + " ORDER BY j.seq LIMIT ?", [last, *params, page])
            for row in found:
                yield rows.entry(row)
                last = row[0]
            if len(found) < page:
                return
