"""Every supervision export names the query, the period and the data version it came from."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.core.audit import AuditEntry
from tests.factories import World, add_org

P = "/api/v1/supervision"


def last_audit(world: World) -> int:
    with world.platform.uow(Actor.system()) as uow:
        return int(uow.session.scalar(select(func.max(AuditEntry.id))) or 0)


def test_exports_name_query_period_and_data_version(client: TestClient, world: World) -> None:
    reg = world.headers(client, "regulator")
    url = f"{P}/exports/indicators.csv?start=2025-01-01&end=2025-03-31"
    r = client.get(url, headers=reg)
    assert r.status_code == 200
    assert r.headers["x-scf-query"] == url
    assert r.headers["x-scf-period"] == "2025-01-01/2025-03-31"
    version = int(r.headers["x-scf-data-version"])
    assert version == last_audit(world) > 0
    add_org(world.platform, "supplier")  # the data changes: a new version
    again = client.get(f"{P}/exports/indicators.xlsx", headers=reg)
    assert again.status_code == 200 and again.headers["x-scf-period"] == "all"
    assert int(again.headers["x-scf-data-version"]) == last_audit(world) > version
    pdf = client.get(f"{P}/reports/monthly.pdf?month=2025-02", headers=reg)
    assert pdf.headers["x-scf-period"] == "2025-02"
    sharing = client.get(f"{P}/sharing-export", headers=reg)
    assert sharing.headers["x-scf-query"] == f"{P}/sharing-export"
