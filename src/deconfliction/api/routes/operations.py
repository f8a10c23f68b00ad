"""Planned operations: file, replace, activate, end, cancel; list and read what may be seen.

Each route makes one call into the hub (authentication included) and serialises the answer
once, with orjson; :func:`~deconfliction.api.deps.call_hub` runs it on the event loop when
the hub's lock is free. A filing runs on a worker thread instead: its geometry, read
before the lock is taken (:meth:`~deconfliction.hub.Operations.prepare`), may take hundreds
of milliseconds, which neither the loop nor the other writers may wait for; then its
commit waits for the lock there.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from deconfliction.api.deps import BearerDep, call_hub, party_of
from deconfliction.api.operation_schemas import OperationIn, OperationOut
from deconfliction.api.schemas import ErrorOut
from deconfliction.api.signatures import request_path
from deconfliction.hub import IDEMPOTENCY_HEADER as HEADER
from deconfliction.hub import Answer, Hub, IdempotencyKey

router = APIRouter(
    tags=["operations"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)

_IDEMPOTENCY = Header(
    None,
    alias=HEADER,
    min_length=1,
    max_length=255,
    pattern=r"^[\x21-\x7e]+$",
    description="Any unique text (a UUID): a repeat of this request with the same key returns "
    "the first answer and applies nothing (kept 24 h). The same key with another request is "
    "refused (422).",
)
_VERSION = Query(
    None, description="The operation's current version; if given, it must match (else 409)."
)
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorOut,
        "description": "`version_mismatch` (not the current version), `stale_key` (the key "
        "lacks current versions: `details` lists each missing or stale operation or zone with "
        "its current `version` and the overlap only), `already_exists` (another party's id), "
        "`illegal_transition`.",
    },
    413: {"model": ErrorOut, "description": "More volumes than `operation_max_volumes`."},
    422: {"model": ErrorOut, "description": "The plan is not valid (the message names why)."},
}


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _idempotency(request: Request, key: str | None) -> IdempotencyKey | None:
    if key is None:
        return None
    body = await request.body()
    return IdempotencyKey.of(key, request.method, request_path(request.scope), body)


def _answer(answer: Answer) -> Response:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(
        orjson.dumps(answer.body),
        status_code=201 if answer.created else 200,
        media_type="application/json",
        headers=headers,
    )


@router.put(
    "/operations/{operation_id}",
    response_model=OperationOut,
    responses={201: {"model": OperationOut, "description": "Filed."}, **_WRITE_ERRORS},
)
async def put_operation(
    operation_id: str,
    body: OperationIn,
    request: Request,
    credentials: BearerDep,
    idempotency_key: str | None = _IDEMPOTENCY,
) -> Response:
    """File a planned operation (201), or replace its plan naming its current `version`
    (200). The write must carry in `key` the current version of every operation and zone it
    overlaps that you may see (your own and those shared with you by agreement); otherwise
    409 lists exactly those, with their current versions and the overlap only, and nothing
    changes. An overlap with another party's plan is not refused: both of you get an
    advisory alert with the overlap only, and a hotline thread opens between you (the owner
    of the lower-priority operation is asked to resolve). The answer carries the new
    `version`, your open `advisories` about this operation and the journal `receipt`."""
    hub = _hub(request)
    idempotency = await _idempotency(request, idempotency_key)

    def run() -> Answer:
        caller = party_of(hub, credentials)
        request_body = body.model_dump(exclude_unset=True)
        return hub.operations.put(caller.name, operation_id, request_body, idempotency)

    return _answer(await run_in_threadpool(run))


@router.get("/operations", response_model=list[OperationOut])
async def list_operations(
    request: Request,
    credentials: BearerDep,
    state: Literal["active", "all"] = Query(
        "active",
        description="`active`: accepted, activated and nonconforming; `all`: also ended and "
        "cancelled ones.",
    ),
) -> Response:
    """Your operations and those of parties that share their operations with you by
    agreement, by id. Of other parties' plans you learn only the overlaps your alerts
    carry."""
    hub = _hub(request)

    def run() -> list[dict[str, Any]]:
        caller = party_of(hub, credentials)
        return hub.operations.list_for(caller.name, include_ended=state == "all")

    return Response(orjson.dumps(await call_hub(hub, run)), media_type="application/json")


@router.get("/operations/{operation_id}", response_model=OperationOut)
async def get_operation(operation_id: str, request: Request, credentials: BearerDep) -> Response:
    """One of your operations, or one shared with you (404 for any other)."""
    hub = _hub(request)

    def run() -> dict[str, Any]:
        return hub.operations.get(party_of(hub, credentials).name, operation_id)

    return Response(orjson.dumps(await call_hub(hub, run)), media_type="application/json")


async def _change(
    request: Request,
    credentials: BearerDep,
    operation_id: str,
    change: Literal["activate", "end", "cancel"],
    version: str | None,
    idempotency_key: str | None,
) -> Response:
    hub = _hub(request)
    idempotency = await _idempotency(request, idempotency_key)

    def run() -> Answer:
        caller = party_of(hub, credentials)
        method = getattr(hub.operations, change)
        answer: Answer = method(caller.name, operation_id, version, idempotency)
        return answer

    return _answer(await call_hub(hub, run))


@router.delete("/operations/{operation_id}", response_model=OperationOut, responses=_WRITE_ERRORS)
async def cancel_operation(
    operation_id: str,
    request: Request,
    credentials: BearerDep,
    version: str | None = _VERSION,
    idempotency_key: str | None = _IDEMPOTENCY,
) -> Response:
    """Cancel one of your operations: it leaves the active set and its advisories expire.
    The record stays (`GET` shows it `cancelled`); its id cannot be filed again."""
    return await _change(request, credentials, operation_id, "cancel", version, idempotency_key)


@router.post(
    "/operations/{operation_id}/activate", response_model=OperationOut, responses=_WRITE_ERRORS
)
async def activate_operation(
    operation_id: str,
    request: Request,
    credentials: BearerDep,
    version: str | None = _VERSION,
    idempotency_key: str | None = _IDEMPOTENCY,
) -> Response:
    """Start flying (or driving) an accepted operation: `accepted → activated`. From then
    on, tracks whose reports name it (`operation`) are checked against its volumes; one
    outside them makes it `nonconforming`."""
    return await _change(request, credentials, operation_id, "activate", version, idempotency_key)


@router.post("/operations/{operation_id}/end", response_model=OperationOut, responses=_WRITE_ERRORS)
async def end_operation(
    operation_id: str,
    request: Request,
    credentials: BearerDep,
    version: str | None = _VERSION,
    idempotency_key: str | None = _IDEMPOTENCY,
) -> Response:
    """End an operation before its last volume is over (it ends by itself then): it leaves
    the active set and its advisories expire."""
    return await _change(request, credentials, operation_id, "end", version, idempotency_key)
