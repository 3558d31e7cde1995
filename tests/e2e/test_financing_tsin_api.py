"""ISO 20022 tsin end to end: a supplier's ERP asks for invoice financing by tsin.001, gets
tsin.002 statuses as its application moves, and withdraws another by tsin.003."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree

from scf.core.actor import Actor
from scf.financing import tsin_messages as T
from scf.financing.tables import FinancingApplicationRow, TsinMessageRow, TsinRequestRow
from scf.parties import service as parties
from scf.trade import service as trade
from tests.e2e.test_financing_api import setup, walk
from tests.factories import World, confirmed_receivable

API = "/api/v1/financing"
XML = {"Content-Type": "application/xml"}
ST = {"t": T.ns(T.STATUS)}


def _uscc(world: World, role: str) -> T.RequestParty:
    with world.platform.uow(Actor.system()) as uow:
        org = parties.find_organization(uow, world.orgs[role])
        return T.RequestParty(org.name, org.uscc)


def _invoice(world: World, rid: str, total: str | None = None) -> T.InvoiceRequest:
    with world.platform.uow(Actor.system()) as uow:
        info = trade.receivable_info(uow, rid)
        inv = trade.get_invoice(uow, info.invoice_ids[0])
    net, tax = Decimal(inv["amount_without_tax"]["amount"]), Decimal(inv["tax"]["amount"])
    gross = Decimal(total) if total else Decimal(inv["total"]["amount"])
    return T.InvoiceRequest(
        number=inv["number"],
        issue_date=date.fromisoformat(inv["issue_date"]),
        taxable=(net, "CNY"),
        tax=(tax, "CNY"),
        total=(gross, "CNY"),
        due_date=date.fromisoformat(inv["issue_date"]) + timedelta(days=90),
        requested=(Decimal("50000.00"), "CNY"),
        supplier_id=None,
        buyer_id=None,
    )


def _request(world: World, group: str, invoices: list[T.InvoiceRequest], **kw: Any) -> bytes:
    return T.build_request(
        group_id=group,
        created_at=datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
        requester=_uscc(world, "supplier"),
        funder=kw.pop("funder", None) or _uscc(world, "bank"),
        buyer=_uscc(world, "core_enterprise"),
        invoices=invoices,
        **kw,
    )


def _status(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    T.check_schema(T.STATUS, root)  # every message the platform sends is schema-valid
    return root


def _one(root: etree._Element, path: str) -> str:
    found = root.xpath("//" + "/".join(f"t:{p}" for p in path.split("/")), namespaces=ST)
    assert isinstance(found, list) and found, path
    return str(found[0].text)


def _count(world: World, table: Any) -> int:
    with world.platform.uow(Actor.system()) as uow:
        return len(list(uow.session.query(table)))


def test_tsin_round_trip(client: TestClient, world: World) -> None:
    h = setup(client, world)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "100000.00")
    r = client.post(
        f"{API}/tsin",
        headers={**h["supplier"], **XML},
        content=_request(world, "ERP-1", [_invoice(world, rid)]),
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/xml")
    first = _status(r.content)
    assert _one(first, "VldtnStsInf/Sts") == "RCCF"
    assert _one(first, "OrgnlReqInfAndSts/Id") == "ERP-1"
    assert _one(first, "InvcFincgRslt/FincgReqSts") == "PDNG"
    request_id = r.headers["X-Tsin-Request-Id"]
    log = client.get(f"{API}/tsin/{request_id}/messages", headers=h["supplier"]).json()
    (app_id,) = log["application_ids"]
    app = client.get(f"{API}/applications/{app_id}", headers=h["supplier"]).json()
    assert app["scenario"] == "receivables_factoring" and app["amount"]["amount"] == "50000.00"
    assert app["checks"], "the same automatic checks as a page or API application"
    if app["status"] == "escalated":
        app = client.post(
            f"{API}/applications/{app_id}/review",
            headers=h["operator"],
            json={"approve": True, "note": "checked"},
        ).json()
    assert walk(client, h, app)["status"] == "disbursed"
    final = _status(client.get(f"{API}/tsin/{request_id}/status", headers=h["bank"]).content)
    assert _one(final, "InvcFincgRslt/FincgReqSts") == "FNCD"
    assert _one(final, "FincgAllwdSummry/FincdItmNb") == "1"
    log = client.get(f"{API}/tsin/{request_id}/messages", headers=h["supplier"]).json()
    kinds = [(m["kind"], m["direction"]) for m in log["messages"]]
    assert kinds[0] == (T.REQUEST, "in") and kinds.count((T.STATUS, "out")) >= 4
    for m in log["messages"]:
        T.check_schema(m["kind"], etree.fromstring(m["xml"].encode()))
    stranger = client.get(f"{API}/tsin/{request_id}/status", headers=h["factoring_company"])
    assert stranger.status_code == 404


def test_tsin_cancellation_withdraws(client: TestClient, world: World) -> None:
    h = setup(client, world)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "100000.00")
    request = _request(world, "ERP-2", [_invoice(world, rid)])
    r = client.post(f"{API}/tsin", headers={**h["supplier"], **XML}, content=request)
    assert r.status_code == 201, r.text
    created = T.read_request(etree.fromstring(request)).created
    cancel = T.build_cancellation(
        message_id="CXL-2",
        created_at=datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
        group_id="ERP-2",
        group_created=created,
        reason="financed elsewhere",
    )
    c = client.post(f"{API}/tsin", headers={**h["supplier"], **XML}, content=cancel)
    assert c.status_code == 200, c.text
    status = _status(c.content)
    assert _one(status, "CxlStsInf/Sts") == "PACK"
    assert _one(status, "InvcFincgRslt/FincgReqSts") == "NTFD"
    log = client.get(f"{API}/tsin/{r.headers['X-Tsin-Request-Id']}/messages", headers=h["supplier"])
    (app_id,) = log.json()["application_ids"]
    app = client.get(f"{API}/applications/{app_id}", headers=h["supplier"]).json()
    assert app["status"] == "withdrawn"
    again = client.post(f"{API}/tsin", headers={**h["supplier"], **XML}, content=cancel)
    assert again.status_code == 409
    assert _one(_status(again.content), "CxlStsInf/Sts") == "REJT"


def test_tsin_bad_requests_are_rejected_and_store_nothing(client: TestClient, world: World) -> None:
    h = setup(client, world)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "100000.00")
    good = _invoice(world, rid)
    unknown = T.InvoiceRequest(**{**good.__dict__, "number": "99999999999999999999"})
    stranger = T.RequestParty("no such bank", "91350100M000100Y43")
    cases = {
        "UNKNOWN_INVOICE": _request(world, "BAD-1", [good, unknown]),
        "UNKNOWN_FUNDER": _request(world, "BAD-2", [good], funder=stranger),
        "INCONSISTENT_TOTALS": _request(
            world, "BAD-3", [good], bulk_total=(Decimal("1.00"), "CNY")
        ),
    }
    off = T.InvoiceRequest(**{**good.__dict__, "total": (good.total[0] + 1, "CNY")})
    cases["INCONSISTENT_TOTALS "] = _request(world, "BAD-4", [off])
    before = (_count(world, FinancingApplicationRow), _count(world, TsinRequestRow))
    for code, body in cases.items():
        r = client.post(f"{API}/tsin", headers={**h["supplier"], **XML}, content=body)
        assert r.status_code == 422, r.text
        status = _status(r.content)
        assert _one(status, "VldtnStsInf/Sts") == "RCER"
        assert _one(status, "VldtnStsInf/StsRsn/Prtry") == code.strip()
        assert _one(status, "VldtnStsInf/AddtlStsRsnInf")
    after = (_count(world, FinancingApplicationRow), _count(world, TsinRequestRow))
    assert after == before and _count(world, TsinMessageRow) == 0
    not_xml = client.post(f"{API}/tsin", headers={**h["supplier"], **XML}, content=b"<x")
    assert not_xml.status_code == 422 and not_xml.json()["code"] == "malformed_xml"
    schema_bad = cases["UNKNOWN_FUNDER"].replace(b"<Ccy>CNY</Ccy>", b"<Ccy>cny</Ccy>")
    bad = client.post(f"{API}/tsin", headers={**h["supplier"], **XML}, content=schema_bad)
    assert bad.status_code == 422 and bad.json()["code"] == "tsin_invalid"
    insurer = client.post(f"{API}/tsin", headers={**h["insurer"], **XML}, content=b"<x/>")
    assert insurer.status_code == 403


def test_funder_relays_a_request_under_the_suppliers_consent(
    client: TestClient, world: World
) -> None:
    h = setup(client, world)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "100000.00")
    request = _request(world, "BANK-1", [_invoice(world, rid)])
    refused = client.post(f"{API}/tsin", headers={**h["bank"], **XML}, content=request)
    assert refused.status_code == 422
    assert _one(_status(refused.content), "VldtnStsInf/StsRsn/Prtry") == "NO_CONSENT"
    other = client.post(f"{API}/tsin", headers={**h["factoring_company"], **XML}, content=request)
    assert _one(_status(other.content), "VldtnStsInf/StsRsn/Prtry") == "UNKNOWN_FUNDER"
    assert _count(world, TsinRequestRow) == 0
    with world.uow("supplier") as uow:
        parties.grant_consent(
            uow, world.orgs["bank"], ["financing"], uow.now() + timedelta(days=30)
        )
    r = client.post(f"{API}/tsin", headers={**h["bank"], **XML}, content=request)
    assert r.status_code == 201, r.text
    log = client.get(f"{API}/tsin/{r.headers['X-Tsin-Request-Id']}/messages", headers=h["supplier"])
    (app_id,) = log.json()["application_ids"]
    app = client.get(f"{API}/applications/{app_id}", headers=h["supplier"]).json()
    assert app["applicant_org_id"] == sup and app["funder_org_ids"] == [world.orgs["bank"]]
