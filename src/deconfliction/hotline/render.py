"""Render hotline messages for one reader: their language, their time zone.

Structured messages come out of the reader's catalogue, so a crossing notice written by an
English-speaking desk reads in Russian or Arabic without any translation of free text; free
text is shown as written, with its language named when known.

What every reader sees the same way, whatever their language:

- places in decimal degrees and MGRS (see :mod:`deconfliction.model.place`), with the
  name when given;
- times in UTC, with the reader's local time (IANA zone) beside them:
  ``2024-05-01 12:00 UTC (local 15:00 UTC+03:00 Europe/Moscow)``;
- numbers in ASCII digits with a ``.`` decimal point, so the same figure can be read back
  over a radio or copied into a tool by either party; units are words of the reader's
  language (metres and kilometres; air distances in nautical miles as well; altitudes in
  metres and feet).

Arabic (and any right-to-left catalogue) needs no shaping, only Unicode; left-to-right data
inside it (coordinates, MGRS, identifiers, times) is wrapped in LRI...PDI isolates and
user-written text in FSI...PDI, so a bidi-aware display keeps each in its own order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deconfliction.errors import InvalidInput
from deconfliction.hotline.catalogue import Catalogue, Direction, placeholders
from deconfliction.hotline.lang import CATALOGUES, FALLBACK_LANGUAGE
from deconfliction.hotline.templates import FieldSpec, Kind, template_spec, validate_fields
from deconfliction.model.message import HUB_SENDER, Message, Priority
from deconfliction.model.place import Place
from deconfliction.units import FT_M, NM_M, format_time, parse_time

_LRI, _FSI, _PDI = "\u2066", "\u2068", "\u2069"
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu"})
_SLOT = "\x00"  # where a lone place goes in its heading line
_KM_FROM_M = 10_000.0  # from 10 km on, distances read in km


@dataclass(frozen=True)
class RenderedMessage:
    """A message as one reader sees it: a title and body lines in ``language``.

    ``language`` is the catalogue used: the reader's, or English when the reader's language
    has no catalogue yet. ``direction`` is ``"rtl"`` for Arabic.
    """

    language: str
    direction: Direction
    title: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """Title and lines, one per line."""
        return "\n".join((self.title, *self.lines))


def check_timezone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (``Europe/Moscow``); raise if there is none."""
    if not isinstance(name, str) or not name.strip() or name.startswith(("/", ".")):
        raise InvalidInput(f"time zone {name!r} is not an IANA name such as Europe/Moscow")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Moscow or Asia/Damascus"
        ) from None


def catalogue_for(language: str) -> Catalogue:
    """The catalogue for ``language`` (``ru``, ``ru-RU``), or English if there is none."""
    base = language.split("-")[0].split("_")[0].lower() if isinstance(language, str) else ""
    return CATALOGUES.get(base) or CATALOGUES[FALLBACK_LANGUAGE]


class _Reader:
    """Formatting for one catalogue and time zone (a short-lived helper, no state kept)."""

    def __init__(self, catalogue: Catalogue, timezone: str) -> None:
        self.catalogue = catalogue
        self.zone_name = timezone
        self.zone = check_timezone(timezone)
        self.rtl = catalogue.direction == "rtl"

    def word(self, key: str, **values: str) -> str:
        return self.catalogue.words[key].format(**values)

    def ltr(self, text: str) -> str:
        return f"{_LRI}{text}{_PDI}" if self.rtl else text

    def user_text(self, text: str) -> str:
        return f"{_FSI}{text}{_PDI}" if self.rtl else text

    def time(self, unix_s: float) -> str:
        utc = datetime.fromtimestamp(unix_s, tz=UTC)
        text = self.ltr(f"{_clock(utc, with_date=True)} UTC")
        if self.zone_name in _UTC_ZONES:
            return text
        local = utc.astimezone(self.zone)
        offset = local.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "-" if minutes < 0 else "+"
        zone = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        shown = _clock(local, with_date=local.date() != utc.date())
        return (
            f"{text} ({self.word('time.local', time=self.ltr(f'{shown} {zone} {self.zone_name}'))})"
        )

    def duration(self, seconds: float) -> str:
        total = round(seconds)
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        parts = [
            f"{value} {self.word(unit)}"
            for value, unit in ((hours, "unit.h"), (minutes, "unit.min"), (secs, "unit.s"))
            if value
        ]
        return " ".join(parts) or f"0 {self.word('unit.s')}"

    def distance(self, metres: float, nautical: bool) -> str:
        if metres >= _KM_FROM_M:
            text = f"{metres / 1000:.1f} {self.word('unit.km')}"
        else:
            text = f"{metres:.0f} {self.word('unit.m')}"
        if nautical:
            nm = metres / NM_M
            text += f" ({nm:.{1 if nm >= 10 else 2}f} {self.word('unit.nm')})"
        return text

    def altitude(self, metres: float) -> str:
        return f"{metres:.0f} {self.word('unit.m')} ({metres / FT_M:.0f} {self.word('unit.ft')})"

    def place(self, place: Place) -> str:
        mgrs = place.mgrs()
        values = {"degrees": self.ltr(place.degrees())}
        if mgrs is not None:
            values["mgrs"] = self.ltr(mgrs)
        key = "place.named" if place.name is not None else "place.unnamed"
        if place.name is not None:
            values["name"] = self.user_text(place.name)
        return self.word(key if mgrs is not None else f"{key}_no_mgrs", **values)

    def places_block(self, heading: str, places: list[str]) -> list[str]:
        """``Where: X`` for one place; the heading, then numbered lines, for several.

        ``heading`` holds :data:`_SLOT` where a single place goes.
        """
        if len(places) == 1:
            return [heading.replace(_SLOT, places[0])]
        numbered = (f"  {i}. {place}" for i, place in enumerate(places, 1))
        return [heading.replace(_SLOT, "").rstrip(), *numbered]

    def value(self, spec: FieldSpec, value: Any) -> str | list[str]:
        match spec.kind:
            case Kind.TEXT:
                return self.user_text(str(value))
            case Kind.ID | Kind.PARTY:
                return self.ltr(str(value))
            case Kind.IDS:
                return self.word("list.separator").join(self.ltr(str(v)) for v in value)
            case Kind.PLACE:
                return [self.place(Place.from_json(value))]
            case Kind.PLACES:
                return [self.place(Place.from_json(item)) for item in value]
            case Kind.TIME:
                return self.time(parse_time(value))
            case Kind.DURATION:
                if spec.zero_word and round(value) == 0:
                    return self.word(spec.zero_word)
                return self.duration(value)
            case Kind.DISTANCE:
                return self.distance(value, spec.nautical)
            case Kind.ALTITUDE:
                return self.altitude(value)
            case Kind.COUNT:
                return str(value)
            case Kind.CHOICE:
                if spec.codes == "subject" and value != "text":
                    return self.catalogue.templates[value].name
                return self.word(f"{spec.codes}.{value}")
        raise AssertionError(spec.kind)  # pragma: no cover - every kind is matched above

    def fill(self, pattern: str, values: Mapping[str, str | list[str]]) -> list[str]:
        """The line(s) of one pattern, or none when a field it names is absent."""
        names = placeholders(pattern)
        if not names <= values.keys():
            return []
        listed = [name for name in names if isinstance(values[name], list)]
        flat = {name: v for name, v in values.items() if isinstance(v, str)}
        if not listed:
            return [pattern.format(**flat)]
        (name,) = listed  # catalogues put at most one place list on a line (tested)
        items = values[name]
        assert isinstance(items, list)
        return self.places_block(pattern.format(**{**flat, name: _SLOT}), items)


def _clock(moment: datetime, *, with_date: bool) -> str:
    clock = moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
    return f"{moment:%Y-%m-%d} {clock}" if with_date else clock


def _crossing_end(fields: dict[str, Any]) -> dict[str, Any]:
    return {"end": format_time(parse_time(fields["start"]) + fields["duration_s"])}


# Values readers need that a template computes from its fields rather than asks for.
_DERIVED: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "crossing_notice": _crossing_end,
}
_DERIVED_SPECS = {"end": FieldSpec("end", Kind.TIME)}


def _render_fields(
    reader: _Reader, template: str, fields: Any, *, validated: bool = False
) -> tuple[str, list[str]]:
    """Title and lines; ``validated`` fields (a message's, made canonical when it was
    drafted) are not validated again."""
    spec = template_spec(template)
    canonical: dict[str, Any] = fields if validated else validate_fields(template, fields)
    derived = _DERIVED[template](canonical) if template in _DERIVED else {}
    specs = {**spec.by_name, **_DERIVED_SPECS}
    values = {
        name: reader.value(specs[name], value) for name, value in {**canonical, **derived}.items()
    }
    text = reader.catalogue.templates[template]
    title_lines = reader.fill(text.title, values)
    title = title_lines[0] if title_lines else text.name
    lines = [line for pattern in text.lines for line in reader.fill(pattern, values)]
    return title, lines


def render(template: str, fields: Any, *, language: str, timezone: str) -> RenderedMessage:
    """A structured message rendered for a reader of ``language`` in ``timezone``.

    ``fields`` may be raw (as sent) or canonical (as stored); they are validated first, so
    an invalid message raises :class:`~deconfliction.errors.InvalidInput` rather than
    rendering half.

    >>> msg = render("confirmation", {"message": "m-17", "answer": "confirmed"},
    ...              language="ru", timezone="Europe/Moscow")
    >>> msg.title
    'Ответ на сообщение m-17: ПОДТВЕРЖДАЮ'
    """
    reader = _Reader(catalogue_for(language), timezone)
    title, lines = _render_fields(reader, template, fields)
    return _rendered(reader, title, lines)


def render_text(
    text: str, *, text_language: str | None, language: str, timezone: str
) -> RenderedMessage:
    """Free text for a reader: as written, never translated, its language named if known."""
    reader = _Reader(catalogue_for(language), timezone)
    return _rendered(
        reader, reader.word("free_text.title"), _free_text_lines(reader, text, text_language)
    )


def _free_text_lines(reader: _Reader, text: str, text_language: str | None) -> list[str]:
    if text_language is None:
        note = reader.word("free_text.unknown_language")
    else:
        name = reader.catalogue.words.get(f"language.{text_language}", text_language)
        note = reader.word("free_text.language", language=name)
    return [note, *(reader.user_text(line) for line in text.splitlines())]


def render_message(message: Message, *, language: str, timezone: str) -> RenderedMessage:
    """A hotline message for one reader: who sent it, on which channel, when it is due,
    its escalation if any, the text or template, and its places."""
    reader = _Reader(catalogue_for(language), timezone)
    if message.template is not None:
        title, body = _render_fields(reader, message.template, message.fields, validated=True)
    else:
        title = reader.word("free_text.title")
        body = _free_text_lines(reader, message.text or "", message.text_language)
    if message.priority is not Priority.ROUTINE:
        title = f"{reader.word(f'priority.{message.priority.value}')}: {title}"
    sender = reader.word("hub") if message.sender == HUB_SENDER else reader.ltr(message.sender)
    header = [
        reader.word("header.from", sender=sender),
        reader.word("header.channel", channel=reader.word(f"channel.{message.current_channel}")),
        reader.word("header.priority", priority=reader.word(f"priority.{message.priority}")),
        reader.word("header.sent", time=reader.time(message.created_s)),
    ]
    if message.ack_due_s is not None and not message.acknowledged:
        header.append(reader.word("header.ack_due", time=reader.time(message.ack_due_s)))
    if message.escalations and message.ack_due_s is not None:
        header.append(
            reader.word(
                "header.escalated",
                channel=reader.word(f"channel.{message.channel}"),
                time=reader.time(message.ack_due_s),
                count=str(message.escalations),
            )
        )
    places = [reader.place(place) for place in message.places]
    tail = reader.places_block(f"{reader.word('header.places')} {_SLOT}", places) if places else []
    return _rendered(reader, title, [*header, *body, *tail])


def _rendered(reader: _Reader, title: str, lines: list[str]) -> RenderedMessage:
    return RenderedMessage(
        language=reader.catalogue.language,
        direction=reader.catalogue.direction,
        title=title,
        lines=tuple(lines),
    )
