"""The served OpenAPI schema tells the truth: every status a route answers is documented,
errors with the one error schema, and the schema refuses what the hub refuses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deconfliction.model.ids import ID_PATTERN
from tests.conftest import Deployment

ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def spec(deploy: Callable[..., Deployment]) -> dict[str, Any]:
    answer: dict[str, Any] = deploy().app_client.get("/openapi.json").json()
    return answer


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_credentials_and_bodies_document_their_refusals(spec: dict[str, Any]) -> None:
    missing = []
    for path, method, operation in operations(spec):
        statuses = set(operation["responses"])
        wanted = set()
        if operation.get("security"):
            wanted |= {"401", "403"}
        if "requestBody" in operation:
            wanted |= {"400", "413", "415", "422"}
        if operation.get("parameters"):
            wanted.add("422")
        if "{" in path:
            wanted.add("404")
        missing += [f"{method} {path} {status}" for status in sorted(wanted - statuses)]
    assert missing == []


def test_every_error_is_json_in_the_error_shape(spec: dict[str, Any]) -> None:
    wrong = []
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            content = response.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            allowed = {ERROR_REF}
            if (method, path, status) == ("POST", "/v1/reports", "422"):
                allowed = {"#/components/schemas/IngestOut"}
            if set(content) != {"application/json"} or schema.get("$ref") not in allowed:
                wrong.append(f"{method} {path} {status}: {content}")
    assert wrong == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_the_incident_report_is_html_with_json_errors(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/v1/incidents/{incident_id}/report"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {"text/html"}
    assert set(responses["404"]["content"]) == {"application/json"}


def _parameter(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    for parameter in spec["paths"][path][method]["parameters"]:
        if parameter["name"] == name:
            schema: dict[str, Any] = parameter["schema"]
            return schema
    raise AssertionError(f"{method} {path} has no parameter {name}")


def _property(spec: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    prop: dict[str, Any] = spec["components"]["schemas"][model]["properties"][name]
    return prop


def _lengths(schema: dict[str, Any]) -> list[int]:
    options = schema.get("anyOf", [schema])
    return [o.get("minLength", 0) for o in options if o.get("type") == "string"]


def test_the_schema_refuses_the_empty_strings_the_hub_refuses(spec: dict[str, Any]) -> None:
    assert _lengths(_parameter(spec, "/v1/hotline/stats", "get", "since")) == [1]
    key = _parameter(spec, "/v1/operations/{operation_id}", "put", "Idempotency-Key")
    assert _lengths(key) == [1]
    assert _lengths(_property(spec, "IncidentIn", "narrative")) == [1]
    assert _lengths(_property(spec, "AccountIn", "narrative")) == [1]
    assert _lengths(_property(spec, "WebhookIn", "url")) == [1]
    assert _property(spec, "OperationIn", "volumes")["minItems"] == 1


def test_ids_in_paths_carry_their_rule(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("zone_id", "operation_id"):
                assert parameter["schema"]["pattern"] == ID_PATTERN, (method, path)
