"""Incidents: filed by a party, evidence attached by the hub, accounts from the other parties
involved, reviewed ``open → under_review → closed``.

An incident is stored as an object of kind ``incident`` (the incident and its evidence).
Who sees it: its reporter, the parties of the tracks it names (they are *involved*), and
the admin; for anyone else it does not exist (404). What each sees of the evidence is
decided in :meth:`Incidents.evidence_for` (see :mod:`deconfliction.hub.incidents.evidence`
for which tracks a reporter may name).

Journal: the reporter's submission (``incident.reported``, carrying its signature if it
signed), the evidence the hub computed (``incident.evidence``, a hub entry), accounts
(``incident.account``), changes of state (``incident.state``, the admin's as hub entries),
and every delivery to the other parties involved (``incident.reported``,
``incident.account_added``, ``incident.state_changed`` on their streams).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from deconfliction.clock import Clock
from deconfliction.errors import InvalidInput, NotFound, PermissionDenied
from deconfliction.hub.incidents.evidence import Evidence, EvidenceGatherer, ZoneHistory
from deconfliction.hub.live.tracks import Tracks
from deconfliction.hub.parties.registry import Parties
from deconfliction.hub.unit import WriteUnit
from deconfliction.journal.chain import HUB_PARTY, JournalEntry
from deconfliction.model.codec import dump, load
from deconfliction.model.ids import new_id
from deconfliction.model.incident import Incident, parse_incident
from deconfliction.model.states import IncidentState
from deconfliction.render.incident import incident_report_html
from deconfliction.settings import Settings
from deconfliction.store import Store, StoredObject

KIND = "incident"


@dataclass(frozen=True)
class IncidentView:
    """An incident as one caller may see it, and the journal entry of the caller's last
    write to it (for a receipt), if this answer follows one."""

    incident: Incident
    evidence: Evidence
    entry: JournalEntry | None = None


class Incidents:
    """Filing, reading, accounts and review of incidents."""

    def __init__(
        self,
        store: Store,
        tracks: Tracks,
        parties: Parties,
        zones: ZoneHistory,
        settings: Settings,
        write: Callable[[], AbstractContextManager[WriteUnit]],
        clock: Clock,
    ) -> None:
        self._store = store
        self._parties = parties
        self._zones = zones
        self._settings = settings
        self._write = write
        self._clock = clock
        self._gatherer = EvidenceGatherer(store, tracks, parties, zones, settings)

    # -- reading -------------------------------------------------------------------------

    def _load(self, incident_id: str) -> tuple[Incident, Evidence, StoredObject]:
        stored = self._store.get_object(KIND, incident_id)
        if stored is None:
            raise NotFound(f"no incident {incident_id!r}")
        doc = stored.doc
        return load(Incident, doc["incident"]), Evidence.from_doc(doc["evidence"]), stored

    def _visible(self, incident_id: str, viewer: str | None) -> tuple[Incident, Evidence, int]:
        incident, evidence, stored = self._load(incident_id)
        if viewer is not None and viewer not in incident.parties:
            raise NotFound(f"no incident {incident_id!r}")
        return incident, evidence, stored.version

    def evidence_for(self, incident: Incident, evidence: Evidence, viewer: str | None) -> Evidence:
        """What ``viewer`` (``None``: the admin) may see of the evidence.

        The reporter sees all of it (it was gathered within what it may see). Another
        party involved sees its own tracks, the reporter's, and those of parties that
        share their picture with it; encounters between tracks it sees; its own alerts and
        its messages; the zones it may see.
        """
        if viewer is None:
            return evidence
        if viewer == incident.reporter:
            refs = [t.ref for t in evidence.tracks]
        else:
            refs = [
                t.ref
                for t in evidence.tracks
                if t.ref.party in (viewer, incident.reporter)
                or self._parties.shares_tracks(viewer, t.ref.party)
            ]
        zones = [z.name for z in evidence.zones if self._zones.visible_to(z, viewer)]
        return evidence.only(refs, viewer, zones)

    def get(self, viewer: str | None, incident_id: str) -> IncidentView:
        """An incident the viewer reported or is involved in (``None``: the admin, any)."""
        incident, evidence, _ = self._visible(incident_id, viewer)
        return IncidentView(incident, self.evidence_for(incident, evidence, viewer))

    def list(self, viewer: str | None) -> list[IncidentView]:
        """The incidents the viewer reported or is involved in, oldest first."""
        views = []
        for stored in self._store.list_objects(KIND):
            incident = load(Incident, stored.doc["incident"])
            if viewer is None or viewer in incident.parties:
                evidence = Evidence.from_doc(stored.doc["evidence"])
                views.append(IncidentView(incident, self.evidence_for(incident, evidence, viewer)))
        return sorted(views, key=lambda v: (v.incident.created_s, v.incident.id))

    def report_html(self, viewer: str | None, incident_id: str) -> str:
        """The HTML report as the viewer may see it, its plot embedded."""
        incident, evidence, _ = self._visible(incident_id, viewer)
        shown = self.evidence_for(incident, evidence, viewer)
        paths = self._gatherer.paths(incident, shown.tracks)
        return incident_report_html(
            incident,
            paths=paths,
            evidence=shown.encounters,
            zones=shown.zones,
            timeline=[h.item() for h in shown.happenings],
            generated_s=self._clock.now(),
        )

    # -- writing -------------------------------------------------------------------------

    def report(self, reporter: str, item: Any) -> IncidentView:
        """File an incident from a parsed request body; the hub attaches the evidence."""
        now = self._clock.now()
        incident = parse_incident(
            reporter,
            item,
            incident_id=new_id("in", now),
            now_s=now,
            future_tolerance_s=self._settings.future_tolerance_s,
        )
        tracks = self._gatherer.authorise(incident)
        evidence = self._gatherer.gather(incident, tracks, now)
        with self._write() as unit:
            self._save(unit, incident, evidence, 1)
            entry = unit.journal(reporter, "incident.reported", {"incident": incident.to_json()})
            unit.journal(
                HUB_PARTY,
                "incident.evidence",
                {"incident": incident.id, "evidence": evidence.to_doc()},
            )
            self._deliver(unit, incident, "incident.reported", {}, besides=reporter)
        return IncidentView(incident, self.evidence_for(incident, evidence, reporter), entry)

    def add_account(self, party: str, incident_id: str, narrative: Any) -> IncidentView:
        """``party``, involved but not the reporter, gives its own account."""
        with self._write() as unit:
            incident, evidence, version = self._visible(incident_id, party)
            if party == incident.reporter:
                raise PermissionDenied(
                    f"you reported incident {incident_id}; accounts are for the other parties "
                    "involved (your narrative is the report itself)"
                )
            changed = incident.with_account(party, narrative, unit.now_s)
            account = changed.accounts[-1]
            self._save(unit, changed, evidence, version + 1)
            entry = unit.journal(
                party, "incident.account", {"incident": incident_id, "account": account.to_json()}
            )
            self._deliver(unit, changed, "incident.account_added", {"by": party}, besides=party)
        return IncidentView(changed, self.evidence_for(changed, evidence, party), entry)

    def move(self, actor: str | None, incident_id: str, state: Any) -> IncidentView:
        """The reporter (or the admin, ``actor`` None) moves the incident to ``state``."""
        try:
            target = IncidentState(state)
        except ValueError:
            raise InvalidInput(
                f"unknown incident state {state!r}; use one of "
                + ", ".join(s.value for s in IncidentState)
            ) from None
        with self._write() as unit:
            incident, evidence, version = self._visible(incident_id, actor)
            if actor is not None and actor != incident.reporter:
                raise PermissionDenied(
                    f"only {incident.reporter!r}, who reported incident {incident_id}, or the "
                    "admin can change its state"
                )
            changed = incident.moved_to(target)
            self._save(unit, changed, evidence, version + 1)
            by = HUB_PARTY if actor is None else actor
            entry = unit.journal(
                by,
                "incident.state",
                {"incident": incident_id, "from": incident.state.value, "to": target.value},
            )
            self._deliver(
                unit,
                changed,
                "incident.state_changed",
                {"by": "admin" if actor is None else actor},
                besides=actor,
            )
        return IncidentView(changed, self.evidence_for(changed, evidence, actor), entry)

    def _save(self, unit: WriteUnit, incident: Incident, evidence: Evidence, version: int) -> None:
        doc = {"incident": dump(incident), "evidence": evidence.to_doc()}
        unit.tx.put_object(
            StoredObject(
                KIND, incident.id, incident.reporter, version, incident.state.value, unit.now_s, doc
            )
        )

    @staticmethod
    def _deliver(
        unit: WriteUnit,
        incident: Incident,
        kind: str,
        extra: dict[str, Any],
        *,
        besides: str | None,
    ) -> None:
        """Tell every party involved but ``besides`` on its stream, and journal each delivery."""
        for party in sorted(p for p in incident.parties if p != besides):
            data = {**extra, "incident": incident.to_json()}
            event = unit.emit(party, kind, data)
            unit.journal(party, kind, {"stream_seq": event.seq, **data})
