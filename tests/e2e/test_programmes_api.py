"""Parks and incentive programmes over HTTP: dated members, scenarios and figures; a programme
whose rules are data, an award computed by hand from application to payment, the budget."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from scf.platform import Platform
from scf.web.sample import Sample, load_sample
from tests.factories import add_org, add_user, token, use_registry_key

A = "/api/v1"


def _h(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, username)}"}


def _sample_h(client: TestClient, s: Sample, username: str) -> dict[str, str]:
    r = client.post(f"{A}/auth/login", json={"username": username, "password": s.password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _user(platform: Platform, role: str, district: str, username: str) -> str:
    org_id = add_org(platform, role, district=district, name=f"{username} 机构")
    add_user(platform, org_id, username)
    return org_id


def _park(client: TestClient, platform: Platform, s: Sample) -> dict[str, Any]:
    _user(platform, "operator", "futian", "op-user")
    pop = _user(platform, "park_operator", "longhua", "park-op")
    ho, hp = _h(client, "op-user"), _h(client, "park-op")
    body = {
        "name": "龙华数字金融产业园",
        "district": "longhua",
        "operator_org_id": pop,
        "chains": ["new_energy_vehicles"],
        "established_on": "2024-01-01",
    }
    bad = client.post(f"{A}/parks", json={**body, "chains": ["gold"]}, headers=ho)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "chains"
    bad = client.post(f"{A}/parks", json={**body, "operator_org_id": s.orgs["sme1"]}, headers=ho)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "operator_org_id"
    r = client.post(f"{A}/parks", json=body, headers=ho)
    assert r.status_code == 201, r.text
    park = r.json()
    m = client.post(
        f"{A}/parks/{park['id']}/members",
        json={"org_id": s.orgs["sme2"], "joined_on": "2024-06-01"},
        headers=hp,
    )
    assert m.status_code == 201 and m.json()["kind"] == "enterprise"
    again = client.post(
        f"{A}/parks/{park['id']}/members",
        json={"org_id": s.orgs["sme2"], "joined_on": "2025-01-01"},
        headers=hp,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_member"
    bank = client.post(
        f"{A}/parks/{park['id']}/members",
        json={"org_id": s.orgs["bank"], "joined_on": "2024-06-01"},
        headers=hp,
    )
    assert bank.status_code == 201 and bank.json()["kind"] == "institution"
    sc = client.post(
        f"{A}/parks/{park['id']}/scenarios",
        json={"scenario": "reverse_factoring", "enabled_on": "2025-01-02"},
        headers=hp,
    )
    assert sc.status_code == 201, sc.text
    bad = client.post(
        f"{A}/parks/{park['id']}/scenarios",
        json={"scenario": "alchemy", "enabled_on": "2025-01-02"},
        headers=hp,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scenario"
    return park


def test_park_members_figures_and_district_sight(client: TestClient, platform: Platform) -> None:
    use_registry_key(platform)
    s = load_sample(platform)
    park = _park(client, platform, s)
    view = client.get(f"{A}/parks/{park['id']}", headers=_h(client, "park-op")).json()
    assert [m["name"] for m in view["members"]] == [
        "龙华精密结构件有限公司",
        "深圳前海示范银行股份有限公司",
    ]
    # sme2's 200,000 is the park's, Longhua's and the city's SME financing
    money = [{"amount": "200000.00", "currency": "CNY"}]
    assert view["figures"]["park"]["sme_amounts"] == money
    assert view["figures"]["district"]["sme_amounts"] == money
    assert view["figures"]["city"]["sme_amounts"] == money
    assert view["scenarios"][0]["scenario"] == "reverse_factoring"
    _user(platform, "district_regulator", "longhua", "lh-reg")
    _user(platform, "district_regulator", "baoan", "ba-reg")
    lh, ba = _h(client, "lh-reg"), _h(client, "ba-reg")
    assert [p["id"] for p in client.get(f"{A}/parks", headers=lh).json()] == [park["id"]]
    assert client.get(f"{A}/parks", headers=ba).json() == []
    assert client.get(f"{A}/parks/{park['id']}", headers=ba).status_code == 404
    r = client.get(f"{A}/parks?district=longhua", headers=ba)
    assert r.status_code == 403 and r.json()["code"] == "district_out_of_scope"
    # the work objectives: one scenario enabled in 2025 against three, 200,000 of SME financing
    reg = _sample_h(client, s, "regulator")
    obj = client.get(f"{A}/objectives?first_year=2025&last_year=2025", headers=reg).json()
    (year,) = obj["city"]
    assert year == {
        "year": 2025,
        "new_scenarios": 1,
        "target": 3,
        "met": False,
        "sme_amount": "200000.00",
        "sme_growth": None,
    }
    assert obj["parks"][0]["years"][0]["sme_amount"] == "200000.00"
    mine = client.get(f"{A}/objectives?first_year=2025&last_year=2025", headers=ba).json()
    assert [d["district"] for d in mine["districts"]] == ["baoan"] and mine["parks"] == []
    bad = client.get(f"{A}/objectives?first_year=2025&last_year=2024", headers=reg)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "last_year"


SUBSIDY = {
    "name": "龙华区重点产业链中小企业供应链融资贴息",
    "kind": "interest_subsidy",
    "district": "longhua",
    "budget": {"amount": "10000.00", "currency": "CNY"},
    "starts_on": "2025-01-01",
    "ends_on": "2025-12-31",
    "eligibility": "is_sme and key_chain and park_member and financed_amount > 0",
    "amount": "min(financed_amount * financed_rate * 0.5, 5000)",
}


def test_an_award_from_application_to_payment(client: TestClient, platform: Platform) -> None:
    use_registry_key(platform)
    s = load_sample(platform)
    _park(client, platform, s)
    ho = _h(client, "op-user")
    bad = client.post(
        f"{A}/programmes", json={**SUBSIDY, "eligibility": "turnover > 0"}, headers=ho
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "eligibility" and "turnover" in bad.text
    bad = client.post(
        f"{A}/programmes", json={**SUBSIDY, "amount": "financed_amount ** 2"}, headers=ho
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"
    assert client.get(f"{A}/programmes", headers=ho).json() == []  # nothing stored
    prog = client.post(f"{A}/programmes", json=SUBSIDY, headers=ho)
    assert prog.status_code == 201, prog.text
    pid = prog.json()["id"]
    sme2 = _sample_h(client, s, "sme2")
    app = client.post(f"{A}/programmes/{pid}/applications", headers=sme2)
    assert app.status_code == 201, app.text
    got = app.json()
    # by hand: 200,000.00 financed at 3.6% a year, half the interest: 3,600.00 (under 5,000)
    assert got["eligible"] is True and got["computed"] == {"amount": "3600.00", "currency": "CNY"}
    values = got["evidence"]["values"]
    assert values["financed_amount"] == "200000.00" and values["financed_rate"] == "0.036000"
    assert values["park_member"] == "1" and values["is_sme"] == "1"
    assert got["evidence"]["financings"]
    again = client.post(f"{A}/programmes/{pid}/applications", headers=sme2)
    assert again.status_code == 409 and again.json()["code"] == "already_applied"
    other = client.post(f"{A}/programmes/{pid}/applications", headers=_sample_h(client, s, "sme1"))
    assert other.status_code == 403 and other.json()["code"] == "district_out_of_scope"
    too_much = client.post(
        f"{A}/award-applications/{got['id']}/decision",
        json={"approve": True, "amount": {"amount": "3600.01", "currency": "CNY"}},
        headers=ho,
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"
    ok = client.post(
        f"{A}/award-applications/{got['id']}/decision", json={"approve": True}, headers=ho
    )
    assert ok.status_code == 200 and ok.json()["awarded"]["amount"] == "3600.00"
    paid = client.post(
        f"{A}/award-applications/{got['id']}/payment", json={"reference": "LH-2025-001"}, headers=ho
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    view = client.get(f"{A}/programmes/{pid}", headers=ho).json()
    assert view["paid"]["amount"] == "3600.00" and view["remaining"]["amount"] == "6400.00"
    twice = client.post(
        f"{A}/award-applications/{got['id']}/payment", json={"reference": "LH-2025-002"}, headers=ho
    )
    assert twice.status_code == 409 and twice.json()["code"] == "not_payable"
    # the rules are versioned: a revision leaves the application on the version it met
    rev = client.post(
        f"{A}/programmes/{pid}/rules",
        json={"version": view["version"], "eligibility": "is_sme", "amount": "1000"},
        headers=ho,
    )
    assert rev.status_code == 200 and rev.json()["rules_version"] == 2
    mine = client.get(f"{A}/award-applications", headers=sme2).json()
    assert [a["rules_number"] for a in mine] == [1]


def test_an_award_past_the_budget_is_refused(client: TestClient, platform: Platform) -> None:
    use_registry_key(platform)
    s = load_sample(platform)
    _park(client, platform, s)
    ho = _h(client, "op-user")
    small = {**SUBSIDY, "name": "小额贴息", "budget": {"amount": "3000.00", "currency": "CNY"}}
    pid = client.post(f"{A}/programmes", json=small, headers=ho).json()["id"]
    app = client.post(f"{A}/programmes/{pid}/applications", headers=_sample_h(client, s, "sme2"))
    aid = app.json()["id"]
    over = client.post(f"{A}/award-applications/{aid}/decision", json={"approve": True}, headers=ho)
    assert over.status_code == 409 and over.json()["code"] == "budget_exceeded"
    assert "3000.00" in over.json()["detail"]
    view = client.get(f"{A}/programmes/{pid}", headers=ho).json()
    assert view["committed"]["amount"] == "0.00"  # nothing stored
    part = client.post(
        f"{A}/award-applications/{aid}/decision",
        json={"approve": True, "amount": {"amount": "3000.00", "currency": "CNY"}},
        headers=ho,
    )
    assert part.status_code == 200 and part.json()["awarded"]["amount"] == "3000.00"
