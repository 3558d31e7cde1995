"""Monthly partitions of the audit log on PostgreSQL: the migration converts a database in use,
rows, queries and the registry's proofs unchanged; months are created ahead and detached."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from scf.config import Settings
from scf.core.audit import AuditEntry
from scf.core.clock import FixedClock
from scf.core.db import make_engine
from scf.core.migrate import alembic_config, upgrade
from scf.core.money import Money
from scf.ops import service as ops
from scf.platform import Platform
from scf.registry import service as registry
from scf.registry.service import CollateralRef
from tests.conftest import PG_URL, TEST_SECRET
from tests.factories import World, add_org, fingerprint, use_registry_key

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="SCF_TEST_DATABASE_URL is not set: partitions are PostgreSQL's"
)


@pytest.fixture
def fresh(tmp_path: Path, clock: FixedClock) -> Iterator[Platform]:
    """A database of its own (the test migrates it down and up)."""
    assert PG_URL is not None
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"scf_part_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(database_url=url, secret_key=TEST_SECRET, calendar_dir=tmp_path / "c")
    p = Platform.create(settings, clock=clock)
    try:
        yield p
    finally:
        p.dispose()
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _file(w: World, i: int) -> None:
    with w.uow("bank") as uow:
        registry.file_registration(
            uow,
            registry.FilingInput(
                kind="pledge",
                grantor_org_ids=[w.orgs["supplier"]],
                secured_party_org_id=w.orgs["bank"],
                collateral=[CollateralRef("receivable", fingerprint(1000 + i))],
                collateral_descriptions=None,
                amount=Money.of("100", "CNY"),
                period_months=12,
            ),
        )


def _state(p: Platform) -> dict[str, Any]:
    with p.uow() as uow:
        entries = [
            e.as_dict() for e in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
        head = registry.latest_tree_head(uow)
        size = head["tree_size"]
        return {
            "audit": entries,
            "by_aggregate": [
                e.id
                for e in uow.session.scalars(
                    select(AuditEntry).where(AuditEntry.aggregate_type == "registration")
                )
            ],
            "head": head,
            "proofs": [registry.inclusion_proof(uow, i, size) for i in range(size)],
            "verified": registry.verify_log(uow).ok,
        }


def _partitioned(p: Platform) -> dict[str, list[str]]:
    with p.engine.connect() as conn:
        return {t.table: ops.partitions_of(conn, t.table) for t in ops.TABLES}


def test_the_migration_converts_a_database_in_use_and_nothing_read_changes(
    fresh: Platform, clock: FixedClock
) -> None:
    p = fresh
    command.downgrade(alembic_config(p.settings.database_url), "1200")
    assert _partitioned(p) == {"audit_log": []}
    w = World.build(p)
    use_registry_key(p)
    for i in range(3):  # March, April and May 2025
        _file(w, i)
        clock.advance(timedelta(days=31))
    before = _state(p)
    assert before["verified"] and before["head"]["tree_size"] >= 3

    upgrade(p.engine)
    parts = _partitioned(p)
    assert "audit_log_y2025m03" in parts["audit_log"] and "audit_log_default" in parts["audit_log"]
    assert "audit_log_y2025m05" in parts["audit_log"]
    assert _state(p) == before  # every row, query, tree head and proof as it was

    _file(w, 3)  # a filing after the conversion: the next ids, the log still verifies
    after = _state(p)
    assert after["verified"]
    assert after["audit"][: len(before["audit"])] == before["audit"]
    assert min(e["id"] for e in after["audit"][len(before["audit"]) :]) > before["audit"][-1]["id"]
    with p.engine.begin() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text("UPDATE audit_log SET action = 'x'"))


def test_months_are_created_ahead_once_and_a_past_month_detaches_whole(
    fresh: Platform, clock: FixedClock
) -> None:
    p = fresh
    with p.engine.begin() as conn:  # the scheduler's job, run on the platform's date
        assert ops.ensure_months(conn, clock.today(), ahead=1) == [
            "audit_log_y2025m03",
            "audit_log_y2025m04",
        ]
    World.build(p)  # entries of March 2025
    clock.advance(timedelta(days=31))
    add_org(p, "supplier")  # and of April
    with p.engine.connect() as conn:
        march = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE at < '2025-04-01 00:00:00+00'")
        ).scalar()
    assert march and march > 0
    with p.engine.begin() as conn:
        made = ops.ensure_months(conn, date(2031, 6, 15), ahead=1)
        again = ops.ensure_months(conn, date(2031, 6, 15), ahead=1)
    assert made == ["audit_log_y2031m06", "audit_log_y2031m07"]
    assert again == []
    with p.engine.begin() as conn:
        total = conn.execute(select(func.count()).select_from(AuditEntry)).scalar()
        name = ops.detach_month(conn, "audit_log", date(2025, 3, 1))
    assert name == "audit_log_y2025m03" and name not in _partitioned(p)["audit_log"]
    with p.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == march
        left = conn.execute(select(func.count()).select_from(AuditEntry)).scalar()
    assert left == total - march
