"""The whole life of a certificate through the API: issue, split, four tiers, partial
financing, settlement with pain.001 and camt.053, and one default."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree

from scf.core.clock import FixedClock
from scf.core.money import Money
from tests.factories import World, add_org, add_user, confirmed_receivable, token
from tests.integration.certificates_helpers import camt053

SHARED = Path(__file__).resolve().parents[1] / "data" / "iso20022"
API = "/api/v1"


def money(x: str) -> dict[str, str]:
    return {"amount": x, "currency": "CNY"}


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def refused(
    client: TestClient,
    method: str,
    url: str,
    h: dict[str, str],
    body: Any,
    status: int,
    code: str,
    field: str | None = None,
) -> None:
    before = client.get(f"{API}/certificate-pieces", headers=h).json()
    r = client.request(method, url, json=body, headers=h)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["code"] == code, problem
    if field is not None:
        assert any(e["field"] == field for e in problem["errors"]), problem
    assert client.get(f"{API}/certificate-pieces", headers=h).json() == before


def test_whole_life(client: TestClient, world: World, clock: FixedClock) -> None:
    p = world.platform
    core, t1, bank = world.orgs["core_enterprise"], world.orgs["supplier"], world.orgs["bank"]
    tiers = [t1]
    for i in (2, 3, 4):
        org = add_org(p, "supplier", size_class="micro")
        add_user(p, org, f"tier{i}")
        tiers.append(org)
    names = {tiers[0]: "supplier", tiers[1]: "tier2", tiers[2]: "tier3", tiers[3]: "tier4"}
    rec = {}
    debtor = core
    for t in tiers:
        rec[t] = confirmed_receivable(p, t, debtor, amount="1000000.00")
        debtor = t

    def login() -> dict[str, dict[str, str]]:
        who = {"core": "core_enterprise", "bank": "bank", "reg": "regulator", "op": "operator"}
        h = {k: {"Authorization": f"Bearer {token(client, v)}"} for k, v in who.items()}
        h.update({t: {"Authorization": f"Bearer {token(client, n)}"} for t, n in names.items()})
        return h

    h = login()
    line = ok(
        client.post(
            f"{API}/credit-lines",
            headers=h["bank"],
            json={"core_org_id": core, "limit": money("2000000.00"), "expires_on": "2026-02-27"},
        ),
        201,
    )
    issue = {
        "line_id": line["id"],
        "supplier_org_id": t1,
        "receivable_ids": [rec[t1]],
        "face": money("600000.00"),
        "maturity_on": "2025-08-29",
    }
    refused(
        client,
        "POST",
        f"{API}/certificates",
        h["core"],
        {**issue, "face": money("600000.001")},
        422,
        "too_many_decimals",
        "face",
    )
    refused(
        client,
        "POST",
        f"{API}/certificates",
        h["core"],
        {**issue, "maturity_on": "2025-09-30"},
        422,
        "maturity_past_limit",
        "maturity_on",
    )
    cert = ok(client.post(f"{API}/certificates", headers=h["core"], json=issue), 201)
    other = ok(
        client.post(
            f"{API}/certificates", headers=h["core"], json={**issue, "face": money("100000.00")}
        ),
        201,
    )
    assert ok(client.get(f"{API}/credit-lines/{line['id']}", headers=h["core"]))["used"] == (
        money("700000.00")
    )
    # another tenant learns nothing
    assert client.get(f"{API}/certificates/{cert['id']}", headers=h[tiers[3]]).status_code == 404

    root = cert["pieces"][0]["id"]
    refused(
        client,
        "POST",
        f"{API}/certificate-pieces/{root}/split",
        h[t1],
        {"parts": [money("400000.00"), money("199999.99")]},
        422,
        "split_mismatch",
    )
    a, b = ok(
        client.post(
            f"{API}/certificate-pieces/{root}/split",
            headers=h[t1],
            json={"parts": [money("400000.00"), money("200000.00")]},
        )
    )
    refused(
        client,
        "POST",
        f"{API}/certificate-pieces/{a['id']}/transfer",
        h[t1],
        {"to_org_id": tiers[2]},
        422,
        "no_trade_background",
    )
    p2 = ok(
        client.post(
            f"{API}/certificate-pieces/{a['id']}/transfer",
            headers=h[t1],
            json={"to_org_id": tiers[1], "amount": money("300000.00")},
        )
    )
    p3 = ok(
        client.post(
            f"{API}/certificate-pieces/{p2['id']}/transfer",
            headers=h[tiers[1]],
            json={
                "to_org_id": tiers[2],
                "amount": money("200000.00"),
                "receivable_id": rec[tiers[2]],
            },
        )
    )
    p4 = ok(
        client.post(
            f"{API}/certificate-pieces/{p3['id']}/transfer",
            headers=h[tiers[2]],
            json={"to_org_id": tiers[3]},
        )
    )
    assert p4["tier"] == 4 and p4["face"] == money("200000.00")

    outsider = add_org(p, "factoring_company", whitelist=False)
    refused(
        client,
        "POST",
        f"{API}/certificate-pieces/{p4['id']}/financing-offers",
        h[tiers[3]],
        {"funder_org_id": outsider, "rate": "0.04"},
        422,
        "not_whitelisted",
    )
    offer = ok(
        client.post(
            f"{API}/certificate-pieces/{p4['id']}/financing-offers",
            headers=h[tiers[3]],
            json={
                "funder_org_id": bank,
                "rate": "0.036",
                "amount": money("50000.00"),
                "fee": money("20.00"),
            },
        ),
        201,
    )
    assert offer["pricing"]["days"] == 179
    assert offer["pricing"]["discount"] == money("895.00")  # 50,000 x 3.6% x 179/360
    assert offer["pricing"]["proceeds"] == money("49060.00")
    fin = ok(client.post(f"{API}/certificate-financings/{offer['id']}/accept", headers=h["bank"]))
    assert fin["status"] == "financed" and fin["registration_id"]

    tree = ok(client.get(f"{API}/certificates/{cert['id']}/lineage", headers=h["reg"]))
    assert tree["deepest_tier"] == 4
    reach = ok(client.get(f"{API}/certificate-reach", headers=h["reg"]))
    assert reach["max_tier"] == 4 and reach["smes_reached"] == 4
    assert reach["financed"] == [money("50000.00")]

    clock.set(datetime(2025, 8, 29, 2, 0, tzinfo=UTC))
    h = login()
    refused(
        client,
        "POST",
        f"{API}/certificate-pieces/{b['id']}/split",
        h[t1],
        {"parts": [money("100000.00"), money("100000.00")]},
        422,
        "piece_matured",
    )
    upcoming = ok(client.get(f"{API}/certificate-settlements/upcoming", headers=h["reg"]))
    assert {u["certificate_id"] for u in upcoming} == {cert["id"], other["id"]}
    st = ok(client.post(f"{API}/certificates/{cert['id']}/settlement", headers=h["core"]))
    paid_to = sorted((x["payee_org_id"], x["amount"]["amount"]) for x in st["payments"])
    assert paid_to == sorted(
        [
            (t1, "200000.00"),
            (t1, "100000.00"),
            (tiers[1], "100000.00"),
            (tiers[3], "150000.00"),
            (bank, "50000.00"),
        ]
    )
    schema = etree.XMLSchema(etree.parse(str(SHARED / "xsd" / "pain.001.001.09.xsd")))
    xml = client.get(f"{API}/certificates/{cert['id']}/settlement/pain001", headers=h["core"])
    assert schema.validate(etree.fromstring(xml.content)), schema.error_log
    stmt = camt053(
        [(x["end_to_end_id"], Money.of(x["amount"]["amount"], "CNY")) for x in st["payments"]],
        clock.today(),
    )
    r = ok(
        client.post(
            f"{API}/certificate-statements",
            headers={**h["core"], "content-type": "application/xml"},
            content=stmt,
        )
    )
    assert len(r["matched"]) == 5 and not r["unmatched"]
    again = ok(
        client.post(
            f"{API}/certificate-statements",
            headers={**h["core"], "content-type": "application/xml"},
            content=stmt,
        )
    )
    assert len(again["duplicates"]) == 5 and not again["matched"]
    done = ok(client.get(f"{API}/certificates/{cert['id']}", headers=h["core"]))
    assert done["status"] == "settled" and done["paid"] == money("600000.00")
    assert ok(client.get(f"{API}/credit-lines/{line['id']}", headers=h["core"]))["used"] == (
        money("100000.00")
    )

    # the other certificate goes unpaid: overdue, then default after five working days
    clock.set(datetime(2025, 9, 1, 2, 0, tzinfo=UTC))
    h = login()
    alerts = ok(client.post(f"{API}/certificate-maturity-run", headers=h["op"]))
    assert [(x["certificate_id"], x["kind"]) for x in alerts] == [(other["id"], "overdue")]
    clock.set(datetime(2025, 9, 8, 2, 0, tzinfo=UTC))
    h = login()
    alerts = ok(client.post(f"{API}/certificate-maturity-run", headers=h["op"]))
    assert [(x["certificate_id"], x["kind"]) for x in alerts] == [(other["id"], "defaulted")]
    rep = ok(client.get(f"{API}/certificates/{other['id']}/exposure", headers=h["reg"]))
    assert rep["status"] == "defaulted"
    assert rep["holders"] == [
        {
            "org_id": t1,
            "name": rep["holders"][0]["name"],
            "amount": money("100000.00"),
            "pieces": [other["pieces"][0]["id"]],
        }
    ]
    seen = ok(client.get(f"{API}/certificate-alerts", headers=h[t1]))
    assert [x["kind"] for x in seen] == ["overdue", "defaulted"]
    refused(
        client,
        "POST",
        f"{API}/certificate-pieces/{other['pieces'][0]['id']}/transfer",
        h[t1],
        {"to_org_id": tiers[1]},
        422,
        "certificate_closed",
    )
