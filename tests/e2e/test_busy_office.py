"""One busy office: 8 clients mixing reads and writes for 30 seconds against a real server see
no 5xx (before, SQLite answered `database is locked` from authentication's BEGIN IMMEDIATE)."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from scf.platform import Platform
from tests.factories import PASSWORD, add_org, add_user
from tests.live import serve

CLIENTS = 8
SECONDS = 30.0


@pytest.fixture
def live(platform: Platform) -> Iterator[str]:
    from scf.api import create_app

    with serve(create_app(platform), log_level="critical", lifespan="off") as url:
        yield url


Step = Callable[[httpx.Client, int], httpx.Response]


def _steps(supplier: str, bank: str) -> list[tuple[str, Step]]:
    consent = {"grantee_org_id": bank, "scopes": ["profile"], "expires_at": "2025-09-01T00:00:00Z"}
    return [
        ("read", lambda c, i: c.get("/api/v1/me")),
        ("read", lambda c, i: c.get("/api/v1/organizations")),
        ("read", lambda c, i: c.get("/api/v1/auth/sessions")),
        ("read", lambda c, i: c.get("/api/v1/audit")),
        ("write", lambda c, i: c.post("/api/v1/auth/tokens", json={"name": f"erp {i}"})),
        ("read", lambda c, i: c.get(f"/api/v1/organizations/{supplier}")),
        ("write", lambda c, i: c.post("/api/v1/consents", json=consent)),
        ("read", lambda c, i: c.get("/api/v1/supervision/indicators")),
        (
            "write",
            lambda c, i: c.post(
                "/api/v1/auth/login", json={"username": "busy.sme", "password": PASSWORD}
            ),
        ),
        ("read", lambda c, i: c.get("/api/v1/supervision/exports/indicators.xlsx")),
    ]


def test_eight_clients_reading_and_writing_for_30_seconds_see_no_5xx(
    live: str, platform: Platform
) -> None:
    supplier = add_org(platform, "supplier")
    bank = add_org(platform, "bank")
    regulator = add_org(platform, "regulator")
    users = {"busy.sme": supplier, "busy.bank": bank, "busy.regulator": regulator}
    for name, org in users.items():
        add_user(platform, org, name)
    tokens = {}
    with httpx.Client(base_url=live, timeout=60) as c:
        for name in users:
            r = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            tokens[name] = r.json()["token"]
    steps = _steps(supplier, bank)
    seen: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    end = time.monotonic() + SECONDS

    def client(n: int) -> None:
        who = list(users)[n % len(users)]
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        with httpx.Client(base_url=live, headers=headers, timeout=60) as c:
            for i in itertools.count(n):
                if time.monotonic() >= end:
                    return
                kind, step = steps[i % len(steps)]
                r = step(c, i)
                with lock:
                    seen[(kind, r.status_code)] += 1
                    if r.status_code >= 500:
                        failures.append(f"{r.request.method} {r.request.url.path}: {r.text[:300]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]
    ok = Counter(kind for (kind, status), n in seen.items() for _ in range(n) if status < 300)
    # the mix really ran: reads and writes went through, many of each
    assert ok["read"] >= 40 and ok["write"] >= 16, seen
