"""Readers under one busy office: a request that reads never waits for the write lock, a reader
that writes after all does not fail, and an export reads one snapshot."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.parties.tables import OrganizationRow
from scf.platform import Platform
from tests.factories import add_org, add_user, token


def _hold_the_write_lock(platform: Platform) -> Any:
    """A writer in the middle of its transaction (it changed a row and has not committed)."""
    writer = platform.uow(Actor.system())
    writer.__enter__()
    org = writer.session.scalars(select(OrganizationRow).limit(1)).one()
    org.phone = "0755-0000"
    writer.session.flush()
    return writer


def test_a_get_request_does_not_wait_for_a_writer(client: TestClient, platform: Platform) -> None:
    add_user(platform, add_org(platform, "supplier"), "patient.reader")
    t = token(client, "patient.reader")
    writer = _hold_the_write_lock(platform)
    answers: list[int] = []
    reader = threading.Thread(
        target=lambda: answers.append(
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code
        )
    )
    try:
        reader.start()
        reader.join(timeout=5)
        # before: authentication began with BEGIN IMMEDIATE and queued behind the writer
        assert answers == [200]
    finally:
        writer.__exit__(None, None, None)
        reader.join()


def test_a_reader_that_writes_after_another_commit_is_not_refused(platform: Platform) -> None:
    add_org(platform, "supplier")
    with platform.uow(Actor.system(), reading=True) as reader:
        before = reader.session.scalar(select(func.count()).select_from(OrganizationRow))
        add_org(platform, "bank")  # another connection commits meanwhile
        org = reader.session.scalars(select(OrganizationRow).limit(1)).one()
        reader.audit("organization.read", "organization", org.id)
        # before: SQLite refused the upgrade of the stale read (SQLITE_BUSY_SNAPSHOT)
        reader.commit()
    assert before is not None
    with platform.uow(Actor.system()) as uow:
        from scf.core.audit import AuditEntry

        got = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "organization.read")
        )
    assert got == 1


def test_an_export_reads_one_snapshot(platform: Platform) -> None:
    add_org(platform, "supplier")
    with platform.uow(Actor.system(), reading=True) as export:
        export.session.scalar(select(func.count()).select_from(OrganizationRow))  # the token
        export.read_snapshot()
        first = export.session.scalar(select(func.count()).select_from(OrganizationRow))
        add_org(platform, "bank")  # committed while the export runs
        again = export.session.scalar(select(func.count()).select_from(OrganizationRow))
        # before: PostgreSQL read each statement at READ COMMITTED and saw the new row
        assert again == first
    with platform.uow(Actor.system()) as uow:
        after = uow.session.scalar(select(func.count()).select_from(OrganizationRow))
    assert after == (first or 0) + 1


def test_the_indicator_exports_read_while_a_writer_holds_the_lock(
    client: TestClient, platform: Platform
) -> None:
    add_user(platform, add_org(platform, "regulator"), "the.regulator")
    headers = {"Authorization": f"Bearer {token(client, 'the.regulator')}"}
    writer = _hold_the_write_lock(platform)
    answers: list[int] = []

    def export() -> None:
        for path in ("indicators.csv", "indicators.xlsx"):
            answers.append(
                client.get(f"/api/v1/supervision/exports/{path}", headers=headers).status_code
            )

    reader = threading.Thread(target=export)
    try:
        reader.start()
        reader.join(timeout=10)
        assert answers == [200, 200]
    finally:
        writer.__exit__(None, None, None)
        reader.join()
