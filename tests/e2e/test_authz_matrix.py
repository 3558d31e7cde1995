"""Every endpoint x every role: authorization by role and tenancy.

Paths are called with ids of a *foreign* organization's records (the subject is a supplier
the caller is not party to, without consent). A role listed in the rules must get past
authorization (anything but 401/403/404-from-tenancy is fine: a 422 for an empty body still
proves the caller was let in); any other role must get 403 or 404. Without a token every
non-public endpoint answers 401.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi.testclient import TestClient

import tests.e2e as e2e_pkg
from scf.parties.model import Role
from tests.factories import World

SKIP_PATHS = {"/healthz", "/readyz", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc"}


def _modules() -> list[Any]:
    return [
        importlib.import_module(f"tests.e2e.{m.name}")
        for m in pkgutil.iter_modules(e2e_pkg.__path__)
        if m.name.startswith("authz_")
    ]


def load_rules() -> dict[tuple[str, str], Any]:
    rules: dict[tuple[str, str], Any] = {}
    for mod in _modules():
        rules.update(mod.RULES)
    return rules


def load_bodies() -> dict[tuple[str, str], Any]:
    """Optional BODIES: (method, path) -> function(world) -> JSON body aimed at the subject."""
    bodies: dict[tuple[str, str], Any] = {}
    for mod in _modules():
        bodies.update(getattr(mod, "BODIES", {}))
    return bodies


def api_routes(app: Any) -> list[tuple[str, str]]:
    """Every operation the OpenAPI document publishes under /api/."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        if path in SKIP_PATHS or not path.startswith("/api/"):
            continue
        for method in ops:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                out.append((method.upper(), path))
    assert out, "no API routes found"
    return sorted(out)


def fill(path: str, world: World) -> str:
    """Put another tenant's ids into the path (organizations: a supplier nobody here works for)."""
    subject = world.subject
    out = path
    for name in ("org_id", "organization_id"):
        out = out.replace("{" + name + "}", subject)
    import re

    return re.sub(r"\{[^}]+\}", "does-not-exist", out)


def test_every_route_has_a_rule(app: Any) -> None:
    rules = load_rules()
    missing = [r for r in api_routes(app) if r not in rules]
    assert not missing, f"add these routes to a tests/e2e/authz_<room>.py RULES table: {missing}"


def test_matrix(client: TestClient, app: Any, world: World) -> None:
    rules = load_rules()
    bodies = load_bodies()
    tokens = {role.value: world.headers(client, role.value) for role in Role}
    failures: list[str] = []
    for method, path in api_routes(app):
        rule = rules[(method, path)]
        url = fill(path, world)
        body = bodies[(method, path)](world) if (method, path) in bodies else {}
        # no token
        r = client.request(method, url, json=body)
        if rule == "public":
            if r.status_code in (401, 403):
                failures.append(f"{method} {path} public but {r.status_code} without token")
            continue
        if r.status_code != 401:
            failures.append(f"{method} {path} without token: {r.status_code}, want 401")
        for role in Role:
            allowed = rule == "*" or role.value in rule
            r = client.request(method, url, json=body, headers=tokens[role.value])
            if allowed and r.status_code in (401, 403):
                failures.append(f"{method} {path} as {role.value}: {r.status_code}, want allowed")
            if allowed and r.status_code == 404 and "{" not in path.replace("{org_id}", ""):
                failures.append(f"{method} {path} as {role.value}: 404, want allowed")
            if not allowed and r.status_code not in (403, 404):
                failures.append(f"{method} {path} as {role.value}: {r.status_code}, want 403/404")
        if path.endswith("/auth/logout"):  # each role's token was revoked: log in again
            tokens = {role.value: world.headers(client, role.value) for role in Role}
    assert not failures, "\n".join(failures)
