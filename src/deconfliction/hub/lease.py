"""The leader lease: of the hub processes sharing one database, one at a time runs the
detection cycle and the timers (hotline deadlines, zones and operations ending, the
journal's checkpoints).

The lease is one row of the store's meta table, ``leader_lease``: the holder (a name unique
to the process) and the time it runs out. Every write transaction of every process is
serialised by the store, so reading and writing the row inside one write decides without a
race: a process takes the lease when it is free, run out, or its own, and renews it every
cycle for ``leader_lease_s``. A process that dies stops renewing; another takes over once
the lease has run out (within ``leader_lease_s`` plus one cycle).

Fencing: a leader that stalls (a long pause, a lost network) may not know yet that it was
replaced. Each write its leader work makes checks, inside that write, that the row still
names it (:meth:`Lease.check`); if not, the write fails with :class:`LeaseLost` and nothing
of it is applied. So no alert is opened twice and no deadline fired twice, whatever the
clocks say: time only decides *when* another may take over, never what is written.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass

from deconfliction.errors import LeaseLost
from deconfliction.hub.unit import WriteUnit
from deconfliction.store import Transaction

LEASE_META = "leader_lease"


@dataclass(frozen=True)
class LeaseRow:
    holder: str
    until_s: float

    @staticmethod
    def read(tx: Transaction) -> LeaseRow | None:
        return LeaseRow.parse(tx.get_meta(LEASE_META))

    @staticmethod
    def parse(text: str | None) -> LeaseRow | None:
        if not text:
            return None
        doc = json.loads(text)
        return LeaseRow(str(doc["holder"]), float(doc["until_s"]))

    def write(self, tx: Transaction) -> None:
        tx.set_meta(LEASE_META, json.dumps({"holder": self.holder, "until_s": self.until_s}))


class Lease:
    """This process's side of the leader lease."""

    def __init__(self, lease_s: float, holder: str | None = None) -> None:
        self.lease_s = lease_s
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.leading = False  # as of this process's last write of the row
        self.leader: str | None = None  # the holder named in the row when last read
        self._until_s = 0.0  # when this process's lease runs out, as it last wrote it

    def fresh(self, now_s: float) -> bool:
        """Whether this process leads with more than half its lease ahead (no renewal due:
        no other process may take it before it runs out)."""
        return self.leading and now_s < self._until_s - self.lease_s / 2

    def may_take(self, text: str | None, now_s: float) -> bool:
        """Whether the lease as read outside a write (``text``: the meta value) may be this
        process's: free, run out, or its own. Noted as the leader seen."""
        return not self._held_by_another(LeaseRow.parse(text), now_s)

    def _held_by_another(self, row: LeaseRow | None, now_s: float) -> bool:
        """Whether ``row`` names another process whose lease has not run out (then noted as
        the leader seen, and this process as not leading)."""
        if row is None or row.holder == self.holder or row.until_s < now_s:
            return False
        self.leading, self.leader = False, row.holder
        return True

    def hold(self, unit: WriteUnit) -> bool:
        """Take the lease, or renew it, inside ``unit``; whether this process now leads."""
        if self._held_by_another(LeaseRow.read(unit.tx), unit.now_s):
            return False
        until_s = unit.now_s + self.lease_s
        LeaseRow(self.holder, until_s).write(unit.tx)
        unit.after_commit(lambda: self._led(until_s))
        unit.on_rollback(lambda _now: setattr(self, "leading", False))
        return True

    @property
    def may_lead(self) -> bool:
        """Whether this process may do the leader's slow work (the journal's checkpoints,
        archiving): it holds the lease, or no process was seen holding one (a hub whose
        cycle is driven by hand)."""
        return self.leader is None or self.leader == self.holder

    def _led(self, until_s: float) -> None:
        self.leading, self.leader, self._until_s = True, self.holder, until_s

    def check(self, tx: Transaction) -> None:
        """Raise :class:`LeaseLost` unless this process holds the lease (inside a write of
        leader work)."""
        row = LeaseRow.read(tx)
        if row is None or row.holder != self.holder:
            self.leading = False
            self.leader = None if row is None else row.holder
            raise LeaseLost(
                f"this process ({self.holder}) no longer runs detection: "
                f"{'no process' if row is None else row.holder} holds the lease"
            )

    def release(self, unit: WriteUnit) -> None:
        """Give the lease up (a process stopping): another may take it at once."""
        row = LeaseRow.read(unit.tx)
        if row is not None and row.holder == self.holder:
            LeaseRow(self.holder, 0.0).write(unit.tx)
        self.leading, self._until_s = False, 0.0
