"""The one place where domain errors become HTTP statuses and WebSocket close codes."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from deconfliction import errors

# Most specific first: the first class an error is an instance of decides.
STATUS: tuple[tuple[type[errors.DeconflictionError], int], ...] = (
    (errors.MalformedPayload, 400),
    (errors.PayloadTooLarge, 413),
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


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DeconflictionError)
    headers = (
        {"WWW-Authenticate": "Bearer"} if isinstance(exc, errors.AuthenticationFailed) else None
    )
    if isinstance(exc, errors.StoreUnavailable):
        headers = {"Retry-After": "1"}
    return JSONResponse(error_body(exc), status_code=status_of(exc), headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for item in exc.errors():
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
