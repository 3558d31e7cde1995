"""Retention: records past their period purged, legal holds kept, the law's minimum enforced,
the registry's log and the audit trail never touched, every purge audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.clock import FixedClock
from scf.core.errors import InvalidInput, PermissionDenied, RuleViolation, Unauthenticated
from scf.governance import service as governance
from scf.governance.model import NEVER_PURGED, RETENTION, RecordKind
from scf.parties import service as parties
from scf.parties.tables import ApiTokenRow, LoginThrottleRow, SecurityAlertRow
from scf.platform import Platform
from tests.factories import PASSWORD, add_org, add_user


def count(platform: Platform, table: type) -> int:
    with platform.uow(Actor.system()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def seed(platform: Platform) -> dict[str, object]:
    held, free = add_org(platform, "supplier"), add_org(platform, "supplier")
    users = {
        "held": add_user(platform, held, "held_user"),
        "free": add_user(platform, free, "free_user"),
    }
    regulator = add_user(platform, add_org(platform, "regulator"), "regu")
    operator = add_user(platform, add_org(platform, "operator"), "opr")
    for name in ("held_user", "free_user"):
        with platform.uow(Actor.system()) as uow:
            parties.login(uow, name, PASSWORD)
    for name in ("held_user", "free_user"):  # bursts of failed logins: a security alert each
        for attempt in range(5):
            with platform.uow(Actor.system()) as uow, pytest.raises(Unauthenticated):
                parties.login(uow, name, "wrong-password", client_address=f"10.0.0.{attempt}")
    return {"held": held, "free": free, "users": users, "reg": regulator, "op": operator}


def test_purge_keeps_held_records_and_refuses_what_the_law_forbids(
    platform: Platform, clock: FixedClock
) -> None:
    w = seed(platform)
    reg, op = w["reg"], w["op"]
    assert isinstance(reg, Actor) and isinstance(op, Actor)
    with platform.uow(reg) as uow:
        hold = governance.place_hold(uow, str(w["held"]), "诉讼保全", "深圳市中级人民法院")
    assert count(platform, ApiTokenRow) == 2
    with platform.uow(Actor.system()) as uow:
        subjects = uow.session.scalars(select(SecurityAlertRow.subject)).all()
    assert {"held_user", "free_user"} <= set(subjects), subjects
    assert count(platform, LoginThrottleRow) > 0

    # A period below the law's minimum is refused, nothing changed.
    with platform.uow(op) as uow:
        with pytest.raises(InvalidInput) as refused:
            governance.set_retention(uow, "security_alert", 30)
    assert refused.value.code == "retention_below_minimum"
    assert refused.value.errors[0].field == "days"
    with platform.uow(op) as uow:
        periods = {p["kind"]: p["days"] for p in governance.retention_periods(uow)}
    assert periods["security_alert"] == RETENTION[RecordKind.SECURITY_ALERT].default_days
    with platform.uow(reg) as uow, pytest.raises(PermissionDenied):
        governance.set_retention(uow, "session", 365)

    # Nothing has expired yet.
    with platform.uow(op) as uow:
        assert not any(governance.purge(uow).values())

    clock.advance(timedelta(days=4 * 366))
    audits_before = count(platform, AuditEntry)
    # A purge aimed at the held organization is refused.
    with platform.uow(op) as uow, pytest.raises(RuleViolation) as held:
        governance.purge(uow, str(w["held"]))
    assert held.value.code == "legal_hold"
    with platform.uow(op) as uow:
        done = governance.purge(uow)
    assert done["session"] == 1 and done["security_alert"] >= 1 and done["login_counter"] > 0
    with platform.uow(Actor.system()) as uow:
        left = set(uow.session.scalars(select(SecurityAlertRow.subject)))
        tokens_left = uow.session.scalars(select(ApiTokenRow.user_id)).all()
        purged = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.purged")
        ).all()
    held_user = w["users"]["held"]  # type: ignore[index]
    assert "held_user" in left and "free_user" not in left
    assert tokens_left == [held_user.user_id]
    assert count(platform, LoginThrottleRow) == 0
    assert {a.aggregate_id: a.after["count"] for a in purged if a.after} == done
    assert all(a.after and a.after["legal_basis"] for a in purged)
    # The audit trail only grew: one entry per kind purged.
    assert count(platform, AuditEntry) == audits_before + 3

    # Once the hold is lifted, the held records age like the rest.
    with platform.uow(reg) as uow:
        governance.lift_hold(uow, hold.id, "判决已执行")
    with platform.uow(op) as uow:
        again = governance.purge(uow, str(w["held"]))
    assert again["session"] == 1 and again["security_alert"] >= 1
    assert count(platform, ApiTokenRow) == 0
    with platform.uow(Actor.system()) as uow:
        assert "held_user" not in set(uow.session.scalars(select(SecurityAlertRow.subject)))


def test_a_longer_period_keeps_records_longer(platform: Platform, clock: FixedClock) -> None:
    seed(platform)
    op = add_user(platform, add_org(platform, "operator"), "opr2")
    with platform.uow(op) as uow:
        got = governance.set_retention(uow, "session", 10 * 365)
    assert got["days"] == 3650 and got["legal_basis"]
    clock.advance(timedelta(days=4 * 366))
    with platform.uow(op) as uow:
        assert governance.purge(uow)["session"] == 0
    assert count(platform, ApiTokenRow) == 2


def test_the_registry_log_and_the_audit_trail_are_never_purged() -> None:
    assert not {r.table for r in RETENTION.values()} & set(NEVER_PURGED)
    assert set(parties.PURGEABLE) == {k.value for k in RETENTION}


def test_the_server_purges_in_the_background(platform: Platform, clock: FixedClock) -> None:
    from fastapi.testclient import TestClient

    from scf.api import create_app

    seed(platform)
    clock.advance(timedelta(days=4 * 366))
    platform.settings.purge_every_hours = 24
    try:
        with TestClient(create_app(platform)) as client:
            assert client.get("/healthz").status_code == 200
    finally:
        platform.settings.purge_every_hours = 0
    # The purge ran once at start, as the platform, and said so in the audit trail.
    assert count(platform, ApiTokenRow) == 0
    with platform.uow(Actor.system()) as uow:
        kinds = set(
            uow.session.scalars(
                select(AuditEntry.aggregate_id).where(AuditEntry.action == "retention.purged")
            )
        )
    assert kinds == {"session", "security_alert", "login_counter"}
