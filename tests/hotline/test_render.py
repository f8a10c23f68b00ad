"""Rendering for a reader: their language, places in degrees and MGRS, UTC and local time."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from deconfliction.errors import InvalidInput
from deconfliction.hotline.render import (
    check_timezone,
    render,
    render_message,
    render_text,
)
from deconfliction.hotline.templates import TEMPLATES, Kind, validate_fields
from deconfliction.model import (
    HUB_SENDER,
    Channel,
    Message,
    Priority,
    acknowledge,
    escalation_step,
)
from deconfliction.model.codec import dump
from deconfliction.model.place import Place

Examples = dict[str, dict[str, Any]]
NOON_S = 1_714_564_800.0  # 2024-05-01T12:00:00Z
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
CYRILLIC = re.compile("[А-Яа-яЁё]")
ARABIC = re.compile("[\u0600-\u06ff]")
READERS = [
    ("en", "UTC"),
    ("ru", "Europe/Moscow"),
    ("ar", "Asia/Damascus"),
    ("fr", "Europe/Paris"),
]


def crossing_notice_from_an_english_desk() -> Message:
    fields = {
        "who": "Two firefighting helicopters",
        "tracks": ["FF-21", "FF-22"],
        "domain": "air",
        "where": [{"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}],
        "start": "2024-05-01T12:00:00Z",
        "duration_s": "45min",
    }
    return Message(
        id="m-1",
        thread_id="t-1",
        sender="blue",
        recipient="red",
        channel=Channel.AIR,
        priority=Priority.URGENT,
        created_s=NOON_S - 600,
        template="crossing_notice",
        fields=validate_fields("crossing_notice", fields),
        ack_due_s=NOON_S - 480,
    )


def test_crossing_notice_from_english_party_reads_in_russian(
    by_hand: Callable[..., str],
) -> None:
    message = crossing_notice_from_an_english_desk()
    mgrs = by_hand(35.33, 40.14)  # pyproj UTM and the letter tables, not the mgrs package

    english = render_message(message, language="en", timezone="Europe/London")
    russian = render_message(message, language="ru", timezone="Europe/Moscow")

    assert english.language == "en"
    assert f"Where: Tal Hamis: 35.33000°N 40.14000°E, MGRS {mgrs}" in english.lines
    assert russian.language == "ru"
    assert russian.title == "СРОЧНО: Уведомление о пересечении"
    assert russian.lines == (
        "От: blue",
        "Канал: воздушный",
        "Приоритет: СРОЧНО",
        "Отправлено: 2024-05-01 11:50 UTC (местное 14:50 UTC+03:00 Europe/Moscow)",
        "Подтвердить до: 2024-05-01 11:52 UTC (местное 14:52 UTC+03:00 Europe/Moscow)",
        "Кто (как написано): Two firefighting helicopters",
        "Подразделения/треки: FF-21, FF-22",
        "Среда: воздух",
        f"Где: Tal Hamis: 35.33000°N 40.14000°E, MGRS {mgrs}",
        "Начало: 2024-05-01 12:00 UTC (местное 15:00 UTC+03:00 Europe/Moscow)",
        "Продолжительность: 45 мин",
        "Окончание: 2024-05-01 12:45 UTC (местное 15:45 UTC+03:00 Europe/Moscow)",
    )
    # Every label is Russian; only the free text the sender wrote stays in English.
    assert all(CYRILLIC.search(line.split(":")[0]) for line in russian.lines)
    assert "Start" not in russian.text
    assert "Where" not in russian.text


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize(("language", "timezone"), READERS)
def test_each_template_in_each_language(
    name: str, language: str, timezone: str, examples: Examples, by_hand: Callable[..., str]
) -> None:
    rendered = render(name, examples[name], language=language, timezone=timezone)
    english = render(name, examples[name], language="en", timezone="UTC")
    assert rendered.language == language
    assert rendered.direction == ("rtl" if language == "ar" else "ltr")
    assert len(rendered.lines) == len(english.lines)  # nothing dropped in translation
    latin = re.compile("[A-Za-zÀ-ÿ]")
    script = {"en": latin, "fr": latin, "ru": CYRILLIC, "ar": ARABIC}[language]
    assert script.search(rendered.title)
    for line in rendered.lines:
        if not line.startswith("  "):  # numbered places under a heading carry no words
            assert script.search(line), line
    spec = TEMPLATES[name]
    if any(f.kind in (Kind.PLACE, Kind.PLACES) for f in spec.fields if f.name in examples[name]):
        assert by_hand(35.33, 40.14) in rendered.text
        assert "35.33000°N 40.14000°E" in rendered.text
    if any(f.kind is Kind.TIME for f in spec.fields):
        assert " UTC" in rendered.text
        if timezone == "UTC":  # no local time beside UTC for a reader who keeps UTC
            assert not re.search(r"UTC[+-]\d\d:\d\d", rendered.text)
        else:
            assert re.search(rf"UTC[+-]\d\d:\d\d {timezone}", rendered.text)


def test_alert_track_conflict_in_english(examples: Examples) -> None:
    rendered = render(
        "alert_track_conflict", examples["alert_track_conflict"], language="en", timezone="UTC"
    )
    assert rendered.title == "ALERT: predicted loss of separation with red"
    assert rendered.lines == (
        "Other party: red",
        "Your track: B-1",
        "Their track: R-9",
        "Time to loss of separation: 45 s",
        "Closest approach: 850 m (0.46 NM) at 2024-05-01 12:01:10 UTC",
        "Vertical separation at closest approach: 61 m",
        "Where: Tal Hamis: 35.33000°N 40.14000°E, MGRS 37S FV 03609 10235",
        "Alert: a-5",
    )


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"time_to_los_s": 0}, "Time to loss of separation: none: separation is already lost"),
        ({"time_to_los_s": 3725}, "Time to loss of separation: 1 h 2 min 5 s"),
        ({"time_to_los_s": "2min"}, "Time to loss of separation: 2 min"),
        ({"closest_m": 12_500}, "Closest approach: 12.5 km (6.75 NM) at 2024-05-01 12:01:10 UTC"),
        ({"closest_m": "12nm"}, "Closest approach: 22.2 km (12.0 NM) at 2024-05-01 12:01:10 UTC"),
        ({"closest_m": "5nm"}, "Closest approach: 9260 m (5.00 NM) at 2024-05-01 12:01:10 UTC"),
    ],
)
def test_numbers_and_units(examples: Examples, changes: dict[str, Any], line: str) -> None:
    fields = {**examples["alert_track_conflict"], **changes}
    assert line in render("alert_track_conflict", fields, language="en", timezone="UTC").lines


@pytest.mark.parametrize(
    ("when", "timezone", "shown"),
    [
        ("2024-05-01T12:00:00Z", "UTC", "2024-05-01 12:00 UTC"),
        ("2024-05-01T12:00:00Z", "Etc/UTC", "2024-05-01 12:00 UTC"),
        (
            "2024-05-01T22:30:00Z",  # the local date is the next day
            "Europe/Moscow",
            "2024-05-01 22:30 UTC (local 2024-05-02 01:30 UTC+03:00 Europe/Moscow)",
        ),
        (
            "2024-01-15T12:00:05Z",  # seconds only when there are some
            "America/New_York",
            "2024-01-15 12:00:05 UTC (local 07:00:05 UTC-05:00 America/New_York)",
        ),
        (
            "2024-07-15T12:00:00Z",  # summer time
            "America/New_York",
            "2024-07-15 12:00 UTC (local 08:00 UTC-04:00 America/New_York)",
        ),
        (
            "2024-07-15T12:00:00Z",
            "Asia/Kolkata",
            "2024-07-15 12:00 UTC (local 17:30 UTC+05:30 Asia/Kolkata)",
        ),
    ],
)
def test_times_in_utc_with_local_time(when: str, timezone: str, shown: str) -> None:
    fields = {
        "zone": "z",
        "zone_owner": "blue",
        "rule": "no_entry",
        "party": "red",
        "declared": when,
        "waiting_s": 60,
    }
    rendered = render("zone_unacknowledged", fields, language="en", timezone=timezone)
    assert f"Declared: {shown}" in rendered.lines


def test_damascus_local_time_in_arabic() -> None:
    fields = {"message": "m-1", "answer": "confirmed"}
    assert render("confirmation", fields, language="ar", timezone="Asia/Damascus").lines == (
        f"الرسالة: {LRI}m-1{PDI}",
        "الرد: مؤكَّد",
    )
    rendered = render_message(
        crossing_notice_from_an_english_desk(), language="ar", timezone="Asia/Damascus"
    )
    start = next(line for line in rendered.lines if line.startswith("البداية"))
    assert start == (
        f"البداية: {LRI}2024-05-01 12:00 UTC{PDI} "
        f"(بالتوقيت المحلي {LRI}15:00 UTC+03:00 Asia/Damascus{PDI})"
    )


def test_arabic_isolates_left_to_right_data(by_hand: Callable[..., str]) -> None:
    rendered = render_message(crossing_notice_from_an_english_desk(), language="ar", timezone="UTC")
    assert rendered.direction == "rtl"
    assert f"{LRI}{by_hand(35.33, 40.14)}{PDI}" in rendered.text
    assert f"{LRI}35.33000°N 40.14000°E{PDI}" in rendered.text
    assert f"{FSI}Tal Hamis{PDI}" in rendered.text
    assert f"{FSI}Two firefighting helicopters{PDI}" in rendered.text
    assert "المدة: 45 د" in rendered.lines
    english = render_message(crossing_notice_from_an_english_desk(), language="en", timezone="UTC")
    assert not set(english.text) & {LRI, FSI, PDI}  # left-to-right readers get plain text


def test_several_places_are_numbered(by_hand: Callable[..., str]) -> None:
    where = [{"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}, {"lat": 35.5, "lon": 40.5}]
    fields = {"request": "hold", "until": NOON_S, "reason": "protected_site", "where": where}
    rendered = render("hold_or_turn_away", fields, language="en", timezone="UTC")
    assert rendered.title == "Request: hold position"
    assert rendered.lines[:3] == (
        "Where:",
        f"  1. Tal Hamis: 35.33000°N 40.14000°E, MGRS {by_hand(35.33, 40.14)}",
        f"  2. 35.50000°N 40.50000°E, MGRS {by_hand(35.5, 40.5)}",
    )
    assert "Reason: protected site (hospital, camp, convoy halt)" in rendered.lines


def test_route_and_altitudes(examples: Examples) -> None:
    fields = {**examples["crossing_notice"], "route": examples["crossing_notice"]["where"]}
    del fields["where"]
    lines = render("crossing_notice", fields, language="en", timezone="UTC").lines
    assert "Route:" in lines
    assert "Where:" not in lines
    assert "Lowest altitude: 152 m (500 ft)" in lines
    assert "Highest altitude: 1500 m (4921 ft)" in lines


def test_polar_places_say_there_is_no_mgrs() -> None:
    fields = {"where": {"lat": 85.2, "lon": 10.0}, "time": NOON_S, "description": "x"}
    en = render("unsafe_encounter", fields, language="en", timezone="UTC")
    ru = render("unsafe_encounter", fields, language="ru", timezone="UTC")
    assert "Where: 85.20000°N 10.00000°E (no MGRS in polar regions)" in en.lines
    assert "Где: 85.20000°N 10.00000°E (MGRS в полярных районах не даётся)" in ru.lines


def test_free_text_is_never_translated() -> None:
    rendered = render_text(
        "Прошу подтвердить.\nСпасибо.", text_language="ru", language="en", timezone="UTC"
    )
    assert rendered.title == "Message"
    assert rendered.lines == (
        "Free text in Russian, as written (not translated)",
        "Прошу подтвердить.",
        "Спасибо.",
    )
    unknown = render_text("hello", text_language=None, language="ru", timezone="UTC")
    assert unknown.lines == ("Свободный текст, как написано (без перевода)", "hello")
    odd = render_text("bonjour", text_language="xx", language="en", timezone="UTC")
    assert odd.lines[0] == "Free text in xx, as written (not translated)"


def test_message_from_the_hub_escalated_with_places() -> None:
    message = Message(
        id="m-9",
        thread_id="alert-5",
        sender=HUB_SENDER,
        recipient="red",
        channel=Channel.GROUND,
        priority=Priority.FLASH,
        created_s=NOON_S,
        text="Convoy halted at the bridge",
        text_language="en",
        places=(Place(35.33, 40.14, "Bridge"), Place(35.5, 40.5)),
        ack_due_s=NOON_S + 60,
    )
    escalated, _ = escalation_step(message, NOON_S + 60, repeat_interval_s=30)
    rendered = render_message(escalated, language="en", timezone="UTC")
    assert rendered.title == "FLASH: Message"
    assert rendered.lines[:7] == (
        "From: the deconfliction hub",
        "Channel: command",
        "Priority: FLASH",
        "Sent: 2024-05-01 12:00 UTC",
        "Acknowledge by: 2024-05-01 12:01 UTC",
        "ESCALATED: not acknowledged on the ground channel by 2024-05-01 12:01 UTC "
        "(escalation number 1)",
        "Free text in English, as written (not translated)",
    )
    assert rendered.lines[7:] == (
        "Convoy halted at the bridge",
        "Places:",
        "  1. Bridge: 35.33000°N 40.14000°E, MGRS 37S FV 03609 10235",
        "  2. 35.50000°N 40.50000°E, MGRS 37S FV 36044 29527",
    )
    done = render_message(acknowledge(escalated, "red", NOON_S + 70), language="en", timezone="UTC")
    assert not any(line.startswith("Acknowledge by") for line in done.lines)
    routine = render_message(
        replace(message, priority=Priority.ROUTINE), language="en", timezone="UTC"
    )
    assert routine.title == "Message"


def test_escalation_notice_names_the_subject_in_the_readers_language(examples: Examples) -> None:
    rendered = render(
        "message_escalated", examples["message_escalated"], language="ru", timezone="UTC"
    )
    assert rendered.title == "ЭСКАЛАЦИЯ: сообщение m-17 не подтверждено стороной red"
    assert "Сообщение: m-17 (Уведомление о пересечении)" in rendered.lines
    assert "Без подтверждения: 1 мин 35 с" in rendered.lines
    text = {**examples["message_escalated"], "subject": "text"}
    lines = render("message_escalated", text, language="en", timezone="UTC").lines
    assert "Message: m-17 (free-text message)" in lines


@pytest.mark.parametrize(("asked", "used"), [("uk", "en"), ("ru-RU", "ru"), ("AR", "ar")])
def test_language_fallback(asked: str, used: str) -> None:
    fields = {"message": "m-1", "answer": "confirmed"}
    assert render("confirmation", fields, language=asked, timezone="UTC").language == used


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime"])
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        check_timezone(name)
    with pytest.raises(InvalidInput, match="time zone"):
        render("confirmation", {"message": "m", "answer": "unable"}, language="en", timezone=name)


def test_invalid_fields_are_refused_not_half_rendered() -> None:
    with pytest.raises(InvalidInput, match="field 'answer' is missing"):
        render("confirmation", {"message": "m-1"}, language="ru", timezone="UTC")


def test_rendered_message_as_json() -> None:
    fields = {"message": "m-1", "answer": "unable"}
    rendered = render("confirmation", fields, language="en", timezone="UTC")
    assert dump(rendered) == {
        "language": "en",
        "direction": "ltr",
        "title": "Reply to message m-1: UNABLE",
        "lines": ["Message: m-1", "Answer: UNABLE"],
    }
    assert rendered.text == "Reply to message m-1: UNABLE\nMessage: m-1\nAnswer: UNABLE"
