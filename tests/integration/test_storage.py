"""Storage guarantees on both backends: rollback unless committed, versions, append-only audit."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from scf.core.errors import Conflict
from scf.core.migrate import pending
from scf.core.money import Money
from scf.parties import service as parties
from scf.parties.tables import OrganizationRow
from scf.platform import Platform
from tests.factories import add_org, next_uscc


def org_input(name: str = "原子性测试有限公司") -> parties.OrganizationInput:
    return parties.OrganizationInput(
        uscc=next_uscc(),
        name=name,
        district="futian",
        roles=["supplier"],
        size_class="small",
        founded_on=date(2019, 1, 1),
        registered_capital=Money.of("100000", "CNY"),
    )


def count_orgs(platform: Platform) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(OrganizationRow)) or 0


def test_database_is_migrated(platform: Platform) -> None:
    assert pending(platform.engine) == set()


def test_unit_of_work_rolls_back_unless_committed(platform: Platform) -> None:
    before = count_orgs(platform)
    with pytest.raises(RuntimeError), platform.uow(Actor.system()) as uow:
        uow.session.add(
            OrganizationRow(
                id="org_crash",
                uscc=next_uscc(),
                name="x",
                district="futian",
                roles=["supplier"],
                chain_tags=[],
                size_class="small",
                founded_on=date(2020, 1, 1),
                registered_capital_minor=1,
                registered_capital_currency="CNY",
                address="",
                phone="",
                created_at=uow.now(),
            )
        )
        uow.flush()
        raise RuntimeError("crash before commit")
    assert count_orgs(platform) == before


def test_refused_command_writes_nothing_not_even_audit(platform: Platform) -> None:
    add_org(platform, "supplier")
    with platform.uow() as uow:
        audits = uow.session.scalar(select(func.count()).select_from(AuditEntry))
    bad = org_input()
    bad.district = "atlantis"
    with platform.uow(Actor.system()) as uow, pytest.raises(Exception, match="district"):
        parties.register_organization(uow, bad)
    with platform.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_audit_log_is_append_only_in_the_database(platform: Platform) -> None:
    add_org(platform, "supplier")
    with platform.engine.connect() as conn:
        with pytest.raises(DBAPIError):
            conn.execute(text("UPDATE audit_log SET action = 'forged'"))
        conn.rollback()
        with pytest.raises(DBAPIError):
            conn.execute(text("DELETE FROM audit_log"))
        conn.rollback()


def test_concurrent_updates_one_wins_other_gets_stale_version(platform: Platform) -> None:
    org_id = add_org(platform, "supplier")
    with platform.uow() as uow:
        version = parties.find_organization(uow, org_id).version
    barrier = threading.Barrier(2)
    results: list[str] = []
    lock = threading.Lock()

    def rename(name: str) -> None:
        # Both writers start from the same version; the barrier releases them together.
        barrier.wait(timeout=30)
        try:
            with platform.uow(Actor(None, None, frozenset({"operator"}), "op")) as uow:
                parties.update_organization(uow, org_id, version, {"name": name})
            outcome = "ok"
        except Conflict as exc:
            outcome = exc.code
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=rename, args=(n,)) for n in ("甲有限公司", "乙有限公司")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "stale_version"]
    with platform.uow() as uow:
        row = parties.find_organization(uow, org_id)
        assert row.version == version + 1
        assert row.name in {"甲有限公司", "乙有限公司"}
        updates = uow.session.scalars(
            select(AuditEntry).where(
                AuditEntry.aggregate_id == org_id, AuditEntry.action == "organization.updated"
            )
        ).all()
        assert len(updates) == 1
        assert updates[0].after is not None and updates[0].after["name"] == row.name


def test_duplicate_uscc_under_concurrency_lands_once(platform: Platform) -> None:
    uscc = next_uscc()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def register(i: int) -> None:
        data = org_input(f"并发{i}有限公司")
        data.uscc = uscc
        barrier.wait(timeout=30)
        try:
            with platform.uow(Actor.system()) as uow:
                parties.register_organization(uow, data)
            outcome = "ok"
        except Conflict as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 4 and outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "duplicate_uscc", "integrity_conflict"}
    with platform.uow() as uow:
        assert parties.find_by_uscc(uow, uscc) is not None


def test_audit_many_writes_what_audit_writes_in_call_order(platform: Platform) -> None:
    from decimal import Decimal

    from scf.core.uow import AuditItem

    def entries(first_id: int) -> list[tuple[Any, ...]]:
        with platform.uow() as uow:
            rows = uow.session.scalars(
                select(AuditEntry).where(AuditEntry.id > first_id).order_by(AuditEntry.id)
            )
            return [
                (e.action, e.aggregate_type, e.aggregate_id, e.org_id, e.user_id, e.before, e.after)
                for e in rows
            ]

    def last_id() -> int:
        with platform.uow() as uow:
            return int(uow.session.scalar(select(func.max(AuditEntry.id))) or 0)

    after = {"amount": Money.of("10.00", "CNY"), "rate": Decimal("0.035")}
    items = [AuditItem(f"agg{i}", None, after, "org_x" if i % 2 else None) for i in range(3)]
    start = last_id()
    with platform.uow(Actor.system()) as uow:
        uow.audit("test.first", "thing", "head")
        for it in items:
            uow.audit("test.bulk", "thing", it.aggregate_id, after=it.after, org_id=it.org_id)
        uow.commit()
    one_by_one = entries(start)
    start = last_id()
    with platform.uow(Actor.system()) as uow:
        uow.audit("test.first", "thing", "head")  # still pending in the session
        uow.audit_many("test.bulk", "thing", items)
        uow.commit()
    assert entries(start) == one_by_one
    assert one_by_one[1][-1] == {"amount": {"amount": "10.00", "currency": "CNY"}, "rate": "0.035"}
