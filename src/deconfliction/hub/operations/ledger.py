"""How a change of an operation is recorded: stored, journalled, told, and versioned.

Every change (filed, replaced, activated, nonconforming, ended, cancelled) is one stored
object (``kind="operation"``) with a new revision, one journal entry of its owner recording
the request, and an event on the streams of the owner and of the parties it shares its
operations with (each journalled with its stream seq). Versions are HMAC tokens of the
operation and its revision under a secret kept in the database
(:func:`deconfliction.detect.version_keys.version_token`): unguessable, and the same after a
restart.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from deconfliction.detect.version_keys import version_token
from deconfliction.hub.operations.plans import LivePlans
from deconfliction.hub.operations.records import Filed
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import JournalEntry
from deconfliction.journal.checkpoint import Receipt
from deconfliction.model.codec import dump
from deconfliction.store import Store, StoredObject

KIND = "operation"
SECRET_META = "operation_version_secret"


class Ledger:
    """Records the changes of operations (see the module docs)."""

    def __init__(
        self,
        store: Store,
        parties: Parties,
        plans: LivePlans,
        receipt: Callable[[JournalEntry], Receipt],
    ) -> None:
        self._store = store
        self._parties = parties
        self._plans = plans
        self._receipt = receipt
        self._secret = self._load_secret()

    def _load_secret(self) -> bytes:
        """The key of version tokens: made once per database, kept in its meta table."""
        value = self._store.get_meta(SECRET_META)
        if value is None:
            value = secrets.token_hex(32)
            with self._store.transaction() as tx:
                tx.set_meta(SECRET_META, value)
        return bytes.fromhex(value)

    def version(self, operation_id: str, revision: int) -> str:
        return version_token(self._secret, KIND, operation_id, revision)

    def stored(self, operation_id: str) -> Filed | None:
        """The operation as it is now: live (in memory), or ended (from the store)."""
        filed = self._plans.live(operation_id)
        if filed is None:
            stored = self._store.get_object(KIND, operation_id)
            filed = None if stored is None else Filed.from_doc(stored.doc)
        return filed

    def stage(
        self, unit: WriteUnit, filed: Filed, kind: str, content: Mapping[str, Any]
    ) -> tuple[JournalEntry, dict[str, Any]]:
        """Store, journal and announce one change (to its owner and to the parties it
        shares its operations with); the entry and the operation as shown."""
        op = filed.operation
        doc = filed.to_doc()
        unit.tx.put_object(
            StoredObject(KIND, op.id, op.owner, filed.revision, op.state.value, unit.now_s, doc)
        )
        record = {"operation": op.id, "version": op.version, "revision": filed.revision}
        entry = unit.journal(op.owner, kind, {**record, "state": op.state.value, **content})
        shown = filed.to_json()
        unit.emit(op.owner, kind, shown)
        for partner in self._partners(op.owner):
            event = unit.emit(partner, kind, shown)
            unit.journal(partner, kind, {"stream_seq": event.seq, "operation": shown})
        self._plans.keep(filed)
        return entry, shown

    def body(
        self, entry: JournalEntry, shown: dict[str, Any], advisories: list[str]
    ) -> dict[str, Any]:
        """The answer to a write: the operation as shown, its advisories, the receipt."""
        return {**shown, "advisories": advisories, "receipt": dump(self._receipt(entry))}

    def _partners(self, owner: str) -> list[str]:
        return sorted(
            a.other(owner)
            for a in self._parties.agreements()
            if a.share_operations and a.involves(owner)
        )
