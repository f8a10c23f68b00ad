"""Splitting a TAK stream into events: protocol version 0 (XML) and version 1 (protobuf).

Version 0 is a plain concatenation of CoT XML documents: an event ends after ``</event>``.
Version 1 (TAK protocol "streaming") frames each protobuf ``TakMessage`` as the magic byte
``0xbf``, the message's length as a protobuf varint, then the message. Both framers refuse
an event longer than their limit before buffering more of it, so a client cannot make the
hub hold an unbounded buffer.
"""

from __future__ import annotations

from deconfliction.errors import MalformedPayload, PayloadTooLarge

END = b"</event>"
MAGIC = 0xBF


class XmlFramer:
    """Version 0: bytes in, complete ``<event>…</event>`` documents out."""

    def __init__(self, max_event_bytes: int) -> None:
        self.max_event_bytes = max_event_bytes
        self._buffer = bytearray()
        self._searched = 0  # bytes of the buffer known to hold no END

    def feed(self, data: bytes) -> list[bytes]:
        """The events completed by ``data`` (raise ``PayloadTooLarge`` past the limit)."""
        self._buffer += data
        events: list[bytes] = []
        while True:
            at = self._buffer.find(END, max(0, self._searched - len(END) + 1))
            if at < 0:
                self._searched = len(self._buffer)
                break
            end = at + len(END)
            if end > self.max_event_bytes + _leading_space(self._buffer):
                raise PayloadTooLarge(self._too_large(end))
            events.append(bytes(self._buffer[:end]).strip())
            del self._buffer[:end]
            self._searched = 0
        if len(self._buffer) - _leading_space(self._buffer) > self.max_event_bytes:
            raise PayloadTooLarge(self._too_large(len(self._buffer)))
        return events

    def _too_large(self, size: int) -> str:
        return f"an event of more than {self.max_event_bytes} bytes ({size} bytes without an end)"

    @property
    def pending(self) -> int:
        """Bytes received that are not a whole event yet."""
        return len(self._buffer)

    def rest(self) -> bytes:
        """The bytes received after the last whole event (handed to the next framer when
        the protocol changes)."""
        rest = bytes(self._buffer).lstrip()
        self._buffer.clear()
        self._searched = 0
        return rest


def _leading_space(buffer: bytearray) -> int:
    return len(buffer) - len(buffer.lstrip())


class ProtobufFramer:
    """Version 1 (streaming): bytes in, the protobuf payload of each message out."""

    def __init__(self, max_event_bytes: int) -> None:
        self.max_event_bytes = max_event_bytes
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        messages: list[bytes] = []
        while self._buffer:
            if self._buffer[0] != MAGIC:
                raise MalformedPayload(
                    f"a TAK protocol message starts with 0xbf, not {self._buffer[0]:#04x}"
                )
            header = _varint(self._buffer, 1)
            if header is None:
                if len(self._buffer) > 11:
                    raise MalformedPayload("a TAK protocol message length is not a varint")
                break
            length, start = header
            if length > self.max_event_bytes:
                raise PayloadTooLarge(
                    f"a message of {length} bytes; the limit is {self.max_event_bytes}"
                )
            if len(self._buffer) < start + length:
                break
            messages.append(bytes(self._buffer[start : start + length]))
            del self._buffer[: start + length]
        return messages

    @property
    def pending(self) -> int:
        return len(self._buffer)


def _varint(buffer: bytearray, at: int) -> tuple[int, int] | None:
    """The varint at ``at`` and the index after it, or None if it is incomplete."""
    value = shift = 0
    for i in range(at, min(len(buffer), at + 10)):
        byte = buffer[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    return None


def frame_protobuf(payload: bytes) -> bytes:
    """``payload`` framed for a version 1 stream."""
    length = len(payload)
    header = bytearray([MAGIC])
    while True:
        byte = length & 0x7F
        length >>= 7
        if length:
            header.append(byte | 0x80)
        else:
            header.append(byte)
            return bytes(header) + payload
