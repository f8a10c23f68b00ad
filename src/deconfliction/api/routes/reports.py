"""Reports in: a JSON array or NDJSON, validated per item."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from deconfliction.api.body import parse_items, read_body
from deconfliction.api.deps import HubDep, PartyDep, call_hub
from deconfliction.api.schemas import ErrorOut, IngestOut, ReportIn
from deconfliction.hub import Hub, IngestResult
from deconfliction.model.codec import dump

router = APIRouter(tags=["tracks"])

_REPORT_SCHEMA = ReportIn.model_json_schema()
_REPORT_SCHEMA.pop("title", None)
_BODY = {
    "requestBody": {
        "required": True,
        "description": "Reports of the calling party: a JSON array (or one object), or NDJSON "
        "with one report per line (`Content-Type: application/x-ndjson`).",
        "content": {
            "application/json": {"schema": {"type": "array", "items": _REPORT_SCHEMA}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


def _answer(hub: Hub, result: IngestResult) -> dict[str, Any]:
    body: dict[str, Any] = dump(result)
    if result.entry is not None:
        body["receipt"] = dump(hub.receipt(result.entry))
    return body


def _ingest(hub: Hub, party: str, body: bytes, content_type: str | None) -> dict[str, Any]:
    return _answer(hub, hub.submit_reports(party, parse_items(body, content_type)))


@router.post(
    "/reports",
    response_model=IngestOut,
    openapi_extra=_BODY,
    responses={
        400: {"model": ErrorOut, "description": "The body is not valid JSON / NDJSON."},
        413: {"model": ErrorOut, "description": "Too many reports or bytes in one request."},
        422: {"model": IngestOut, "description": "Every item was rejected (see `rejected`)."},
    },
)
async def post_reports(request: Request, hub: HubDep, caller: PartyDep) -> Response:
    """Submit reports of the calling party's tracks.

    Each item is checked on its own: the answer counts the reports stored, those already
    stored before (same track and time: stored once, never twice) and, for each rejected
    item, its index and the reason. A stored report is durable when the answer is sent.
    The status is 422 only when every item was rejected. The receipt (journal entry and
    latest signed checkpoint) lets the party prove later what it submitted and when.
    """
    body = await read_body(request, hub.settings.max_batch_bytes)
    content_type = request.headers.get("content-type")
    answer = await call_hub(hub, lambda: _ingest(hub, caller.name, body, content_type))
    rejected_all = answer["rejected"] and not (answer["accepted"] or answer["duplicates"])
    return Response(
        orjson.dumps(answer),
        status_code=422 if rejected_all else 200,
        media_type="application/json",
    )
