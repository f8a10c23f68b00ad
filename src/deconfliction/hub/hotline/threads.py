"""What the hub says on the hotline when an alert opens: channel, priority, deadline, text.

Every new conflict between two or more parties opens a thread (its id is the conflict's)
with one hub message to each involved party, built from that party's alert only, so the
message tells it nothing its alert does not.

- **Channel**: the domain of the party's own object in the alert: ``air`` for air tracks
  and operations, ``ground`` for ground and sea ones; ``command`` when the alert names no
  domain (zone–zone declarations). Advisories stay on their domain's channel, as they are
  about traffic there; ``command`` is kept for escalations and what concerns no domain.
- **Priority and deadline** by severity: a lost separation is ``flash`` (setting
  ``hotline_alert_loss_s``), a predicted one ``urgent`` (``hotline_alert_predicted_s``), an
  advisory ``routine`` (``hotline_alert_advisory_s``).
- **Content**: the structured template of the alert's kind (``alert_track_conflict``,
  ``alert_zone_incursion``, ``alert_operation_conflict``), so each party reads it in its own
  language. Detection may give the exact fields in the view under ``"hotline"``
  (``{"template": ..., "fields": {...}}``); otherwise they are read from the view and the
  live figures (see :func:`thread_content`). If they cannot be, the message is a short
  English text naming the alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.hotline.templates import validate_fields
from deconfliction.model.alert import Alert, AlertKind, Severity
from deconfliction.model.message import Channel, Priority
from deconfliction.settings import Settings
from deconfliction.units import format_time

PRIORITY = {
    Severity.LOSS: Priority.FLASH,
    Severity.PREDICTED: Priority.URGENT,
    Severity.ADVISORY: Priority.ROUTINE,
}
_CHANNEL_OF_DOMAIN = {"air": Channel.AIR, "ground": Channel.GROUND, "sea": Channel.GROUND}
# Where in a view the figures are looked for, in order: the top, the party's own object,
# the geometry, the other side.
_SECTIONS = ("own", "geometry", "other")


@dataclass(frozen=True)
class ThreadContent:
    """A hub message's content: a template with canonical fields, or English text."""

    template: str | None
    fields: dict[str, Any]
    text: str | None


def deadline_s(settings: Settings, severity: Severity) -> float:
    """Seconds the party has to acknowledge the hub's message about an alert."""
    return {
        Severity.LOSS: settings.hotline_alert_loss_s,
        Severity.PREDICTED: settings.hotline_alert_predicted_s,
        Severity.ADVISORY: settings.hotline_alert_advisory_s,
    }[severity]


def _find(view: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` present in the view, at its top or in one of its sections."""
    places: list[Mapping[str, Any]] = [view]
    for section in _SECTIONS:
        value = view.get(section)
        if isinstance(value, Mapping):
            places.append(value)
            state = value.get("state")
            if isinstance(state, Mapping):
                places.append(state)
    for mapping in places:
        for name in names:
            if mapping.get(name) is not None:
                return mapping[name]
    return None


def channel_for(alert: Alert) -> Channel:
    """The channel of the party's thread: the domain of its own object (see the module)."""
    own = alert.view.get("own")
    domain = None
    if isinstance(own, Mapping):
        domain = own.get("domain")
        state = own.get("state")
        if domain is None and isinstance(state, Mapping):
            domain = state.get("domain")
    if domain is None and alert.kind is not AlertKind.ZONE_ZONE:
        domain = _find(alert.view, "domain")
    return _CHANNEL_OF_DOMAIN.get(str(domain), Channel.COMMAND)


def _where(view: Mapping[str, Any]) -> dict[str, Any] | None:
    place = _find(view, "where", "cpa", "position")
    if isinstance(place, Mapping) and "lat" in place and "lon" in place:
        return {key: place[key] for key in ("lat", "lon", "name") if place.get(key) is not None}
    own = view.get("own")
    for candidate in (own, own.get("state") if isinstance(own, Mapping) else None):
        if isinstance(candidate, Mapping) and "lat" in candidate and "lon" in candidate:
            return {"lat": candidate["lat"], "lon": candidate["lon"]}
    return None


def _track_fields(alert: Alert, live: Mapping[str, Any], now_s: float) -> dict[str, Any]:
    view = {**alert.view, "now": live}
    t_in = live.get("t_in_s", 0.0 if alert.severity is Severity.LOSS else None)
    t_cpa = live.get("t_cpa_s", _find(view, "t_cpa_s"))
    return {
        "other_party": alert.counterparts[0] if alert.counterparts else None,
        "time_to_los_s": t_in,
        "closest_m": live.get("d_cpa_m", _find(view, "d_cpa_m")),
        "closest_time": None if t_cpa is None else format_time(now_s + float(t_cpa)),
        "where": _where(alert.view),
        "own_track": _find({"own": alert.view.get("own", {})}, "track"),
        "vertical_m": live.get("v_cpa_m", _find(view, "v_cpa_m", "vertical_m")),
        "alert": alert.id,
    }


def _zone_fields(alert: Alert, live: Mapping[str, Any]) -> dict[str, Any]:
    view = alert.view
    return {
        "zone": _find(view, "zone", "zone_id"),
        "zone_owner": _find(view, "zone_owner"),
        "rule": _find(view, "rule"),
        "track": _find(view, "track"),
        "track_party": _find(view, "track_party"),
        "time_to_entry_s": live.get("t_in_s", _find(view, "time_to_entry_s", "t_in_s")),
        "where": _where(view),
        "alert": alert.id,
    }


def _operation_fields(alert: Alert) -> dict[str, Any]:
    view = alert.view
    own, other = view.get("own"), view.get("other")
    return {
        "other_party": alert.counterparts[0] if alert.counterparts else None,
        "own_operation": own.get("operation") if isinstance(own, Mapping) else None,
        "other_operation": other.get("operation") if isinstance(other, Mapping) else None,
        "start": _find(view, "start"),
        "end": _find(view, "end"),
        "where": _where(view),
        "resolve_by": _find(view, "resolve_by"),
        "alert": alert.id,
    }


def thread_content(alert: Alert, live: Mapping[str, Any], now_s: float) -> ThreadContent:
    """The hub's message to ``alert.party`` about its new alert (see the module)."""
    given = alert.view.get("hotline")
    template: str | None = None
    fields: dict[str, Any] = {}
    if isinstance(given, Mapping):
        template, fields = given.get("template"), dict(given.get("fields") or {})
    elif alert.kind is AlertKind.TRACK_TRACK:
        template, fields = "alert_track_conflict", _track_fields(alert, live, now_s)
    elif alert.kind is AlertKind.TRACK_ZONE:
        template, fields = "alert_zone_incursion", _zone_fields(alert, live)
    elif alert.kind in (AlertKind.OPERATION_OPERATION, AlertKind.OPERATION_ZONE):
        template, fields = "alert_operation_conflict", _operation_fields(alert)
    if template is not None:
        present = {key: value for key, value in fields.items() if value is not None}
        try:
            return ThreadContent(template, validate_fields(template, present), None)
        except InvalidInput:
            pass  # the view lacks a required figure: say it in plain words instead
    others = ", ".join(alert.counterparts) or "another party"
    text = (
        f"ALERT {alert.id}: {alert.kind.value.replace('_', '-')} conflict with {others} "
        f"({alert.severity.value}). See GET /v1/alerts/{alert.id} for the details."
    )
    return ThreadContent(None, {}, text)
