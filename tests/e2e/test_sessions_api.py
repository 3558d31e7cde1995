"""Sessions and logins: logout revokes, sessions are listed and revoked, a new password revokes
the others, failed logins are throttled per account and per address, and bursts are alerted."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from scf.config import Settings
from scf.core.clock import FixedClock
from scf.parties import security
from scf.platform import Platform
from tests.factories import PASSWORD, add_org, add_user, token


def _bearer(t: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {t}"}


def _login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


@pytest.fixture
def throttled(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """An app whose throttle locks an account after 3 failures and an address after 6."""
    from scf.api import create_app

    tuned = settings.model_copy(
        update={
            "login_throttle_account": "3/minute;6/hour",
            "login_throttle_address": "6/minute",
            "login_throttle_namespace": uuid.uuid4().hex,
        }
    )
    p = Platform.create(tuned, clock=clock)
    try:
        with TestClient(create_app(p)) as c:
            c.platform = p  # type: ignore[attr-defined]
            yield c
    finally:
        p.dispose()


def test_logout_revokes_the_token_on_the_server(client: TestClient, platform: Platform) -> None:
    add_user(platform, add_org(platform, "supplier"), "leaving.user")
    t = token(client, "leaving.user")
    assert client.get("/api/v1/me", headers=_bearer(t)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=_bearer(t)).status_code == 204
    r = client.get("/api/v1/me", headers=_bearer(t))
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_web_logout_revokes_the_session(client: TestClient, platform: Platform) -> None:
    add_user(platform, add_org(platform, "supplier"), "web.leaver")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf
    form = {"username": "web.leaver", "password": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    session = client.cookies.get("scf_session")
    assert session and client.get("/api/v1/me", headers=_bearer(session)).status_code == 200
    page = client.get("/account/sessions").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf and "当前会话" in page
    r = client.post("/logout", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/me", headers=_bearer(session)).status_code == 401


def test_a_user_lists_and_revokes_own_sessions(client: TestClient, platform: Platform) -> None:
    org = add_org(platform, "supplier")
    add_user(platform, org, "two.devices")
    add_user(platform, org, "someone.else")
    first, second = token(client, "two.devices"), token(client, "two.devices")
    other = _login(client, "someone.else").json()["token_id"]
    listed = client.get("/api/v1/auth/sessions", headers=_bearer(first)).json()
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    mine = next(s for s in listed if s["current"])
    theirs = next(s for s in listed if not s["current"])
    assert mine["client_address"] == "testclient" and mine["last_seen_at"]
    # another user's session is not found, and stays valid
    r = client.delete(f"/api/v1/auth/sessions/{other}", headers=_bearer(first))
    assert r.status_code == 404
    r = client.delete(f"/api/v1/auth/sessions/{theirs['id']}", headers=_bearer(first))
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=_bearer(second)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(first)).status_code == 200
    assert [
        s["id"] for s in client.get("/api/v1/auth/sessions", headers=_bearer(first)).json()
    ] == [mine["id"]]


def test_a_new_password_revokes_the_other_sessions_and_api_tokens(
    client: TestClient, platform: Platform
) -> None:
    add_user(platform, add_org(platform, "supplier"), "new.password")
    here, elsewhere = token(client, "new.password"), token(client, "new.password")
    api = client.post("/api/v1/auth/tokens", json={"name": "erp"}, headers=_bearer(here)).json()
    new = "a-much-longer-password-2026"
    body = {"current_password": PASSWORD + "x", "new_password": new}
    r = client.post("/api/v1/auth/password", json=body, headers=_bearer(here))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "current_password"
    assert client.get("/api/v1/me", headers=_bearer(elsewhere)).status_code == 200
    body["current_password"] = PASSWORD
    r = client.post("/api/v1/auth/password", json=body, headers=_bearer(here))
    assert r.status_code == 200 and r.json() == {"revoked": 2}
    assert client.get("/api/v1/me", headers=_bearer(elsewhere)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(api["token"])).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(here)).status_code == 200
    assert _login(client, "new.password").status_code == 401
    assert _login(client, "new.password", new).status_code == 200


def test_failed_logins_lock_the_account_with_retry_after(throttled: TestClient) -> None:
    p: Platform = throttled.platform  # type: ignore[attr-defined]
    add_user(p, add_org(p, "supplier"), "guessed.user")
    operator = add_org(p, "operator")
    add_user(p, operator, "the.operator")
    op = token(throttled, "the.operator")
    for _ in range(3):
        assert _login(throttled, "guessed.user", "not-the-password").status_code == 401
    r = _login(throttled, "guessed.user")  # even the right password waits now
    assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= 60 and r.json()["details"]["retry_after"] == wait
    # the burst is an alert the operator lists; others may not
    alerts = throttled.get("/api/v1/auth/security-alerts", headers=_bearer(op)).json()
    assert alerts["total"] == 1
    a = alerts["items"][0]
    assert (a["kind"], a["subject"], a["failures"], a["window_seconds"]) == (
        "account_locked",
        "guessed.user",
        3,
        60,
    )
    add_user(p, add_org(p, "bank"), "a.banker")
    banker = token(throttled, "a.banker")
    r = throttled.get("/api/v1/auth/security-alerts", headers=_bearer(banker))
    assert r.status_code == 403


def test_failures_from_one_address_lock_the_address(throttled: TestClient) -> None:
    p: Platform = throttled.platform  # type: ignore[attr-defined]
    add_user(p, add_org(p, "supplier"), "spray.target")
    for i in range(6):  # six names, two failures each at most: no account is locked
        assert _login(throttled, f"name{i % 3}", "wrong-password").status_code == 401
    r = _login(throttled, "spray.target")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    with p.uow() as uow:
        from scf.core.actor import Actor
        from scf.parties import service as parties

        uow.actor = Actor.system()
        rows, _ = parties.security_alerts(uow)
    assert [(r.kind, r.subject) for r in rows] == [("address_locked", "testclient")]


def test_the_delays_grow_with_the_failures(settings: Settings, clock: FixedClock) -> None:
    from scf.api import create_app

    tuned = settings.model_copy(
        update={
            "login_throttle_account": "2/2 second;3/hour",
            "login_throttle_address": "100/hour",
            "login_throttle_namespace": uuid.uuid4().hex,
        }
    )
    p = Platform.create(tuned, clock=clock)
    try:
        with TestClient(create_app(p)) as c:
            add_user(p, add_org(p, "supplier"), "slow.learner")
            for _ in range(2):
                assert _login(c, "slow.learner", "wrong-password").status_code == 401
            first = _login(c, "slow.learner")
            assert first.status_code == 429 and int(first.headers["retry-after"]) <= 2
            time.sleep(2.2)
            assert _login(c, "slow.learner", "wrong-password").status_code == 401
            second = _login(c, "slow.learner")
            assert second.status_code == 429 and int(second.headers["retry-after"]) > 60
    finally:
        p.dispose()


def test_an_unknown_user_costs_a_hash_check_like_a_known_one(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(platform, add_org(platform, "supplier"), "known.user")
    checked: list[str] = []
    real = security.verify_password

    def counting(stored: str, password: str) -> bool:
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(security, "verify_password", counting)
    assert _login(client, "known.user", "wrong-password").status_code == 401
    assert _login(client, "nobody.at.all", "wrong-password").status_code == 401
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)
    assert checked[1] == security.dummy_hash()


def test_the_web_login_says_when_to_try_again(throttled: TestClient) -> None:
    p: Platform = throttled.platform  # type: ignore[attr-defined]
    add_user(p, add_org(p, "supplier"), "web.guessed")
    csrf = re.search(r'name="csrf" value="([^"]+)"', throttled.get("/login").text)
    assert csrf
    form = {"username": "web.guessed", "csrf": csrf.group(1), "next": "/sme"}
    for _ in range(3):
        r = throttled.post("/login", data={**form, "password": "wrong-password"})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = throttled.post("/login", data={**form, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 429 and 'role="alert"' in r.text and "秒后重试" in r.text
    assert int(r.headers["retry-after"]) >= 1 and "scf_session" not in r.cookies


def test_reading_with_a_token_does_not_write_on_every_request(
    client: TestClient, platform: Platform
) -> None:
    from sqlalchemy import event

    add_user(platform, add_org(platform, "supplier"), "busy.reader")
    t = token(client, "busy.reader")
    writes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        for _ in range(10):
            assert client.get("/api/v1/me", headers=_bearer(t)).status_code == 200
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)
    assert len(writes) <= 1, writes  # the last use, noted once, not ten times


def _redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.skipif(not _redis_up(REDIS_URL), reason="no Redis on 127.0.0.1:6379")
def test_two_instances_share_the_throttle_in_redis(
    settings: Settings, clock: FixedClock, tmp_path: Path, sqlite_template: Path
) -> None:
    """Two API instances, each with its own database, share one Redis: failures on one lock
    the account on the other (the database storage could not do that)."""
    import shutil

    from scf.api import create_app

    other_db = tmp_path / "other.db"
    shutil.copyfile(sqlite_template, other_db)
    shared = {
        "login_throttle_storage": REDIS_URL,
        "login_throttle_account": "4/minute",
        "login_throttle_namespace": uuid.uuid4().hex,
    }
    a = Platform.create(settings.model_copy(update=shared), clock=clock)
    b = Platform.create(
        settings.model_copy(update={**shared, "database_url": f"sqlite:///{other_db}"}),
        clock=clock,
    )
    try:
        with TestClient(create_app(a)) as ca, TestClient(create_app(b)) as cb:
            for p in (a, b):
                add_user(p, add_org(p, "supplier"), "shared.user")
            for c in (ca, cb, ca, cb):
                assert _login(c, "shared.user", "wrong-password").status_code == 401
            for c in (ca, cb):
                r = _login(c, "shared.user")
                assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    finally:
        a.dispose()
        b.dispose()


def test_a_login_while_redis_is_down_counts_in_the_database(
    settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The shared store does not answer (nothing listens on its port): logins still answer
    401 and 200, never 500, and the failures still lock the account, counted in the database."""
    from scf.api import create_app

    down = {
        "login_throttle_storage": "redis://127.0.0.1:9/0?socket_connect_timeout=0.2",
        "login_throttle_account": "3/minute",
        "login_throttle_namespace": uuid.uuid4().hex,
    }
    p = Platform.create(settings.model_copy(update=down), clock=clock)
    try:
        with TestClient(create_app(p)) as c:
            add_user(p, add_org(p, "supplier"), "redis.down")
            assert _login(c, "redis.down").status_code == 200
            for _ in range(3):
                assert _login(c, "redis.down", "wrong-password").status_code == 401
            r = _login(c, "redis.down")
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        with p.uow() as uow:
            counted = uow.session.execute(text("SELECT count(*) FROM login_throttle")).scalar()
        assert counted and counted > 0
        assert "login throttle store unreachable" in caplog.text
    finally:
        p.dispose()


def test_the_operator_page_lists_the_security_alerts(throttled: TestClient) -> None:
    p: Platform = throttled.platform  # type: ignore[attr-defined]
    add_user(p, add_org(p, "operator"), "page.operator")
    for _ in range(3):
        assert _login(throttled, "locked.out", "wrong-password").status_code == 401
    csrf = re.search(r'name="csrf" value="([^"]+)"', throttled.get("/login").text)
    assert csrf
    form = {"username": "page.operator", "password": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    assert throttled.post("/login", data=form, follow_redirects=False).status_code == 303
    html = throttled.get("/operator").text
    assert "安全告警" in html and "账户已锁定" in html and "locked.out" in html


def test_the_account_page_changes_the_password(client: TestClient, platform: Platform) -> None:
    add_user(platform, add_org(platform, "supplier"), "page.user")
    elsewhere = token(client, "page.user")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf
    form = {"username": "page.user", "password": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    page = client.get("/account/sessions").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf and page.count('id="session-') == 2
    wrong = {"csrf": csrf.group(1), "current_password": "not-it", "new_password": "x" * 12}
    r = client.post("/account/password", data=wrong, follow_redirects=False)
    assert r.status_code == 422 and "当前密码不正确" in r.text and 'aria-invalid="true"' in r.text
    assert client.get("/api/v1/me", headers=_bearer(elsewhere)).status_code == 200
    right = {**wrong, "current_password": PASSWORD}
    r = client.post("/account/password", data=right, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/me", headers=_bearer(elsewhere)).status_code == 401
    assert client.get("/account/sessions").text.count('id="session-') == 1
