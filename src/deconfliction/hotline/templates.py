"""Structured hotline templates: their fields, and validation into a canonical form.

A structured message is a template name and fields; the reader's text comes from the
catalogue of the reader's language (:mod:`deconfliction.hotline.render`), so nothing depends
on translating free text. :func:`validate_fields` checks raw fields (parsed JSON) against a
template and returns them canonical and JSON-ready:

- times as RFC 3339 UTC text (input: RFC 3339 or unix seconds);
- durations in seconds (``*_s``; input may carry units: ``"2h"``), distances and altitudes in
  metres (``*_m``; ``"5nm"``, ``"1000ft"``);
- places as ``{"lat", "lon", "name"}`` objects; codes from fixed lists as text.

Canonical fields validate to themselves, so a stored message can be validated again when it
is rendered. Templates whose names start with ``alert_``, ``zone_`` or ``message_`` are the
hub's own (:data:`HUB_TEMPLATES`); parties send the others (:data:`PARTY_TEMPLATES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from deconfliction.errors import InvalidInput
from deconfliction.model.codec import dump
from deconfliction.model.message import MAX_PLACES, Channel
from deconfliction.model.party import DOMAINS, check_party_name
from deconfliction.model.place import Place
from deconfliction.model.text import check_text
from deconfliction.units import format_time, parse_distance_m, parse_duration_s, parse_time

MAX_FIELD_TEXT_LENGTH = 1000
MAX_IDS = 50
MAX_ID_LENGTH = 64
MIN_ALTITUDE_M = -1000.0  # below sea level exists (Dead Sea shore about -430 m)

# Fixed code lists: a reader gets each code in their own language.
HOLD_REQUESTS = ("hold", "turn_away")
HOLD_REASONS = (
    "conflicting_traffic",
    "active_operation",
    "protected_site",
    "humanitarian_movement",
    "emergency_response",
    "zone_closed",
    "hazard",
    "weather",
    "other",
)
ANSWERS = ("confirmed", "unable")
UNABLE_REASONS = (
    "not_understood",
    "not_our_traffic",
    "unsafe_to_comply",
    "no_authority",
    "no_contact",
    "other",
)
ZONE_RULES = ("no_entry", "notify_before_entry", "owner_only", "protected")
DOMAIN_CODES = tuple(domain.value for domain in DOMAINS)
CHANNEL_CODES = tuple(channel.value for channel in Channel)


class Kind(StrEnum):
    """What a template field holds."""

    TEXT = "text"  # a short free description, never translated
    ID = "id"  # one identifier: a track, zone, operation, alert or message id
    IDS = "ids"  # a list of identifiers (units, tracks)
    PARTY = "party"  # a party name
    PLACE = "place"  # one place
    PLACES = "places"  # one or more places, in order
    TIME = "time"  # a moment
    DURATION = "duration"  # seconds, >= 0
    DISTANCE = "distance"  # metres, >= 0
    ALTITUDE = "altitude"  # metres above mean sea level
    COUNT = "count"  # a whole number >= 0
    CHOICE = "choice"  # one code of a fixed list


@dataclass(frozen=True)
class FieldSpec:
    """One field of a template.

    ``codes`` names the code list of a choice (its words live in the catalogue under
    ``<codes>.<value>``); ``zero_word`` is the catalogue word shown for a zero duration.
    """

    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    codes: str = ""
    zero_word: str = ""
    nautical: bool = False  # distances also in nautical miles (air readers)


@dataclass(frozen=True)
class TemplateSpec:
    """A structured template: its fields and the rules that tie fields together."""

    name: str
    fields: tuple[FieldSpec, ...]
    at_least_one_of: tuple[str, ...] = ()
    exactly_one_of: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], list[str]] | None = None

    @property
    def by_name(self) -> dict[str, FieldSpec]:
        return {spec.name: spec for spec in self.fields}

    @property
    def hub_only(self) -> bool:
        return self.name in HUB_TEMPLATES


def _req(name: str, kind: Kind, **extra: Any) -> FieldSpec:
    return FieldSpec(name, kind, required=True, **extra)


def _opt(name: str, kind: Kind, **extra: Any) -> FieldSpec:
    return FieldSpec(name, kind, required=False, **extra)


def _choice(name: str, codes: str, choices: tuple[str, ...], required: bool) -> FieldSpec:
    return FieldSpec(name, Kind.CHOICE, required=required, choices=choices, codes=codes)


def _check_altitudes(fields: dict[str, Any]) -> list[str]:
    low, high = fields.get("altitude_min_m"), fields.get("altitude_max_m")
    if low is not None and high is not None and low > high:
        return [f"altitude_min_m ({low:g} m) is above altitude_max_m ({high:g} m)"]
    return []


def _check_crossing(fields: dict[str, Any]) -> list[str]:
    problems = _check_altitudes(fields)
    if fields.get("duration_s") == 0:
        problems.append("duration_s must be more than zero")
    if len(fields.get("route", ())) == 1:
        problems.append("a route needs at least two places; give one place as where")
    return problems


def _check_window(fields: dict[str, Any]) -> list[str]:
    if (
        "start" in fields
        and "end" in fields
        and parse_time(fields["start"]) > parse_time(fields["end"])
    ):
        return [f"end ({fields['end']}) is before start ({fields['start']})"]
    return []


def _check_confirmation(fields: dict[str, Any]) -> list[str]:
    if fields.get("answer") == "confirmed" and "reason" in fields:
        return ["reason is only given with the answer 'unable'"]
    return []


def _check_escalated(fields: dict[str, Any]) -> list[str]:
    if fields.get("escalations") == 0:
        return ["escalations must be at least 1 for an escalated message"]
    return []


_DOMAIN = _choice("domain", "domain", DOMAIN_CODES, required=False)
_ALERT = _opt("alert", Kind.ID)

_BASE_TEMPLATES = (
    TemplateSpec(
        "crossing_notice",
        (
            _opt("who", Kind.TEXT),
            _opt("tracks", Kind.IDS),
            _DOMAIN,
            _opt("where", Kind.PLACES),
            _opt("route", Kind.PLACES),
            _req("start", Kind.TIME),
            _req("duration_s", Kind.DURATION),
            _opt("altitude_min_m", Kind.ALTITUDE),
            _opt("altitude_max_m", Kind.ALTITUDE),
            _opt("zones", Kind.IDS),
        ),
        at_least_one_of=("who", "tracks"),
        exactly_one_of=("where", "route"),
        check=_check_crossing,
    ),
    TemplateSpec(
        "unsafe_encounter",
        (
            _req("where", Kind.PLACE),
            _req("time", Kind.TIME),
            _req("description", Kind.TEXT),
            _opt("tracks", Kind.IDS),
            _DOMAIN,
        ),
    ),
    TemplateSpec(
        "hold_or_turn_away",
        (
            _choice("request", "request", HOLD_REQUESTS, required=True),
            _req("where", Kind.PLACES),
            _req("until", Kind.TIME),
            _choice("reason", "reason", HOLD_REASONS, required=True),
            _opt("tracks", Kind.IDS),
        ),
    ),
    TemplateSpec(
        "confirmation",
        (
            _req("message", Kind.ID),
            _choice("answer", "answer", ANSWERS, required=True),
            _choice("reason", "unable_reason", UNABLE_REASONS, required=False),
        ),
        check=_check_confirmation,
    ),
    TemplateSpec(
        "alert_track_conflict",
        (
            _req("other_party", Kind.PARTY),
            _req("time_to_los_s", Kind.DURATION, zero_word="zero.los"),
            _req("closest_m", Kind.DISTANCE, nautical=True),
            _req("closest_time", Kind.TIME),
            _req("where", Kind.PLACE),
            _opt("own_track", Kind.ID),
            _opt("other_track", Kind.ID),
            _opt("vertical_m", Kind.DISTANCE),
            _ALERT,
        ),
    ),
    TemplateSpec(
        "alert_zone_incursion",
        (
            _req("zone", Kind.ID),
            _req("zone_owner", Kind.PARTY),
            _choice("rule", "rule", ZONE_RULES, required=True),
            _req("track", Kind.ID),
            _req("track_party", Kind.PARTY),
            _req("time_to_entry_s", Kind.DURATION, zero_word="zero.entry"),
            _req("where", Kind.PLACE),
            _ALERT,
        ),
    ),
    TemplateSpec(
        "alert_operation_conflict",
        (
            _req("other_party", Kind.PARTY),
            _req("own_operation", Kind.ID),
            # The hub does not name the other party's operation unless it is shared.
            _opt("other_operation", Kind.ID),
            _req("start", Kind.TIME),
            _req("end", Kind.TIME),
            _req("where", Kind.PLACE),
            _opt("resolve_by", Kind.PARTY),
            _ALERT,
        ),
        check=_check_window,
    ),
    TemplateSpec(
        "zone_unacknowledged",
        (
            _req("zone", Kind.ID),
            _req("zone_owner", Kind.PARTY),
            _choice("rule", "rule", ZONE_RULES, required=True),
            _req("party", Kind.PARTY),
            _req("declared", Kind.TIME),
            _req("waiting_s", Kind.DURATION),
            _opt("where", Kind.PLACE),
        ),
    ),
)
# An escalation names the template of the message that was not acknowledged.
SUBJECTS = ("text", *(spec.name for spec in _BASE_TEMPLATES), "message_escalated")
_ESCALATED = TemplateSpec(
    "message_escalated",
    (
        _req("party", Kind.PARTY),
        _req("message", Kind.ID),
        _choice("subject", "subject", SUBJECTS, required=True),
        _choice("channel", "channel", CHANNEL_CODES, required=True),
        _req("sent", Kind.TIME),
        _req("waiting_s", Kind.DURATION),
        _req("escalations", Kind.COUNT),
    ),
    check=_check_escalated,
)
TEMPLATES: Mapping[str, TemplateSpec] = MappingProxyType(
    {spec.name: spec for spec in (*_BASE_TEMPLATES, _ESCALATED)}
)
HUB_TEMPLATES = frozenset(
    name for name in TEMPLATES if name.startswith(("alert_", "zone_", "message_"))
)
PARTY_TEMPLATES = frozenset(TEMPLATES) - HUB_TEMPLATES


def template_spec(name: str) -> TemplateSpec:
    """The template called ``name``; raise with the list of templates otherwise."""
    spec = TEMPLATES.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InvalidInput(
            f"unknown template {name!r}; templates are " + ", ".join(sorted(TEMPLATES))
        )
    return spec


class _Bad(Exception):
    pass


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"must be a non-empty identifier, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise _Bad(f"is longer than {MAX_ID_LENGTH} characters")
    return _plain(value.strip(), multiline=False)


def _plain(value: str, *, multiline: bool) -> str:
    try:
        return check_text(value, "text", multiline=multiline)
    except InvalidInput as error:
        raise _Bad(error.message.removeprefix("text: ")) from None


def _number(value: Any, parse: Callable[[Any, str], float], what: str) -> float:
    try:
        return parse(value, what)
    except InvalidInput as error:
        raise _Bad(error.message.removeprefix(f"{what}: ")) from None


def _places(value: Any, what: str) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else None
    if not items:
        raise _Bad(f"must be a list of one or more places, got {value!r}")
    if len(items) > MAX_PLACES:
        raise _Bad(f"has more than {MAX_PLACES} places")
    return [_place(item, f"{what}[{i}]") for i, item in enumerate(items)]


def _place(value: Any, what: str) -> dict[str, Any]:
    try:
        place: dict[str, Any] = dump(Place.from_json(value, what))
        return place
    except InvalidInput as error:
        raise _Bad(error.message.removeprefix(f"{what}: ")) from None


def _canonical(spec: FieldSpec, value: Any) -> Any:
    name = spec.name
    match spec.kind:
        case Kind.TEXT:
            if not isinstance(value, str) or not value.strip():
                raise _Bad(f"must be non-empty text, got {value!r}")
            if len(value) > MAX_FIELD_TEXT_LENGTH:
                raise _Bad(f"is longer than {MAX_FIELD_TEXT_LENGTH} characters")
            return _plain(value.strip(), multiline=False)
        case Kind.ID:
            return _identifier(value)
        case Kind.IDS:
            if not isinstance(value, list) or not value:
                raise _Bad(f"must be a list of one or more identifiers, got {value!r}")
            if len(value) > MAX_IDS:
                raise _Bad(f"has more than {MAX_IDS} identifiers")
            return [_identifier(item) for item in value]
        case Kind.PARTY:
            try:
                return check_party_name(value)
            except InvalidInput as error:
                raise _Bad(error.message) from None
        case Kind.PLACE:
            return _place(value, name)
        case Kind.PLACES:
            return _places(value, name)
        case Kind.TIME:
            return format_time(_number(value, parse_time, name))
        case Kind.DURATION | Kind.DISTANCE | Kind.ALTITUDE:
            parse = parse_duration_s if spec.kind is Kind.DURATION else parse_distance_m
            number = _number(value, parse, name)
            floor = MIN_ALTITUDE_M if spec.kind is Kind.ALTITUDE else 0.0
            if number < floor:
                raise _Bad(f"must be at least {floor:g}, got {value!r}")
            return number
        case Kind.COUNT:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _Bad(f"must be a whole number of at least 0, got {value!r}")
            return value
        case Kind.CHOICE:
            if value not in spec.choices:
                raise _Bad(f"must be one of {', '.join(spec.choices)}; got {value!r}")
            return value
    raise AssertionError(spec.kind)  # pragma: no cover - every kind is matched above


def validate_fields(template: str, fields: Any) -> dict[str, Any]:
    """The fields of a ``template`` in canonical form; raise listing every problem.

    Raises :class:`~deconfliction.errors.InvalidInput` whose ``details`` hold one
    ``{"field", "problem"}`` per problem (a missing or unknown field, a wrong type, a value
    out of range, a rule between fields).

    >>> validate_fields("confirmation", {"message": "m-17", "answer": "confirmed"})
    {'message': 'm-17', 'answer': 'confirmed'}
    """
    spec = template_spec(template)
    if not isinstance(fields, Mapping):
        raise InvalidInput(f"{template}: fields must be an object, got {type(fields).__name__}")
    by_name = spec.by_name
    problems: list[dict[str, str]] = []
    out: dict[str, Any] = {}
    for key in fields:
        if key not in by_name:
            problems.append(
                {
                    "field": str(key),
                    "problem": f"unknown field; {template} has " + ", ".join(by_name),
                }
            )
    for field_spec in spec.fields:
        value = fields.get(field_spec.name)
        if value is None:
            if field_spec.required:
                problems.append({"field": field_spec.name, "problem": "is missing"})
            continue
        try:
            out[field_spec.name] = _canonical(field_spec, value)
        except _Bad as bad:
            problems.append({"field": field_spec.name, "problem": str(bad)})
    if spec.at_least_one_of and not any(
        fields.get(name) is not None for name in spec.at_least_one_of
    ):
        names = " or ".join(spec.at_least_one_of)
        problems.append({"field": names, "problem": f"give at least one of {names}"})
    if (
        spec.exactly_one_of
        and sum(fields.get(name) is not None for name in spec.exactly_one_of) != 1
    ):
        names = " or ".join(spec.exactly_one_of)
        problems.append({"field": names, "problem": f"give exactly one of {names}"})
    if not problems and spec.check is not None:
        problems.extend({"field": "", "problem": text} for text in spec.check(out))
    if problems:
        first = problems[0]
        where = f"field {first['field']!r} " if first["field"] else ""
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InvalidInput(f"{template}: {where}{first['problem']}{more}", details=problems)
    return out


def is_zero(value: Any) -> bool:
    """Whether a canonical number is zero (a duration that has already run out)."""
    return isinstance(value, int | float) and math.isclose(value, 0.0, abs_tol=1e-9)
