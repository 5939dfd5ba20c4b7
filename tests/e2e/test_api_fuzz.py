"""Schemathesis against the app in-process (ASGI, no network), on SQLite and PostgreSQL.

Every operation of the OpenAPI document gets a fixed number of generated requests
(fixed seed, so a run is repeatable), authenticated as an admin; the lane fails on
any 5xx and on any response that does not match the documented schema. Run it
alone with ``pytest -m fuzz -s tests/e2e/test_api_fuzz.py`` (it prints how many
requests it sent); ``make test`` runs it with the rest of tests/e2e.
``KITH_FUZZ_EXAMPLES`` raises the number of examples per operation for a longer run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kith.container import Container
from tests.conftest import Workspace, sign_in


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    """POST /events/batch takes NDJSON text: a generated string goes as it is, anything
    else as one JSON line."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("KITH_FUZZ_EXAMPLES", "4"))
SEED = 20261207
CHECKS = [not_a_server_error, response_schema_conformance]
# Fixed values that keep a generated request from waiting: the feed streams for `wait` s.
FIXED_QUERY = {("GET", "/api/v1/agents/feed"): {"wait": 0}}


def _fuzz(
    operation: Any, headers_for: Callable[[], dict[str, str]], statuses: Counter[int]
) -> None:
    """Up to EXAMPLES generated requests; raises on the first failing check."""
    fixed = FIXED_QUERY.get((operation.method.upper(), operation.path))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    @given(case=operation.as_strategy(query=fixed))
    def run(case: Any) -> None:
        headers = headers_for()
        try:
            response = case.call(headers=headers)
        except Exception:  # the in-process client re-raises what a server answers with 500
            statuses[500] += 1
            raise
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def test_generated_requests_get_no_5xx_and_match_the_schema(
    app_client: TestClient, workspace: Workspace, container: Container
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)

    def fresh_session() -> dict[str, str]:  # sign-out would revoke the shared session
        return sign_in(app_client, workspace.users["admin"].email).headers

    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app_client.app)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        logout = operation.path == "/api/v1/auth/logout"
        try:
            _fuzz(operation, fresh_session if logout else lambda: admin.headers, statuses)
        except Exception as exc:  # hypothesis stops an operation at its first failure
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:2000]}")

    total = sum(statuses.values())
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    backend = container.engine.dialect.name
    print(
        f"\nschemathesis [{backend}]: {total} requests, {server_errors} 5xx, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n\n".join(failures)
    assert total > 100, "no requests were generated"
