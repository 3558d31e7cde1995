"""A bounded fuzzing run over the whole OpenAPI document (Schemathesis): a few generated
requests per operation, as two roles, against the real app. No answer may be a 5xx, and every
status code, content type and body must be one the document describes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine

from scf.config import Settings
from scf.core.clock import FixedClock
from scf.core.migrate import upgrade
from scf.platform import Platform
from tests.conftest import BACKENDS, TEST_SECRET, _truncate_all
from tests.factories import World, confirmed_receivable, token, use_registry_key

ROLES = ("supplier", "bank")
EXAMPLES = int(os.environ.get("SCF_FUZZ_EXAMPLES", "3"))
# While working on one room: SCF_FUZZ_ONLY=trade_,registry_ fuzzes only the operations whose
# operationId starts with one of these (the whole document otherwise, as in CI).
ONLY = tuple(p for p in os.environ.get("SCF_FUZZ_ONLY", "").split(",") if p)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, dict[str, str]]]:
    from scf.api import create_app

    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'scf.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_database")
        engine = create_engine(url)
        _truncate_all(engine)
        engine.dispose()
    s = Settings(
        database_url=url,
        secret_key=TEST_SECRET,
        calendar_dir=tmp / "calendar",
        log_json=False,
    )
    platform = Platform.create(s, clock=FixedClock(datetime(2025, 3, 3, 2, 0, tzinfo=UTC)))
    upgrade(platform.engine)
    use_registry_key(platform)
    world = World.build(platform)
    confirmed_receivable(platform, world.orgs["supplier"], world.orgs["core_enterprise"])
    app = create_app(platform)
    with TestClient(app) as client:
        tokens = {role: token(client, role) for role in ROLES}
    try:
        yield app, tokens
    finally:
        platform.dispose()


@pytest.mark.slow
def test_no_5xx_and_nothing_undocumented(fuzz_app: tuple[Any, dict[str, str]]) -> None:
    app, _ = fuzz_app
    app.openapi()  # built once before loading, so a busy machine does not time the load out
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100
    if ONLY:
        operations = [
            o for o in operations if str(o.definition.raw.get("operationId", "")).startswith(ONLY)
        ]
    current: dict[str, str] = {}  # the roles' tokens for the operation being fuzzed
    for operation in operations:
        # fresh logins for each operation: an earlier one may have been a logout, a session
        # revocation or a password change that ended the previous tokens
        with TestClient(app) as client:
            current.update({role: token(client, role) for role in ROLES})

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            for role in ROLES:  # the same generated request as each role
                headers = {"Authorization": f"Bearer {current[role]}"}
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            fuzz()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # collected, so that one run names every operation at fault
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    assert not failures, "\n\n".join(failures)
    print("fuzzing answers by status:", dict(sorted(statuses.items())))
    assert sum(statuses.values()) >= len(operations) * len(ROLES)
    assert sum(n for s, n in statuses.items() if s < 300) > 0  # some requests got through


def test_the_document_declares_security_errors_and_readable_ids(app: Any) -> None:
    doc = app.openapi()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ids.append(op["operationId"])
            assert "_api_v1_" not in op["operationId"], op["operationId"]
            responses = op["responses"]
            problem = responses["422"]["content"]["application/problem+json"]["schema"]
            assert problem == {"$ref": "#/components/schemas/Problem"}
            if op["security"]:
                assert {"401", "403"} <= set(responses), (method, path)
            if method != "get":
                assert "409" in responses, (method, path)
    assert len(ids) == len(set(ids))
    public = {p for p, ops in doc["paths"].items() for op in ops.values() if not op["security"]}
    assert "/api/v1/registry/search" in public and "/api/v1/financing/applications" not in public
