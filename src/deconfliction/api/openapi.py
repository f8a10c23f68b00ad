"""The served OpenAPI schema, made to tell the truth about what the API answers.

FastAPI documents what each route declares. Some answers come from elsewhere, the same for
every route, and are added here in one place rather than repeated on each route:

- 401 and 403 on every route that takes a credential (the edge authenticates; party
  routes refuse the admin's token and admin routes a party's);
- 400, 413 and 415 on every route that reads a body (the edge bounds, types and parses
  it), and 422 on every route with a body or parameters;
- 404 on every route with an id in its path;
- every 4xx answer as ``application/json`` with ``ErrorOut`` (FastAPI's own 422 model,
  ``HTTPValidationError``, is not what the hub answers), even on routes whose success is
  HTML or NDJSON;
- the rule of ids in paths (:data:`~deconfliction.model.ids.ID_PATTERN`).

The edge (:mod:`deconfliction.api.edge`) reads this schema to know which routes need a
credential and which bodies they take: the documentation and the enforcement are one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from deconfliction.model.ids import ID_PATTERN
from deconfliction.model.party import NAME_PATTERN

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
ID_PARAMETERS = {"zone_id": ID_PATTERN, "operation_id": ID_PATTERN}
PARTY_PARAMETERS = {"name", "party_a", "party_b"}
COMMON: dict[str, str] = {
    "400": "The body is not valid JSON (or NDJSON), or nests deeper than 64 levels.",
    "401": "No credential, or an unknown or revoked one (`WWW-Authenticate: Bearer`).",
    "403": "The credential may not do this (a party's token on an admin route, the admin's "
    "on a party's route, another party's object).",
    "404": "No such object, or none the caller may see.",
    "413": "The body is larger than the setting `max_body_bytes` (`max_batch_bytes` for "
    "reports, zones and operations), or holds more items than a limit.",
    "415": "The body's Content-Type is not one this route reads (JSON: `application/json` "
    "or `application/*+json`; reports also NDJSON), or there is none.",
    "422": "The request is not valid; the message says why (`details`: per field).",
}


def truthful(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (as FastAPI made it) with the answers every route shares; changed in place
    and returned."""
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if isinstance(operation, dict):
                _operation(path, operation)
    schemas = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return schema


def _operation(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted: set[str] = set()
    if operation.get("security"):
        wanted |= {"401", "403"}
    if "requestBody" in operation:
        wanted |= {"400", "413", "415", "422"}
    if operation.get("parameters"):
        wanted.add("422")
    if "{" in path:
        wanted.add("404")
    for status in sorted(wanted):
        responses.setdefault(status, {"description": COMMON[status]})
    for status, response in responses.items():
        if status.startswith("4"):
            _json_error(response)
    for parameter in operation.get("parameters", []):
        _parameter(parameter)


def _json_error(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    json = content.get("application/json", {})
    ref = json.get("schema", {}).get("$ref", "")
    if ref and not ref.endswith("/HTTPValidationError"):
        response["content"] = {"application/json": json}  # a model of its own (IngestOut)
    else:
        response["content"] = {"application/json": {"schema": dict(ERROR_REF)}}


def _parameter(parameter: dict[str, Any]) -> None:
    name, schema = parameter.get("name"), parameter.get("schema", {})
    if parameter.get("in") != "path":
        return
    if name in ID_PARAMETERS:
        schema["pattern"] = ID_PARAMETERS[name]
    elif name in PARTY_PARAMETERS:
        schema["pattern"] = NAME_PATTERN


# The schema depends only on the code: made once per process for the same routes (it takes
# most of a second, and the edge reads it on an app's first request).
_MADE: dict[tuple[object, ...], dict[str, Any]] = {}


def _identity(route: object) -> tuple[object, ...]:
    """What makes a route's part of the schema: its path, methods and handler's name (a
    handler made per app, as the console's, counts as the same)."""
    endpoint = getattr(route, "endpoint", None)
    return (
        getattr(route, "path", None),
        tuple(sorted(getattr(route, "methods", None) or ())),
        getattr(endpoint, "__module__", None),
        getattr(endpoint, "__qualname__", None),
        getattr(route, "include_in_schema", None),
    )


def install(app: FastAPI) -> None:
    """Serve :func:`truthful` of the app's schema at ``app.openapi_url``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            key = (
                app.title,
                app.version,
                app.description,
                *(_identity(route) for route in app.routes),
            )
            if key not in _MADE:
                _MADE[key] = truthful(
                    get_openapi(
                        title=app.title,
                        version=app.version,
                        description=app.description,
                        routes=app.routes,
                    )
                )
            app.openapi_schema = copy.deepcopy(_MADE[key])
        return app.openapi_schema

    replace: Callable[[], dict[str, Any]] = openapi
    app.openapi = replace  # type: ignore[method-assign]
