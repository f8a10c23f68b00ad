"""The edge of the API: what every HTTP request passes before a route reads its body.

A stranger must not make the hub read, parse or keep a large body. So, in this order and
before any byte of the body is read:

1. The route is found. A route that needs a credential (every one but health, version,
   the journal's public key and the documentation) gets its bearer token authenticated
   here: none, or an unknown or revoked one, is refused with 401.
2. A route that reads a body takes only the content types it documents: JSON
   (``application/json`` and any ``application/*+json``), and for reports also NDJSON.
   Anything else, or no ``Content-Type`` at all, is refused with 415.
3. A query parameter the route does not document is refused with 422 (a misspelt one
   would otherwise be silently ignored).
4. A ``Content-Length`` above the route's limit is refused with 413. The limit is the
   setting ``max_batch_bytes`` for the routes that take batches and geometry (reports,
   zones, operations) and ``max_body_bytes`` for every other one.

Then the body is read, never past the limit (a body streamed without a length is refused
with 413 as soon as it passes it), its JSON nesting is bounded (``MAX_JSON_DEPTH``: 400
beyond), and it is handed to the route as if it came from the client.

This is an ASGI middleware rather than a dependency: FastAPI reads and parses a route's
body before the route's dependencies run, so authentication in a dependency comes too
late to spare the hub a large body. What it checks for each route is read from the app's
own OpenAPI schema (the route's ``security``, the content types of its ``requestBody``), so
that the edge enforces exactly what the schema documents, and a route added later is
covered without being listed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from deconfliction.api.asgi import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    header,
    read_body,
    replay,
    too_large,
)
from deconfliction.api.body import MAX_JSON_DEPTH, check_depth
from deconfliction.api.errors import send_error
from deconfliction.errors import (
    DeconflictionError,
    InvalidInput,
    UnsupportedMediaType,
)
from deconfliction.hub import Hub

__all__ = ["MAX_JSON_DEPTH", "BodyLimits", "Edge", "RoutePolicy"]

JSON = "application/json"
# Routes whose bodies are batches or geometry: they may use the larger max_batch_bytes.
BATCH_ROUTES = frozenset({"/v1/reports", "/v1/zones/{zone_id}", "/v1/operations/{operation_id}"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RoutePolicy:
    """What the edge checks for one route."""

    needs_token: bool
    media_types: frozenset[str]  # empty: the route reads no body
    batch: bool
    query: frozenset[str] = frozenset()  # the query parameters it documents

    def takes(self, content_type: str | None) -> bool:
        """Whether a body of ``content_type`` is one the route reads."""
        media = (content_type or "").split(";")[0].strip().lower()
        if not media:
            return False
        if media in self.media_types:
            return True
        return (
            JSON in self.media_types
            and media.startswith("application/")
            and (media.endswith("+json"))
        )

    @property
    def json(self) -> bool:
        return bool(self.media_types)


@dataclass(frozen=True)
class BodyLimits:
    """The two body limits, in bytes (settings ``max_body_bytes`` and ``max_batch_bytes``)."""

    body: int
    batch: int

    def of(self, policy: RoutePolicy | None) -> tuple[int, str]:
        if policy is not None and policy.batch:
            return self.batch, "max_batch_bytes"
        return self.body, "max_body_bytes"


def policy_of(path: str, operation: Mapping[str, Any]) -> RoutePolicy:
    """What the edge checks for one operation of the OpenAPI schema at ``path``."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    return RoutePolicy(
        needs_token=bool(operation.get("security")),
        media_types=frozenset(str(media).lower() for media in content),
        batch=path in BATCH_ROUTES,
        query=frozenset(query),
    )


@dataclass(frozen=True)
class _Path:
    pattern: re.Pattern[str]
    methods: dict[str, RoutePolicy]


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def route_table(schema: Mapping[str, Any]) -> list[_Path]:
    """Every path of an OpenAPI schema, in its order, with the policy of each method."""
    table = []
    for template, item in schema.get("paths", {}).items():
        methods = {
            method.upper(): policy_of(template, operation)
            for method, operation in item.items()
            if isinstance(operation, dict)
        }
        if "GET" in methods:
            methods.setdefault("HEAD", methods["GET"])
        table.append(_Path(_pattern(template), methods))
    return table


def _route_path(scope: Scope) -> str:
    """The path the app routes by (without the ``root_path`` a proxy serves it under)."""
    path, root = str(scope["path"]), str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


def _bearer(scope: Scope) -> str | None:
    authorization = header(scope, b"authorization") or ""
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def _unsupported(policy: RoutePolicy, content_type: str | None) -> UnsupportedMediaType:
    accepted = sorted(policy.media_types)
    if JSON in policy.media_types:
        accepted.append("application/*+json")
    given = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
    return UnsupportedMediaType(
        f"this route reads a body of type {', '.join(accepted)}; the request has {given}"
    )


class Edge:
    """The middleware (install with ``app.add_middleware(Edge)``, added last so that it runs
    first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._table: list[_Path] | None = None

    def _route(self, scope: Scope) -> RoutePolicy | None:
        """The policy of the route that serves the request, if the schema documents one
        (None for a path or method nothing serves: the app answers 404 or 405 and reads
        no body)."""
        if self._table is None:
            self._table = route_table(scope["app"].openapi())
        path = _route_path(scope)
        method = str(scope["method"]).upper()
        for entry in self._table:
            if method in entry.methods and entry.pattern.match(path):
                return entry.methods[method]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hub: Hub = scope["app"].state.hub
        limits = BodyLimits(hub.settings.max_body_bytes, hub.settings.max_batch_bytes)
        policy = self._route(scope)
        try:
            body = await self._admit(scope, receive, hub, policy, limits)
        except DeconflictionError as error:
            await send_error(send, error)
            return
        if body is None:
            await self.app(scope, receive, send)
        else:
            await self.app(scope, replay(body, receive), send)

    async def _admit(
        self,
        scope: Scope,
        receive: Receive,
        hub: Hub,
        policy: RoutePolicy | None,
        limits: BodyLimits,
    ) -> bytes | None:
        """Check the request; the body read (None: left for the app, which reads none)."""
        if policy is not None and policy.needs_token:
            hub.authenticate(_bearer(scope))
        if policy is not None:
            _check_query(scope, policy)
        content_type = header(scope, b"content-type")
        if policy is not None and policy.json and not policy.takes(content_type):
            raise _unsupported(policy, content_type)
        limit, setting = limits.of(policy)
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise too_large(limit, setting)
        if policy is None or scope["method"] not in BODY_METHODS:
            return None
        body = await read_body(receive, limit, setting)
        if policy.json and body:
            check_depth(body)
        return body


def _check_query(scope: Scope, policy: RoutePolicy) -> None:
    """Refuse a query parameter the route does not document: a misspelt one (``stat``
    for ``state``) would otherwise be ignored without a word."""
    raw = bytes(scope.get("query_string", b""))
    if not raw:
        return
    names = {unquote_plus(p.split(b"=", 1)[0].decode("latin-1")) for p in raw.split(b"&") if p}
    unknown = sorted(names - policy.query)
    if unknown:
        takes = ", ".join(sorted(policy.query)) or "none"
        raise InvalidInput(
            f"unknown query parameter {unknown[0][:40]!r}; this route takes: {takes}"
        )
