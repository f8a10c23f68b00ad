"""A party's client of the hub: the public HTTP API (httpx) and the WebSocket stream
(websockets), nothing else. The demo's simulated parties are made of these; copy it as the
start of your own client (docs/api.md describes every endpoint it calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class HubError(Exception):
    """The hub refused a request: its status and its error body."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(f"{status} {error.get('type')}: {error.get('message')}")
        self.status = status
        self.type = str(error.get("type", ""))
        self.details = error.get("details")


class PartyClient:
    """One party's desk: ``async with PartyClient(url, name, token) as client: …``."""

    def __init__(self, url: str, name: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.name = name
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self._stream: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PartyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._stream
        await self._http.aclose()

    # -- HTTP --------------------------------------------------------------------------

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        """One request; the answer's JSON, or raise :class:`HubError`."""
        content = None if body is None else orjson.dumps(body)
        sent = {"Content-Type": "application/json", **(headers or {})}
        response = await self._http.request(method, path, content=content, headers=sent)
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"type": "http", "message": response.text[:200]}
            raise HubError(response.status_code, error)
        return None if response.status_code == 204 else response.json()

    async def report(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("POST", "/v1/reports", items)
        return answer

    async def put_zone(self, zone_id: str, feature: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("PUT", f"/v1/zones/{zone_id}", feature)
        return answer

    async def acknowledge_zone(self, zone_id: str) -> None:
        await self.call("POST", f"/v1/zones/{zone_id}/ack")

    async def put_operation(self, operation_id: str, plan: dict[str, Any]) -> dict[str, Any]:
        """File or replace a plan. A 409 ``stale_key`` lists the current version of every
        overlapping object this party may see: put them in ``key`` and send it again (as a
        real client does after reading them). The same Idempotency-Key makes a retry safe."""
        plan = dict(plan)
        for _ in range(3):
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            try:
                answer: dict[str, Any] = await self.call(
                    "PUT", f"/v1/operations/{operation_id}", plan, headers
                )
                return answer
            except HubError as error:
                if error.type != "stale_key" or not isinstance(error.details, list):
                    raise
                key = dict(plan.get("key") or {})
                key.update({item["id"]: item["version"] for item in error.details})
                plan["key"] = key
        raise HubError(409, {"type": "stale_key", "message": "the key kept going stale"})

    async def end_operation(self, operation_id: str) -> None:
        await self.call("POST", f"/v1/operations/{operation_id}/end")

    async def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("POST", "/v1/messages", message)
        return answer

    async def acknowledge_message(self, message_id: str) -> None:
        await self.call("POST", f"/v1/messages/{message_id}/ack")

    async def alerts(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = await self.call("GET", "/v1/alerts")
        return answer

    async def acknowledge_alert(self, alert_id: str) -> None:
        await self.call("POST", f"/v1/alerts/{alert_id}/ack")

    async def report_incident(self, incident: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("POST", "/v1/incidents", incident)
        return answer

    async def add_account(self, incident_id: str, narrative: str) -> None:
        await self.call("POST", f"/v1/incidents/{incident_id}/accounts", {"narrative": narrative})

    # -- the stream --------------------------------------------------------------------

    def follow(self, handler: EventHandler, after: int = 0) -> None:
        """Hand every event of this party's stream to ``handler``, from event ``after`` on
        (the party's own event numbers), reconnecting where it stopped if the line drops."""
        self._stream = asyncio.create_task(self._follow(handler, after))

    async def _follow(self, handler: EventHandler, after: int) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        ws_url = self.url.replace("http", "ws", 1) + "/v1/stream"
        headers = {"Authorization": f"Bearer {self._token}"}
        while True:
            try:
                async with connect(f"{ws_url}?after={after}", additional_headers=headers) as ws:
                    async for frame in ws:
                        event = orjson.loads(frame)
                        after = int(event["seq"])
                        await handler(event)
            except (ConnectionClosed, OSError):
                await asyncio.sleep(0.5)
