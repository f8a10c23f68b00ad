"""The hotline through the API: sending, the streams of both sides, escalation with a
manual clock, acknowledgement, permissions, rendering in Russian, listing and statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deconfliction.model import Agreement
from tests.conftest import Deployment
from tests.scenarios import TAL_HAMIS, crossing_notice

FLASH = {"to": "red", "channel": "air", "priority": "flash", "text": "Climbing to FL120 now"}


@pytest.fixture
def d(deploy: Callable[..., Deployment]) -> Deployment:
    """blue (English, UTC) and red (Russian, Moscow) with an agreement; green has none."""
    deployment = deploy("blue", "red", "green", red="ru")
    deployment.hub.update_party("red", timezone="Europe/Moscow")
    deployment.hub.set_agreement(Agreement("blue", "red"))
    return deployment


def send(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/messages", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_flash_unacknowledged_escalates_and_the_senders_stream_shows_it(d: Deployment) -> None:
    blue = d.client("blue")
    with blue.websocket_connect("/v1/stream?after=0") as ws:
        sent = send(blue, **FLASH)
        assert sent["state"] == "sent" and sent["ack_due"] == "2026-11-23T10:01:00Z"
        assert (sent["recipient_desks"], sent["recipient_webhook"]) == (0, False)
        first = ws.receive_json()
        assert (first["kind"], first["data"]["message"]["id"]) == ("message.sent", sent["id"])
        d.clock.advance(61)
        d.hub.tick()
        overdue, escalated = ws.receive_json(), ws.receive_json()
        assert overdue["kind"] == "message.overdue"
        assert escalated["kind"] == "message.escalated"
        assert escalated["data"]["channel"] == "command"
        assert escalated["data"]["message"]["current_channel"] == "command"
        assert escalated["data"]["notice"]["title"] == (
            f"ESCALATED: red has not acknowledged message {sent['id']}"
        )
        d.clock.advance(120)
        d.hub.tick()
        assert ws.receive_json()["kind"] == "message.repeated"
    red_sees = d.client("red").get(f"/v1/messages/{sent['id']}").json()
    assert red_sees["state"] == "escalated" and red_sees["escalations"] == 2
    assert [step["kind"] for step in red_sees["history"]] == [
        "sent",
        "overdue",
        "escalated",
        "repeated",
    ]


def test_an_acknowledgement_stops_the_escalation(d: Deployment) -> None:
    blue, red = d.client("blue"), d.client("red")
    sent = send(blue, **FLASH)
    d.clock.advance(61)
    d.hub.tick()
    answer = red.post(f"/v1/messages/{sent['id']}/ack")
    assert answer.status_code == 200
    assert answer.json()["state"] == "acknowledged"
    assert answer.json()["history"][-1]["by"] == "red"
    seq = d.hub.last_event_seq("blue")
    d.clock.advance(3600)
    d.hub.tick()
    assert d.hub.last_event_seq("blue") == seq
    with blue.websocket_connect("/v1/stream?after=0") as ws:
        kinds = [ws.receive_json()["kind"] for _ in range(seq)]
    assert kinds == ["message.sent", "message.overdue", "message.escalated", "message.acknowledged"]


def test_delivered_once_a_desk_of_the_recipient_has_it(d: Deployment) -> None:
    blue, red = d.client("blue"), d.client("red")
    with red.websocket_connect("/v1/stream") as red_ws, blue.websocket_connect("/v1/stream") as ws:
        sent = send(blue, **FLASH)
        assert sent["recipient_desks"] == 1
        got = red_ws.receive_json()
        assert got["kind"] == "message.received"
        assert got["data"]["message"]["rendered"]["title"] == "МОЛНИЯ: Сообщение"
        assert ws.receive_json()["kind"] == "message.sent"
        delivered = ws.receive_json()
        assert delivered["kind"] == "message.delivered"
        assert delivered["data"]["via"] == "stream"
        assert delivered["data"]["message"]["state"] == "delivered"


def test_a_desk_catching_up_delivers_what_it_missed(d: Deployment) -> None:
    sent = send(d.client("blue"), **FLASH)
    with d.client("red").websocket_connect("/v1/stream?after=0") as ws:
        assert ws.receive_json()["data"]["message"]["id"] == sent["id"]
    with d.client("blue").websocket_connect("/v1/stream?after=1") as ws:
        assert ws.receive_json()["kind"] == "message.delivered"


@pytest.mark.parametrize(
    ("party", "body", "status", "message"),
    [
        (
            "blue",
            {"to": "green", "channel": "air", "text": "x"},
            403,
            "'blue' has no agreement with 'green': hotline messages go only to parties you "
            "have an agreement with (the hub's administrator records them)",
        ),
        (
            "blue",
            {
                "to": "red",
                "channel": "air",
                "template": "message_escalated",
                "fields": {"party": "red"},
            },
            403,
            "template 'message_escalated' is sent by the hub only; parties send confirmation, "
            "crossing_notice, hold_or_turn_away, unsafe_encounter",
        ),
        (
            "blue",
            {"to": "red", "channel": "air", "text": "x", "template": "confirmation"},
            422,
            "give either free text (text) or a template, not both or neither",
        ),
        (
            "blue",
            {"to": "red", "channel": "radio", "text": "x"},
            422,
            "channel: Input should be 'air', 'ground' or 'command'",
        ),
        (
            "admin",
            {"to": "red", "channel": "air", "text": "x"},
            403,
            "this needs a party's token; the admin token has no picture",
        ),
    ],
)
def test_refusals_say_why(
    d: Deployment, party: str, body: dict[str, Any], status: int, message: str
) -> None:
    response = d.client(party).post("/v1/messages", json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def test_invalid_template_fields_come_back_one_per_problem(d: Deployment) -> None:
    response = d.client("blue").post(
        "/v1/messages",
        json={
            "to": "red",
            "channel": "air",
            "template": "crossing_notice",
            "fields": crossing_notice(duration_s="-5min", colour="green"),
        },
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_input"
    assert {item["field"] for item in error["details"]} == {"colour", "duration_s"}


def test_only_the_recipient_acknowledges(d: Deployment) -> None:
    sent = send(d.client("blue"), **FLASH)
    by_sender = d.client("blue").post(f"/v1/messages/{sent['id']}/ack")
    assert by_sender.status_code == 403
    assert by_sender.json()["error"]["message"] == (
        f"message {sent['id']!r} is for 'red'; only that party can acknowledge it, not 'blue'"
    )
    by_stranger = d.client("green").post(f"/v1/messages/{sent['id']}/ack")
    assert by_stranger.status_code == 404
    assert d.client("green").get(f"/v1/messages/{sent['id']}").status_code == 404


def test_a_crossing_notice_reads_in_russian_with_moscow_time_and_mgrs(
    d: Deployment, by_hand: Callable[..., str]
) -> None:
    sent = send(
        d.client("blue"),
        to="red",
        channel="air",
        priority="urgent",
        template="crossing_notice",
        fields=crossing_notice(who="Two firefighting helicopters"),
    )
    assert sent["rendered"]["language"] == "en"
    mgrs = by_hand(35.33, 40.14)
    assert f"Where: Tal Hamis: 35.33000°N 40.14000°E, MGRS {mgrs}" in sent["rendered"]["lines"]
    red = d.client("red").get(f"/v1/messages/{sent['id']}").json()
    rendered = red["rendered"]
    assert (rendered["language"], rendered["direction"]) == ("ru", "ltr")
    assert rendered["title"] == "СРОЧНО: Уведомление о пересечении"
    lines = rendered["lines"]
    assert "Отправлено: 2026-11-23 10:00 UTC (местное 13:00 UTC+03:00 Europe/Moscow)" in lines
    assert "Подтвердить до: 2026-11-23 10:05 UTC (местное 13:05 UTC+03:00 Europe/Moscow)" in lines
    assert "Начало: 2026-11-23 10:10 UTC (местное 13:10 UTC+03:00 Europe/Moscow)" in lines
    assert "Кто (как написано): Two firefighting helicopters" in lines
    assert "Пересекаемые зоны: z-1" in lines
    assert f"Где: Tal Hamis: 35.33000°N 40.14000°E, MGRS {mgrs}" in lines
    assert red["fields"]["start"] == "2026-11-23T10:10:00Z"


def test_free_text_with_places(d: Deployment) -> None:
    sent = send(
        d.client("blue"),
        to="red",
        channel="ground",
        text="Convoy halted",
        text_language="en",
        places=[TAL_HAMIS, {"lat": -85.0, "lon": 10.0}],
    )
    named, polar = sent["places"]
    assert named["degrees"] == "35.33000°N 40.14000°E" and named["mgrs"].startswith("37S ")
    assert polar["mgrs"] is None and polar["name"] is None
    red = d.client("red").get(f"/v1/messages/{sent['id']}").json()["rendered"]
    assert "Convoy halted" in red["lines"]


def test_listing_after_a_sequence_number(d: Deployment) -> None:
    blue, red = d.client("blue"), d.client("red")
    one = send(blue, **FLASH)
    two = send(red, to="blue", channel="command", text="Copy", reply_to=one["id"])
    listed = blue.get("/v1/messages").json()
    assert [(m["seq"], m["id"]) for m in listed["messages"]] == [(1, one["id"]), (2, two["id"])]
    assert listed["messages"][1]["thread"] == one["id"]
    assert (listed["last_seq"], listed["more"]) == (2, False)
    red.post(f"/v1/messages/{one['id']}/ack")
    later = blue.get("/v1/messages", params={"after": 2}).json()
    assert [(m["id"], m["state"]) for m in later["messages"]] == [(one["id"], "acknowledged")]
    assert later["last_seq"] == 3
    assert d.client("green").get("/v1/messages").json()["messages"] == []


def test_stats(d: Deployment) -> None:
    blue, red = d.client("blue"), d.client("red")
    for wait_s in (10, 30):
        sent = send(blue, to="red", channel="air", text="x")
        d.clock.advance(wait_s)
        red.post(f"/v1/messages/{sent['id']}/ack")
    send(blue, **FLASH)
    d.clock.advance(61)
    d.hub.tick()
    rows = {(r["party"], r["channel"]): r for r in blue.get("/v1/hotline/stats").json()}
    assert set(rows) == {(p, c) for p in ("blue", "red") for c in ("air", "ground", "command")}
    air = rows[("red", "air")]
    assert (air["count"], air["acknowledged"], air["pending"]) == (3, 2, 1)
    assert (air["median_ack_s"], air["p95_ack_s"]) == (20.0, 29.0)
    assert (air["escalated"], air["escalations"]) == (1, 1)
    green = {r["party"] for r in d.client("green").get("/v1/hotline/stats").json()}
    assert green == {"green"}
    admin = {r["party"] for r in d.client("admin").get("/v1/hotline/stats").json()}
    assert admin == {"blue", "red", "green"}
    recent = blue.get("/v1/hotline/stats", params={"since": "2026-11-23T10:00:05Z"}).json()
    assert {(r["party"], r["channel"]): r["count"] for r in recent}[("red", "air")] == 2


def test_expected_crossings_are_listed_for_both_sides(d: Deployment) -> None:
    sent = send(
        d.client("blue"),
        to="red",
        channel="air",
        template="crossing_notice",
        fields=crossing_notice(),
    )
    assert d.client("red").get("/v1/hotline/crossings").json() == []
    d.client("red").post(f"/v1/messages/{sent['id']}/ack")
    [crossing] = d.client("blue").get("/v1/hotline/crossings").json()
    assert crossing == d.client("red").get("/v1/hotline/crossings").json()[0]
    assert (crossing["party"], crossing["zone_owner"]) == ("blue", "red")
    assert (crossing["tracks"], crossing["zones"]) == (["FF-21"], ["z-1"])
    assert (crossing["start"], crossing["end"]) == ("2026-11-23T10:10:00Z", "2026-11-23T10:40:00Z")
    assert d.client("green").get("/v1/hotline/crossings").json() == []


def test_sending_and_acknowledging_answer_with_receipts(
    deploy: Callable[..., Deployment],
) -> None:
    d = deploy("blue", "red")
    d.client("admin").put("/v1/agreements", json={"parties": ["blue", "red"]})
    sent = d.client("blue").post(
        "/v1/messages",
        json={"to": "red", "channel": "air", "priority": "urgent", "text": "climbing to FL120"},
    )
    receipt = sent.json()["receipt"]
    entries = {e.seq: e for e in d.hub._store.journal_entries()}
    assert entries[receipt["seq"]].hash == receipt["hash"]
    assert entries[receipt["seq"]].party == "blue"
    acked = d.client("red").post(f"/v1/messages/{sent.json()['id']}/ack").json()
    entries = {e.seq: e for e in d.hub._store.journal_entries()}
    acknowledgement = entries[acked["receipt"]["seq"]]
    assert (acknowledgement.party, acknowledgement.hash) == ("red", acked["receipt"]["hash"])
    again = d.client("red").post(f"/v1/messages/{sent.json()['id']}/ack").json()
    assert again["receipt"] is None
