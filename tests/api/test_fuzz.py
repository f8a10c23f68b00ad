"""Schemathesis against the served OpenAPI schema, with a party's token: every route, with
schema-valid and schema-violating requests (examples, fuzzing and boundary values), and
every check Schemathesis has but one (below). No answer may be a 5xx, every error must be
JSON in the documented shape, every status and body must be the documented ones.

``positive_data_acceptance`` is left out: it expects every schema-valid request to be
accepted, and the hub refuses schema-valid requests on rules JSON Schema cannot state
(a geometry that crosses itself, a window in the past, a track already reported at that
time, a party with no agreement). Those refusals are 4xx in the documented shape, which the
other checks hold.

The default run makes a few cases per route; the slow one (``make test-slow``) at least
1,000 in all, and the count is printed at the end of the run. (Schemathesis's pytest plugin
does not work with pytest 9.2 yet, so the cases are drawn from its Python API.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from deconfliction.api import create_app
from deconfliction.clock import ManualClock
from deconfliction.hub import Hub
from deconfliction.model import Agreement
from deconfliction.settings import Settings
from deconfliction.store import SQLiteStore
from tests.scenarios import T0

SLOW_MINIMUM_CASES = 1000
FUZZ_COUNTS = pytest.StashKey[dict[str, int]]()


def _error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is JSON in the documented shape ``{"error": {"type", "message"}}``."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), f"error as {content_type!r}"
    body = response.json()
    if case.path == "/v1/reports" and response.status_code == 422 and "rejected" in body:
        return None  # the documented IngestOut: every item rejected
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"error body {body!r} is not {{'error': …}}"
    assert isinstance(error.get("type"), str) and isinstance(error.get("message"), str)
    return None


@pytest.fixture
def fuzz_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Hub, str]]:
    import deconfliction.hub.webhooks.addresses as webhook_module

    # Webhook URLs are resolved: keep the run off the network (every name is public).
    monkeypatch.setattr(webhook_module, "resolve", lambda host, port: ["93.184.216.34"])
    hub = Hub(
        Settings(),
        SQLiteStore(tmp_path / "fuzz.db"),
        clock=ManualClock(T0),
        key=Ed25519PrivateKey.generate(),
    )
    hub.issue_admin_token()
    _, token = hub.add_party("blue")
    hub.add_party("red")
    hub.set_agreement(Agreement("blue", "red", share_tracks=True))
    yield hub, token
    hub.close()


@pytest.fixture
def fuzz_schema(fuzz_hub: tuple[Hub, str]) -> Any:
    hub, _ = fuzz_hub
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(hub, run_cycle=False))


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[list[int]]:
    """Counts the cases of one test; the count is printed at the end of the run."""
    counted = [0]
    yield counted
    counts = request.config.stash.setdefault(FUZZ_COUNTS, {})
    counts[request.node.name] = counted[0]


def fuzz(hub: Hub, token: str, examples_per_operation: int) -> tuple[int, list[str], Counter[int]]:
    """Run every operation of the served schema with schema-valid and schema-violating
    cases; the number of cases, and the failures (each with Schemathesis's reproducer)."""
    # The token as a configured header: Schemathesis then knows every case carries it, and
    # its schema-violating cases do not count on its absence.
    config = schemathesis.Config.from_dict({"headers": {"Authorization": f"Bearer {token}"}})
    app = create_app(hub, run_cycle=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    cases = 0
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        cases += _fuzz_operation(result.ok(), examples_per_operation, failures, statuses)
    return cases, failures, statuses


def _fuzz_operation(
    operation: Any, examples: int, failures: list[str], statuses: Counter[int]
) -> int:
    cases = 0
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # every failure, not one shrunk
    )
    def run(case: Any) -> None:
        nonlocal cases
        cases += 1
        try:
            response = case.call_and_validate(
                excluded_checks=[positive_data_acceptance],
                additional_checks=[_error_shape],
            )
            statuses[response.status_code] += 1
        except BaseException as failure:  # Schemathesis's FailureGroup is one
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {failure}"[:3000])

    run()
    return cases


def test_fuzz(fuzz_hub: tuple[Hub, str], tally: list[int]) -> None:
    cases, failures, statuses = fuzz(*fuzz_hub, examples_per_operation=3)
    tally[0] = cases
    assert not failures, "\n\n".join(failures)
    assert sum(n for status, n in statuses.items() if status < 300) > cases // 20  # not all 4xx


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_fuzz_at_length(fuzz_hub: tuple[Hub, str], tally: list[int]) -> None:
    cases, failures, statuses = fuzz(*fuzz_hub, examples_per_operation=40)
    tally[0] = cases
    assert not failures, "\n\n".join(failures)
    assert sum(n for status, n in statuses.items() if status < 300) > cases // 20
    assert cases >= SLOW_MINIMUM_CASES


def fuzz_summary(config: pytest.Config) -> list[str]:
    """Lines for the end of the run: how many cases each fuzz test made."""
    counts = config.stash.get(FUZZ_COUNTS, {})
    lines = [f"schemathesis: {name} ran {count} cases" for name, count in sorted(counts.items())]
    return lines
