from collections.abc import Callable
from typing import Any

from deconfliction import __version__
from tests.conftest import Deployment


def test_health_and_version_need_no_token(deploy: Callable[..., Deployment]) -> None:
    d = deploy()
    health = d.app_client.get("/v1/health").json()
    assert health["status"] == "ok" and health["time"] == "2026-11-23T10:00:00Z"
    assert d.app_client.get("/v1/version").json() == {"version": __version__, "api": "v1"}


def _undescribed(schema: dict[str, Any], where: str) -> list[str]:
    missing = []
    for name, prop in schema.get("properties", {}).items():
        if not prop.get("description"):
            missing.append(f"{where}.{name}")
    return missing


def test_openapi_describes_every_field_and_endpoint(deploy: Callable[..., Deployment]) -> None:
    d = deploy()
    spec = d.app_client.get("/openapi.json").json()
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        if name in ("HTTPValidationError", "ValidationError"):
            continue
        missing += _undescribed(schema, name)
    report_schema = spec["paths"]["/v1/reports"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["items"]
    missing += _undescribed(report_schema, "ReportIn")
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if not operation.get("description"):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
    assert d.app_client.get("/docs").status_code == 200


def test_health_figures_need_the_admin_token(deploy: Callable[..., Deployment]) -> None:
    """A stranger, or a party, learns that the hub lives, not how busy it is: the count of
    live tracks rose with one party's reports (issue 18)."""
    from tests.scenarios import report

    d = deploy("blue", "red")
    d.client("blue").post("/v1/reports", json=[report(f"t{i}") for i in range(37)])
    d.hub.run_cycle()
    for client in (d.app_client, d.client("red"), d.client("blue")):
        assert set(client.get("/v1/health").json()) == {"status", "time"}
    bad = d.app_client.get("/v1/health", headers={"Authorization": "Bearer dcf_nope"})
    assert bad.status_code == 200 and set(bad.json()) == {"status", "time"}
    admin = d.client("admin").get("/v1/health").json()
    assert admin["tracks_live"] == 37
    assert admin["cycle"]["tracks"] == 37
    assert admin["schema_version"] >= 1
