"""Runs what is due for the zones: expiry, the reminder to a protected zone's owner, and the
chase of each party that let its acknowledgement deadline pass (what is due when:
:mod:`~deconfliction.hub.zones.schedule`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from deconfliction.hub.hotline.service import Hotline
from deconfliction.hub.unit import WriteUnit
from deconfliction.hub.zones.declarations import Declarations
from deconfliction.hub.zones.records import ZoneRecord
from deconfliction.hub.zones.registry import ZoneRegistry
from deconfliction.hub.zones.schedule import ask_since, chase_draft, due_now
from deconfliction.model.states import ZoneState
from deconfliction.settings import Settings


class ZoneTimers:
    """Expires, reminds and chases what is due (one write, only when something is)."""

    def __init__(
        self,
        registry: ZoneRegistry,
        declarations: Declarations,
        hotline: Hotline,
        settings: Settings,
        write: Callable[[], AbstractContextManager[WriteUnit]],
    ) -> None:
        self._registry = registry
        self._declarations = declarations
        self._hotline = hotline
        self._settings = settings
        self._write = write

    def run(self, now_s: float) -> None:
        registry = self._registry
        if not registry.due(now_s):
            return
        with self._write() as unit:
            created = registry.created()
            for record in registry.in_order():
                expected = registry.expected(record)
                due = due_now(record, expected, created, self._settings, unit.now_s)
                if due.expire:
                    self._declarations.end(unit, record, ZoneState.EXPIRED)
                    continue
                if due.remind:
                    record = self._remind(unit, record)
                for party in due.chase:
                    record = self._chase(unit, record, party, ask_since(record, party, created))
            registry.reschedule()
            unit.on_rollback(registry.reload)

    def _remind(self, unit: WriteUnit, record: ZoneRecord) -> ZoneRecord:
        registry = self._registry
        registry.touch(unit)
        reminded = record.with_changes(reminded_s=unit.now_s)
        unit.tx.put_object(reminded.to_stored())
        registry.set(reminded)
        assert record.zone is not None and record.zone.valid_to_s is not None
        left = round(record.zone.valid_to_s - unit.now_s, 1)
        for party in reminded.audience(registry.party_names()):
            self._declarations.tell(unit, party, "zone.expiring", reminded, expires_in_s=left)
        return reminded

    def _chase(self, unit: WriteUnit, record: ZoneRecord, party: str, since_s: float) -> ZoneRecord:
        self._registry.touch(unit)
        message = self._hotline.post(
            unit, chase_draft(record, party, since_s, unit.now_s, self._settings)
        )
        chased = record.with_changes(chased={**record.chased, party: message.id})
        unit.tx.put_object(chased.to_stored())
        self._registry.set(chased)
        return chased
