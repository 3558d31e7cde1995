"""Supervision API: indicators from the rooms, series, exports, alert workflow, lists."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from scf.core.clock import FixedClock
from scf.platform import Platform
from scf.web.sample import Sample, load_sample, run_maturity
from tests.factories import use_registry_key

P = "/api/v1/supervision"


def _login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/login", json={"username": username, "password": "sample-password-2024"}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _setup(platform: Platform, clock: FixedClock) -> Sample:
    use_registry_key(platform)
    s = load_sample(platform)
    clock.advance(timedelta(days=25))  # the short certificate matures unpaid
    assert [a.kind for a in run_maturity(platform)] == ["overdue"]
    return s


def test_indicators_series_exports_and_sharing(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    reg = _login(client, "regulator")
    ind = client.get(f"{P}/indicators", headers=reg).json()
    vol = ind["sme_volume"]
    # only the tier-2 SME's 200,000 was financed; the medium tier-1 offer is still open
    assert vol["total"] == [
        {"key": "all", "count": 1, "amounts": [{"amount": "200000.00", "currency": "CNY"}]}
    ]
    assert [r["key"] for r in vol["by_district"]] == ["longhua"]
    assert vol["by_chain"][0]["key"] == "new_energy_vehicles"
    assert vol["by_tier"][0]["key"] == "2" and vol["by_scenario"][0]["key"] == "reverse_factoring"
    assert vol["by_institution"][0]["label"] == "深圳前海示范银行股份有限公司"
    assert ind["pricing"]["all"]["weighted_average"] == "0.036000"
    assert ind["reach"]["max_tier"] == 2
    assert ind["time_to_decision"]["standard"]["count"] == 1
    assert ind["credit_quality"]["certificates_overdue"] == 1
    assert ind["credit_quality"]["certificate_overdue_rate_by_amount"] == "0.0769"  # 50k/650k
    (exp,) = ind["exposures"]
    assert exp["funder_org_id"] == s.orgs["bank"] and exp["over_cap"] is False
    assert ind["alerts"]["raised"] == 1 and ind["alerts"]["open"] == 1
    assert ind["lists"]["black"]["live"] == 1 and ind["lists"]["red"]["live"] == 1
    # a period without financings is empty
    empty = client.get(f"{P}/indicators?start=2024-01-01&end=2024-01-31", headers=reg).json()
    assert empty["sme_volume"]["total"] == []
    bad = client.get(f"{P}/indicators?start=2025-03-01&end=2025-02-01", headers=reg)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"

    day = client.get(
        f"{P}/series?granularity=day&start=2025-03-01&end=2025-03-31", headers=reg
    ).json()
    assert len(day["labels"]) == 31 and day["labels"][2] == "2025-03-03"
    assert day["sme_volume"]["CNY"][2] == "200000.00" and day["sme_financings"][2] == 1
    assert day["list_entries"][2] == 4 and day["alerts_raised"][27] == 1
    month = client.get(
        f"{P}/series?granularity=month&start=2025-01-01&end=2025-04-30", headers=reg
    ).json()
    assert month["labels"] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert month["sme_volume"]["CNY"] == ["0.00", "0.00", "200000.00", "0.00"]

    csv = client.get(f"{P}/exports/indicators.csv", headers=reg)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "sme_volume,by_district,longhua,longhua,1,200000.00,CNY" in text
    xlsx = client.get(f"{P}/exports/indicators.xlsx", headers=reg)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["indicators", "series"]
    # typed cells: periods are dates, counts integers, amounts exact decimals with a format
    first = wb["series"]["A2"]
    assert first.is_date and first.value.date() == date(2025, 1, 1)
    assert first.number_format == "yyyy-mm"
    rows = {(r[0].value, r[1].value, r[2].value): r for r in wb["indicators"].iter_rows(min_row=2)}
    district = rows[("sme_volume", "by_district", "longhua")]
    assert district[4].value == 1 and district[4].data_type == "n"
    assert district[5].value == 200000 and district[5].data_type == "n"
    assert district[5].number_format == "#,##0.00"
    rate = rows[("credit_quality", "all", "certificate_overdue_rate_by_amount")][5]
    assert rate.data_type == "n" and str(rate.value) == "0.0769" and rate.number_format == "0.00%"
    overdue = rows[("credit_quality", "amount", "certificates_overdue")]
    assert overdue[5].value == 50000 and overdue[6].value == "CNY"
    pdf = client.get(f"{P}/reports/monthly.pdf?month=2025-03", headers=reg)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.content
    assert client.get(f"{P}/reports/monthly.pdf?month=2025-13", headers=reg).status_code == 422
    quarter = client.get(f"{P}/reports/report.pdf?period=2025-Q1", headers=reg)
    assert quarter.status_code == 200 and quarter.content.startswith(b"%PDF")
    assert "supervision-2025-Q1.pdf" in quarter.headers["content-disposition"]
    for bad in ("2025-Q5", "2025-00", "1800-Q1", "Q1"):
        r = client.get(f"{P}/reports/report.pdf", params={"period": bad}, headers=reg)
        assert r.status_code == 422, bad

    share = client.get(f"{P}/sharing-export", headers=reg)
    body = json.loads(share.content)
    assert body["schema"] == "scf-supervision-sharing/1" and len(body["sha256"]) == 64
    assert [e["name"] for e in body["lists"]["black"]] == ["南山空壳贸易有限公司"]
    assert body["lists"]["white"][0]["licence"]["number"] == "B0001H244030001"


def test_alert_workflow_and_lists(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    s = _setup(platform, clock)
    reg = _login(client, "regulator")
    (alert,) = client.get(f"{P}/alerts?status=open", headers=reg).json()
    assert alert["source"] == "certificates" and alert["org_id"] == s.orgs["core"]
    url = f"{P}/alerts/certificates/{alert['alert_id']}"
    r = client.post(
        f"{url}/assign", json={"assignee": "王科长", "note": "call the issuer"}, headers=reg
    )
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    assert (
        client.post(
            f"{url}/notes", json={"note": "issuer promises payment"}, headers=reg
        ).status_code
        == 200
    )
    r = client.post(f"{url}/resolve", json={"resolution": "paid on 2025-03-30"}, headers=reg)
    out: dict[str, Any] = r.json()
    assert out["status"] == "resolved" and [n["text"] for n in out["notes"]] == [
        "call the issuer",
        "issuer promises payment",
        "paid on 2025-03-30",
    ]
    again = client.post(f"{url}/resolve", json={"resolution": "x"}, headers=reg)
    assert again.status_code == 422 and again.json()["code"] == "already_resolved"
    assert (
        client.post(f"{P}/alerts/nope/x/resolve", json={"resolution": "x"}, headers=reg).json()[
            "errors"
        ][0]["field"]
        == "source"
    )
    assert (
        client.post(
            f"{P}/alerts/risk/missing/assign", json={"assignee": "a"}, headers=reg
        ).status_code
        == 404
    )
    assert client.get(f"{P}/alerts?status=resolved", headers=reg).json()[0]["resolution"]

    lists = client.get(f"{P}/lists", headers=reg).json()
    by_kind = {e["kind"]: e for e in lists}
    assert by_kind["white"]["licence"]["valid"] is True
    assert by_kind["black"]["enforced"] is True and by_kind["black"]["financings_after"] == 0
    assert "green channel" in by_kind["red"]["enforcement"]
    view = client.get(f"{P}/enterprises/{s.orgs['sme1']}", headers=reg).json()
    kinds = {lk["kind"] for lk in view["graph"]["links"]}
    assert {"receivable"} <= kinds and any(n["focus"] for n in view["graph"]["nodes"])
    # other roles: 403 on everything
    sme = _login(client, "sme1")
    assert client.get(f"{P}/indicators", headers=sme).status_code == 403
    assert client.post(f"{url}/notes", json={"note": "x"}, headers=sme).status_code == 403


def test_financing_room_applications_in_indicators(
    client: TestClient, platform: Platform, clock: FixedClock
) -> None:
    from decimal import Decimal

    from scf.core.money import Money
    from scf.financing import service as financing

    s = use_sample(platform)
    with platform.uow(s.actors["bank"]) as uow:
        financing.create_product(
            uow,
            scenario="receivables_factoring",
            name="factoring",
            base_rate=Decimal("0.04"),
            max_amount=Money.of("1000000.00", "CNY"),
            rate_groups=[],
        )
    with platform.uow(s.actors["sme2"]) as uow:  # red-listed, key chain: the green channel
        app = financing.submit_application(
            uow,
            financing.ApplicationInput(
                scenario="receivables_factoring",
                amount=Money.of("80000.00", "CNY"),
                asset={"receivable_id": s.receivables["sme2"], "recourse": True},
                funder_org_ids=[s.orgs["bank"]],
            ),
        )
        app_id, offer_id = app.id, financing.offers_of(uow, app)[0].id
    with platform.uow(s.actors["sme2"]) as uow:
        financing.accept_offer(uow, offer_id, "acc")
    with platform.uow(s.actors["bank"]) as uow:
        financing.register(uow, app_id)
    with platform.uow(s.actors["bank"]) as uow:
        financing.disburse(uow, app_id, "dis")
    ind = client.get(f"{P}/indicators", headers=_login(client, "regulator")).json()
    vol = ind["sme_volume"]
    assert vol["total"][0]["count"] == 2
    assert vol["total"][0]["amounts"] == [{"amount": "280000.00", "currency": "CNY"}]
    by_scenario = {r["key"]: r["count"] for r in vol["by_scenario"]}
    assert by_scenario == {"reverse_factoring": 1, "receivables_factoring": 1}
    assert {r["key"]: r["count"] for r in vol["by_tier"]} == {"2": 1, "1": 1}
    assert ind["pricing"]["by_scenario"]["receivables_factoring"]["count"] == 1
    # the sample's own application (offered, not taken) and this one
    assert ind["time_to_decision"]["green_channel"]["count"] == 2
    assert ind["credit_quality"]["financings"] == 2


def use_sample(platform: Platform) -> Sample:
    use_registry_key(platform)
    return load_sample(platform)
