"""Benchmark: store documents of messages and alerts, hand-written against ``model.codec``.

    python -m bench.codec [--loops 10000] [--repeat 5]

Messages and alerts are written to the store in bursts (an alert per party per conflict,
the hub's alert-thread message for each, every step of an escalation), so their documents
are the hot ones. For each value, the time per call of the hand-written conversion and of
``model.codec.dump`` / ``load``. The hub uses the faster of each (see
``docs/architecture.md``, Serialisation): ``Message.to_doc``, ``Alert.to_doc`` and
``Alert.from_doc`` are hand-written; ``Message.from_doc`` was, and is copied here as it
stood, to be measured against ``load`` that replaced it. The values: a text message
escalated twice (four steps), a crossing notice (template fields, a place), a track–track
alert and a zone owner's alert (nested views).
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from deconfliction.model.alert import Alert, AlertKind, Severity, view_from_doc
from deconfliction.model.codec import dump, load
from deconfliction.model.message import (
    Channel,
    Message,
    MessageStep,
    Priority,
    StepKind,
    acknowledge,
    deliver,
    escalation_step,
)
from deconfliction.model.place import Place
from deconfliction.model.states import AlertState, MessageState

T0 = 1_795_428_000.0

# -- the hand-written conversion that model.codec replaced, as it stood ---------------------


def step_from_doc(doc: Mapping[str, Any]) -> MessageStep:
    return MessageStep(
        StepKind(doc["kind"]),
        float(doc["at_s"]),
        MessageState(doc["state"]),
        Channel(doc["channel"]),
        int(doc.get("escalations", 0)),
        doc.get("by"),
    )


def message_from_doc(doc: Mapping[str, Any]) -> Message:
    return Message(
        id=doc["id"],
        thread_id=doc["thread_id"],
        sender=doc["sender"],
        recipient=doc["recipient"],
        channel=Channel(doc["channel"]),
        priority=Priority(doc["priority"]),
        created_s=float(doc["created_s"]),
        text=doc.get("text"),
        text_language=doc.get("text_language"),
        template=doc.get("template"),
        fields=dict(doc.get("fields") or {}),
        places=tuple(Place.from_json(place) for place in doc.get("places", ())),
        ack_due_s=doc.get("ack_due_s"),
        state=MessageState(doc["state"]),
        escalations=int(doc.get("escalations", 0)),
        next_repeat_s=doc.get("next_repeat_s"),
        history=tuple(step_from_doc(step) for step in doc.get("history", ())),
    )


# -- the values ------------------------------------------------------------------------------


def messages() -> dict[str, Message]:
    text = Message(
        id="msg_1",
        thread_id="msg_1",
        sender="red",
        recipient="blue",
        channel=Channel.AIR,
        priority=Priority.FLASH,
        created_s=T0,
        text="Turn away",
        ack_due_s=T0 + 60.0,
    )
    text = deliver(text, T0 + 1.0)
    text, _ = escalation_step(text, T0 + 61.0, 120.0)
    notice = Message(
        id="msg_2",
        thread_id="msg_2",
        sender="blue",
        recipient="red",
        channel=Channel.COMMAND,
        priority=Priority.URGENT,
        created_s=T0,
        template="crossing_notice",
        fields={
            "tracks": ["b1", "b2"],
            "start": "2026-11-23T10:10:00Z",
            "duration_s": 1800.0,
            "where": [{"lat": 35.33, "lon": 40.14, "name": "Tal Hamis"}],
        },
        places=(Place(35.33, 40.14, "Tal Hamis"),),
        ack_due_s=T0 + 300.0,
    )
    notice = acknowledge(deliver(notice, T0 + 1.0), "red", T0 + 30.0)
    return {"text message, 4 steps": text, "crossing notice, 3 steps": notice}


_STATE = {
    "time": "2026-11-23T10:01:40Z",
    "reported": "2026-11-23T10:01:40Z",
    "lat": 48.5,
    "lon": 2.0,
    "alt_m": 3000.0,
    "gs_mps": 120.0,
    "course_deg": 90.0,
    "vs_mps": 0.0,
    "domain": "air",
}
_TRACK_PAIR = {
    "own": {"track": "b1", "state": _STATE},
    "other": {"party": "red", "state": {**_STATE, "lon": 2.1, "course_deg": 270.0}},
    "geometry": {
        "t_in_s": 0.0,
        "t_out_s": 69.4,
        "t_cpa_s": 30.8,
        "d_cpa_m": 0.0,
        "dz_cpa_m": 0.0,
        "loss_at": "2026-11-23T10:01:40Z",
        "cpa_at": "2026-11-23T10:02:10.792Z",
        "minima": {"horizontal_m": 9260.0, "vertical_m": 304.8, "lookahead_s": 300.0},
    },
}
_ZONE_ENTERED = {
    "own": {"zone": {"id": "red-box", "name": "Red box", "rule": "no_entry"}},
    "other": {"party": "blue", "state": {**_STATE, "lat": 48.85, "lon": 2.75, "alt_m": 100.0}},
    "geometry": {
        "time_to_entry_s": 0.0,
        "entry_at": "2026-11-23T10:01:40Z",
        "time_to_exit_s": None,
        "inside_now": True,
    },
    "hotline": {
        "template": "alert_zone_incursion",
        "fields": {
            "zone": "red-box",
            "zone_owner": "red",
            "rule": "no_entry",
            "track": "withheld",
            "track_party": "blue",
            "time_to_entry_s": 0.0,
            "where": {"lat": 48.85, "lon": 2.75},
        },
    },
}


def alerts() -> dict[str, Alert]:
    def alert(kind: AlertKind, view: dict[str, Any]) -> Alert:
        return Alert(
            id="al_1",
            party="blue",
            conflict_id="cf_1",
            kind=kind,
            state=AlertState.OPEN,
            severity=Severity.PREDICTED,
            opened_s=T0,
            updated_s=T0 + 10.0,
            counterparts=("red",),
            view=view_from_doc(kind, view),
        )

    return {
        "track-track alert": alert(AlertKind.TRACK_TRACK, _TRACK_PAIR),
        "zone owner's alert": alert(AlertKind.TRACK_ZONE, _ZONE_ENTERED),
    }


# -- timing ----------------------------------------------------------------------------------


def per_call_us(call: Callable[[], object], loops: int, repeat: int) -> float:
    """The best of ``repeat`` runs of ``loops`` calls, in microseconds of CPU per call (the
    process's CPU time, so that other processes on a shared machine count less)."""
    runs = timeit.repeat(call, number=loops, repeat=repeat, timer=time.process_time)
    return min(runs) * 1e6 / loops


def compare(
    name: str, hand: Callable[[], object], codec: Callable[[], object], loops: int, repeat: int
) -> None:
    ours = per_call_us(hand, loops, repeat)
    theirs = per_call_us(codec, loops, repeat)
    print(f"  {name:44s} {ours:8.2f} us  {theirs:8.2f} us  {theirs / ours:5.2f} x")


def message_rows(name: str, message: Message, loops: int, repeat: int) -> None:
    doc = message.to_doc()
    assert doc == dump(message) and load(Message, doc) == message_from_doc(doc) == message
    compare(f"Message to doc, {name}", message.to_doc, lambda: dump(message), loops, repeat)
    compare(
        f"Message from doc, {name}",
        lambda: message_from_doc(doc),
        lambda: load(Message, doc),
        loops,
        repeat,
    )


def alert_rows(name: str, alert: Alert, loops: int, repeat: int) -> None:
    doc = alert.to_doc()
    assert doc == dump(alert) and Alert.from_doc(doc) == load(Alert, doc) == alert
    compare(f"Alert to doc, {name}", alert.to_doc, lambda: dump(alert), loops, repeat)
    compare(
        f"Alert from doc, {name}",
        lambda: Alert.from_doc(doc),
        lambda: load(Alert, doc),
        loops,
        repeat,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.codec", description=__doc__)
    parser.add_argument("--loops", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    loops, repeat = args.loops, args.repeat
    print(f"codec: {loops:,} calls, best of {repeat} (per call: hand-written, codec, ratio)")
    for name, message in messages().items():
        message_rows(name, message, loops, repeat)
    for name, alert in alerts().items():
        alert_rows(name, alert, loops, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
