"""Splitting TAK streams into events, and the limits that bound the buffer."""

from __future__ import annotations

import pytest

from deconfliction.errors import MalformedPayload, PayloadTooLarge
from deconfliction.gateways.cot.framing import ProtobufFramer, XmlFramer, frame_protobuf

EVENT = b'<?xml version="1.0"?><event uid="a"><point lat="1" lon="2"/></event>'


def test_events_split_after_the_end_tag_whatever_the_chunks() -> None:
    stream = EVENT + b"\n" + EVENT.replace(b'"a"', b'"b"') + b"  " + EVENT[:30]
    for size in (1, 7, 64, len(stream)):
        framer = XmlFramer(1000)
        events = []
        for i in range(0, len(stream), size):
            events += framer.feed(stream[i : i + size])
        assert events == [EVENT, EVENT.replace(b'"a"', b'"b"')]
        assert framer.pending == 32  # two spaces and the start of a third event


def test_an_event_over_the_limit_is_refused_before_it_ends() -> None:
    framer = XmlFramer(100)
    assert framer.feed(b" " * 500 + b"<event>") == []  # whitespace between events is free
    with pytest.raises(PayloadTooLarge, match="more than 100 bytes"):
        framer.feed(b"x" * 100)
    with pytest.raises(PayloadTooLarge):
        XmlFramer(20).feed(EVENT)


def test_protobuf_frames() -> None:
    payloads = [b"", b"x", b"y" * 127, b"z" * 128, b"w" * 70_000]
    stream = b"".join(frame_protobuf(p) for p in payloads)
    framer = ProtobufFramer(100_000)
    got = []
    for i in range(0, len(stream), 999):
        got += framer.feed(stream[i : i + 999])
    assert got == payloads and framer.pending == 0
    with pytest.raises(PayloadTooLarge):
        ProtobufFramer(100).feed(frame_protobuf(b"q" * 101)[:3])
    with pytest.raises(MalformedPayload, match="0xbf"):
        ProtobufFramer(100).feed(b"<event/>")
