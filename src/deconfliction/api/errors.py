"""The one place where domain errors become HTTP statuses and WebSocket close codes."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from deconfliction import errors

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides.
STATUS: tuple[tuple[type[errors.DeconflictionError], int], ...] = (
    (errors.MalformedPayload, 400),
    (errors.PayloadTooLarge, 413),
    (errors.UnsupportedMediaType, 415),
    (errors.InvalidInput, 422),
    (errors.AuthenticationFailed, 401),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.StoreUnavailable, 503),
    (errors.StoreError, 500),
    (errors.DeconflictionError, 500),
)


def status_of(error: errors.DeconflictionError) -> int:
    return next(code for cls, code in STATUS if isinstance(error, cls))


def close_code_of(error: errors.DeconflictionError) -> int:
    """WebSocket close codes in the private range: 4000 + the HTTP status."""
    return 4000 + status_of(error)


def error_type(error: Exception) -> str:
    """``VersionMismatch`` → ``version_mismatch``: the stable name clients can test."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def error_body(error: errors.DeconflictionError) -> dict[str, Any]:
    body: dict[str, Any] = {"type": error_type(error), "message": error.message}
    if error.details:
        body["details"] = error.details
    return {"error": body}


def _headers(error: errors.DeconflictionError) -> dict[str, str]:
    if isinstance(error, errors.AuthenticationFailed):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, errors.StoreUnavailable):  # the store fails over: try again soon
        return {"Retry-After": "1"}
    return {}


async def send_error(
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    error: errors.DeconflictionError,
) -> None:
    """Answer an ASGI request with ``error`` (for middleware, which runs outside the
    app's exception handlers)."""
    content = orjson.dumps(error_body(error))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in _headers(error).items()]
    await send({"type": "http.response.start", "status": status_of(error), "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DeconflictionError)
    return JSONResponse(error_body(exc), status_code=status_of(exc), headers=_headers(exc))


# The framework's own refusals, named like the hub's errors.
HTTP_TYPES = {
    400: ("malformed_payload", "the body could not be read as JSON"),
    404: ("not_found", "there is no such path in this API; see /docs"),
    405: ("method_not_allowed", "this path does not take that method"),
    413: ("payload_too_large", "the request body is too large"),
    415: ("unsupported_media_type", "this route does not read a body of that type"),
}


def _http_type(status: int) -> tuple[str, str]:
    if status in HTTP_TYPES:
        return HTTP_TYPES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    return re.sub(r"\W+", "_", phrase.lower()).strip("_"), phrase


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's and Starlette's own errors (unknown path, method, unreadable body) in the
    documented shape instead of ``{"detail": …}``."""
    assert isinstance(exc, HTTPException)
    kind, message = _http_type(exc.status_code)
    if exc.status_code not in HTTP_TYPES and isinstance(exc.detail, str) and exc.detail:
        message = exc.detail
    return JSONResponse(
        {"error": {"type": kind, "message": message}},
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )
    if isinstance(exc, errors.StoreUnavailable):
        headers = {"Retry-After": "1"}
    return JSONResponse(error_body(exc), status_code=status_of(exc), headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged in full, answered in the documented shape with nothing from inside."""
    log.error("unexpected error serving %s %s", request.method, request.url.path, exc_info=exc)
    body = {"error": {"type": "internal_error", "message": "the hub failed to answer; retry"}}
    return JSONResponse(body, status_code=500)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = list(exc.errors())
    broken = next((item for item in problems if item.get("type") == "json_invalid"), None)
    if broken is not None:
        where = broken.get("loc", ())[-1:]
        why = (broken.get("ctx") or {}).get("error", "")
        message = "the body is not valid JSON" + (f": {why}" if why else "")
        if where and isinstance(where[0], int):
            message += f" at byte {where[0]}"
        refused: dict[str, Any] = {"error": {"type": "malformed_payload", "message": message}}
        return JSONResponse(refused, status_code=400)
    details = []
    for item in problems:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        details.append({"field": where, "reason": item.get("msg", "invalid")})
    first = details[0] if details else {"field": "", "reason": "invalid"}
    message = f"{first['field'] or 'request'}: {first['reason']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problems)"
    body = {"error": {"type": "invalid_input", "message": message, "details": details}}
    return JSONResponse(body, status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DeconflictionError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
