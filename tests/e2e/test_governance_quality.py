"""Data quality monitoring: records seeded to fail each check, the results stored with counts
and examples, an alert per check below its threshold, the API and the operator's page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from scf.core.actor import Actor
from scf.core.clock import FixedClock
from scf.governance import service as governance
from scf.governance.quality import CHECK_CODES
from scf.platform import Platform
from scf.trade.tables import InvoiceRow, PaymentRow
from tests.factories import PASSWORD, World, add_org, confirmed_receivable


def _payment(platform: Platform, pid: str, payee: str, value_days_ago: int, **kw: Any) -> None:
    with platform.uow(Actor.system()) as uow:
        now = uow.now()
        uow.session.add(
            PaymentRow(
                id=pid,
                payer_org_id=kw.get("payer"),
                payee_org_id=payee,
                currency="CNY",
                amount_minor=kw.get("amount", 100_00),
                value_date=(now - timedelta(days=value_days_ago)).date(),
                reference=pid,
                remittance="",
                invoice_id=kw.get("invoice"),
                source="json",
                created_at=now,
            )
        )
        uow.commit()


def _seed(platform: Platform, world: World, clock: FixedClock) -> dict[str, str]:
    core = world.orgs["core_enterprise"]
    steady = add_org(platform, "supplier", phone="075512345678", address="深圳市南山区科技园")
    quiet = add_org(platform, "supplier", phone="075587654321", address="深圳市福田区")
    for _ in range(5):  # five invoices, then nothing: late and a sudden drop
        confirmed_receivable(platform, quiet, core)
    clock.advance(timedelta(days=35))
    confirmed_receivable(platform, steady, core)
    clock.advance(timedelta(days=10))
    confirmed_receivable(platform, steady, core)
    with platform.uow(Actor.system()) as uow:
        ids = list(
            uow.session.scalars(
                select(InvoiceRow.id)
                .where(InvoiceRow.seller_org_id == quiet)
                .order_by(InvoiceRow.created_at, InvoiceRow.id)
            )
        )
        uow.session.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == ids[0])
            .values(total_minor=InvoiceRow.total_minor + 1)
        )
        uow.session.execute(
            update(InvoiceRow)
            .where(InvoiceRow.id == ids[1])
            .values(buyer_uscc="91440300MA5XXXXXX0")
        )
        uow.commit()
    _payment(platform, "pay_ok", steady, 1, payer=core, invoice=ids[2])
    _payment(platform, "pay_nobody", "org_nobody", 1)
    _payment(platform, "pay_late", steady, 20, payer=core)
    return {"steady": steady, "quiet": quiet, "amounts": ids[0], "parties": ids[1]}


def test_every_check_fails_on_its_seeded_records(
    platform: Platform, world: World, clock: FixedClock
) -> None:
    seeded = _seed(platform, world, clock)
    with world.uow("operator") as uow:
        rows = governance.run_quality_checks(uow)
    got = {r.check: r for r in rows}
    assert tuple(got) == CHECK_CODES
    failing = {code: {e["id"] for e in r.examples} for code, r in got.items()}
    # World's organizations have no phone or address; the two seeded ones do.
    assert seeded["steady"] not in failing["org_contact"]
    assert world.orgs["bank"] in failing["org_contact"]
    assert failing["invoice_amounts"] == {seeded["amounts"]}
    assert failing["invoice_parties"] == {seeded["parties"]}
    assert failing["payment_parties"] == {"pay_nobody"}
    assert failing["intake_timely"] == {seeded["quiet"]}
    assert failing["intake_steady"] == {seeded["quiet"]}
    assert failing["payment_timely"] == {"pay_late"}
    assert (got["invoice_amounts"].total, got["invoice_amounts"].failing) == (7, 1)
    assert (got["intake_timely"].total, got["intake_timely"].failing) == (2, 1)
    assert str(got["intake_timely"].score) == "0.5000" and got["intake_timely"].alert
    assert (got["payment_timely"].total, got["payment_timely"].failing) == (3, 1)
    assert all(r.alert for r in rows), {r.check: r.score for r in rows}
    with world.uow("regulator") as uow:
        assert [r.id for r in governance.quality_results(uow)] == [r.id for r in rows]
        trail = governance.quality_history(uow, "intake_timely")
        assert [r.id for r in trail] == [got["intake_timely"].id]


def test_clean_records_pass_and_raise_no_alert(
    platform: Platform, world: World, clock: FixedClock
) -> None:
    core = world.orgs["core_enterprise"]
    sme = add_org(platform, "supplier", phone="075512345678", address="深圳市南山区")
    confirmed_receivable(platform, sme, core)
    with world.uow("operator") as uow:
        rows = {r.check: r for r in governance.run_quality_checks(uow)}
    for code in ("invoice_amounts", "invoice_parties", "intake_timely"):
        assert (rows[code].total, rows[code].failing, rows[code].alert) == (1, 0, False), code
    assert rows["intake_steady"].total == 0 and not rows["intake_steady"].alert


def test_api_and_page_show_the_run_and_its_alerts(
    client: TestClient, platform: Platform, world: World, clock: FixedClock
) -> None:
    _seed(platform, world, clock)
    reg, op = world.headers(client, "regulator"), world.headers(client, "operator")
    assert client.get("/api/v1/governance/quality", headers=reg).json()["results"] == []
    assert client.post("/api/v1/governance/quality/run", headers=reg).status_code == 403
    run = client.post("/api/v1/governance/quality/run", headers=op)
    assert run.status_code == 200, run.text
    assert run.json()["alerts"] == len(CHECK_CODES)
    latest = client.get("/api/v1/governance/quality", headers=reg).json()
    timely = next(r for r in latest["results"] if r["check"] == "intake_timely")
    assert (timely["total"], timely["failing"], timely["score"]) == (2, 1, "0.5000")
    assert timely["dimension"] == "timeliness" and timely["examples"][0]["why"]
    assert (
        client.get(
            "/api/v1/governance/quality", headers=world.headers(client, "supplier")
        ).status_code
        == 403
    )

    client.headers.clear()
    login = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', login)
    assert token
    r = client.post(
        "/login",
        data={"username": "operator", "password": PASSWORD, "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/data-quality")
    assert page.status_code == 200
    row = page.text.split('id="check-intake_timely"')[1].split("</tr>")[0]
    assert "企业贸易数据及时报送" in row and "及时性" in row and "50.0%" in row and "预警" in row
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    again = client.post("/data-quality/run", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert again.status_code == 303
    with world.uow("operator") as uow:
        assert len(governance.quality_history(uow, "intake_timely")) == 2
