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
  language, with fields read from the party's view and the live figures; a zone incursion's
  view carries its fields (``hotline``). Other kinds (and a view lacking a required figure)
  get a short English text naming the alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.hotline.templates import validate_fields
from deconfliction.model import alert_views as v
from deconfliction.model.alert import Alert, Severity
from deconfliction.model.message import Channel, Priority
from deconfliction.model.party import Domain
from deconfliction.settings import Settings
from deconfliction.units import format_time

PRIORITY = {
    Severity.LOSS: Priority.FLASH,
    Severity.PREDICTED: Priority.URGENT,
    Severity.ADVISORY: Priority.ROUTINE,
}
_CHANNEL_OF_DOMAIN = {
    Domain.AIR: Channel.AIR,
    Domain.GROUND: Channel.GROUND,
    Domain.SEA: Channel.GROUND,
}


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


def domain_of(view: v.AlertView) -> Domain | None:
    """The domain the alert is about for its reader: its own object's, else the other
    side's (a zone's owner hears about traffic); none for zone–zone declarations."""
    match view:
        case v.TrackPairView() | v.ZoneAheadView() | v.NonconformingView() | v.IntruderView():
            return view.own.state.domain
        case v.OperationPairView() | v.OperationInZoneView():
            return view.own.domain
        case v.IntrudedView():
            return view.own.domain
        case v.ZoneEnteredView():
            return view.other.state.domain
        case v.ZoneOperationView():
            return view.other.domain
    return None


def channel_for(alert: Alert) -> Channel:
    """The channel of the party's thread: the domain of its own object (see the module)."""
    domain = domain_of(alert.view)
    return Channel.COMMAND if domain is None else _CHANNEL_OF_DOMAIN[domain]


def _track_fields(
    alert: Alert, view: v.TrackPairView, live: v.LiveFigures | None, now_s: float
) -> dict[str, Any]:
    figures = live if isinstance(live, v.PairFigures) else None
    t_in = figures.t_in_s if figures else (0.0 if alert.severity is Severity.LOSS else None)
    t_cpa = figures.t_cpa_s if figures else view.geometry.t_cpa_s
    return {
        "other_party": alert.counterparts[0] if alert.counterparts else None,
        "time_to_los_s": t_in,
        "closest_m": figures.d_cpa_m if figures else view.geometry.d_cpa_m,
        "closest_time": format_time(now_s + float(t_cpa)),
        "where": {"lat": view.own.state.lat, "lon": view.own.state.lon},
        "own_track": view.own.track,
        "alert": alert.id,
    }


def _operation_fields(
    alert: Alert, view: v.OperationPairView | v.OperationInZoneView | v.ZoneOperationView
) -> dict[str, Any]:
    own = view.own
    return {
        "other_party": alert.counterparts[0] if alert.counterparts else None,
        "own_operation": own.operation if isinstance(own, v.OwnOperation) else None,
        "start": view.geometry.start,
        "end": view.geometry.end,
        "where": {"lat": view.geometry.where.lat, "lon": view.geometry.where.lon},
        "resolve_by": view.resolve_by,
        "alert": alert.id,
    }


def thread_content(alert: Alert, live: v.LiveFigures | None, now_s: float) -> ThreadContent:
    """The hub's message to ``alert.party`` about its new alert (see the module)."""
    template: str | None = None
    fields: dict[str, Any] = {}
    view = alert.view
    match view:
        case v.ZoneEnteredView() | v.ZoneAheadView():
            template, fields = view.hotline.template, dict(view.hotline.fields)
        case v.TrackPairView():
            template, fields = "alert_track_conflict", _track_fields(alert, view, live, now_s)
        case v.OperationPairView() | v.OperationInZoneView() | v.ZoneOperationView():
            template, fields = "alert_operation_conflict", _operation_fields(alert, view)
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
