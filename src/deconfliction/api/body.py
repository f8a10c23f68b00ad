"""Reading request bodies ourselves: a size limit with a clear 413, JSON nesting bounded, and
JSON or NDJSON with the position of a syntax error."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
from fastapi import Request

from deconfliction.errors import MalformedPayload, PayloadTooLarge

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
# Deepest nesting of arrays and objects a body may have. GeoJSON needs 8 at most (an
# operation's MultiPolygon); every parser on the way (orjson, the standard library,
# pydantic, the journal's serialiser) has its own lower or higher limit, and a body past
# one of them must be a clear 400, never a RecursionError.
MAX_JSON_DEPTH = 64
_OTHERS = bytes(b for b in range(256) if b not in b'"[]{}')


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is larger than the limit of {limit} bytes "
        f"({limit / 1024 / 1024:g} MiB, setting max_batch_bytes): split it"
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def nesting_depth(body: bytes) -> int:
    r"""The deepest nesting of arrays and objects in a JSON text (or NDJSON), brackets inside
    strings not counted. In C and numpy but for the brackets and quotes themselves.

    >>> nesting_depth(b'{"a": [[1], "]]][\\"["], "b": {"c": "\\\\"}}')
    3
    """
    # Escaped backslashes first, then escaped quotes: what is left of strings is their
    # plain characters between two quotes (outside strings a backslash is invalid JSON,
    # which the parser refuses anyway).
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = np.frombuffer(text.translate(None, delete=_OTHERS), dtype=np.uint8)
    inside = (np.cumsum(marks == ord('"')) & 1).astype(bool)
    step = np.zeros(len(marks), dtype=np.int32)
    step[(marks == ord("[")) | (marks == ord("{"))] = 1
    step[(marks == ord("]")) | (marks == ord("}"))] = -1
    step[inside] = 0
    return int(np.cumsum(step).max(initial=0))


def check_depth(body: bytes) -> None:
    """Raise ``MalformedPayload`` if ``body`` nests deeper than :data:`MAX_JSON_DEPTH`."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return  # so few brackets cannot nest deeper
    if nesting_depth(body) > MAX_JSON_DEPTH:
        raise MalformedPayload(
            f"the body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep"
        )


def _position(body: bytes, pos: int) -> str:
    line = body.count(b"\n", 0, pos) + 1
    column = pos - (body.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line}, column {column} (byte {pos})"


def _loads(text: bytes) -> Any:
    """orjson, falling back to the standard parser, which also reads the non-standard
    ``NaN``/``Infinity`` that some encoders write, so that such values are rejected per item
    (with a reason) instead of failing the whole batch."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except RecursionError:
            raise MalformedPayload(
                f"the body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep"
            ) from None


def parse_json(body: bytes) -> Any:
    """Parsed JSON, or ``MalformedPayload`` naming where the syntax broke."""
    try:
        return _loads(body)
    except UnicodeDecodeError as error:
        raise MalformedPayload(f"the body is not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise MalformedPayload(
            f"the body is not valid JSON: {error.msg} at {_position(body, error.pos)}"
        ) from None


def parse_items(body: bytes, content_type: str | None) -> list[Any]:
    """A list of items from a JSON array (or one object), or from NDJSON (one per line)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in NDJSON_TYPES:
        items: list[Any] = []
        for number, line in enumerate(body.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                items.append(_loads(line))
            except UnicodeDecodeError as error:
                raise MalformedPayload(
                    f"line {number} of the NDJSON body is not UTF-8 text (byte {error.start})"
                ) from None
            except json.JSONDecodeError as error:
                raise MalformedPayload(
                    f"line {number} of the NDJSON body is not valid JSON: {error.msg} "
                    f"at column {error.colno}"
                ) from None
        return items
    if not body.strip():
        raise MalformedPayload("the body is empty; send a JSON array of reports")
    data = parse_json(body)
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise MalformedPayload(
            f"the body must be a JSON array of reports (or NDJSON), not a {type(data).__name__}"
        )
    return data
