"""Multi-level supervision over HTTP: district regulators see their district only (walked over
every readable route), associations see their members' aggregates, departments read what the
operator granted; every read is logged."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.parties import service as parties
from scf.platform import Platform
from scf.web.sample import Sample, load_sample
from tests.e2e.test_authz_matrix import api_routes
from tests.factories import add_org, add_user, token, use_registry_key

OV = "/api/v1/oversight"


def _headers(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, username)}"}


def _user(platform: Platform, role: str, district: str, username: str) -> str:
    org_id = add_org(platform, role, district=district, name=f"{username} 机构")
    add_user(platform, org_id, username)
    return org_id


def _setup(platform: Platform) -> Sample:
    use_registry_key(platform)
    return load_sample(platform)


def _reads(platform: Platform, reader_org_id: str) -> list[tuple[str, str, str | None]]:
    with platform.uow(Actor.system()) as uow:
        rows, _ = parties.access_log(uow, limit=500)
        return [
            (r.subject_org_id, r.basis, r.consent_id)
            for r in rows
            if r.reader_org_id == reader_org_id
        ]


def test_district_regulator_sees_its_district(client: TestClient, platform: Platform) -> None:
    s = _setup(platform)
    lh = _user(platform, "district_regulator", "longhua", "longhua-reg")
    h = _headers(client, "longhua-reg")
    over = client.get(f"{OV}/district", headers=h).json()
    assert over["district"] == "longhua" and over["enterprises"] == 2  # sme2 and the regulator
    # only sme2's 200,000 of reverse factoring was financed, and sme2 is in Longhua
    assert over["figures"]["sme_amounts"] == [{"amount": "200000.00", "currency": "CNY"}]
    assert over["figures"]["smes_reached"] == 1 and over["figures"]["max_tier"] == 2
    assert over["city"]["sme_financings"] == 1
    names = {e["id"] for e in client.get(f"{OV}/district/enterprises", headers=h).json()}
    assert names == {s.orgs["sme2"], lh}
    (fin,) = client.get(f"{OV}/district/financings", headers=h).json()
    assert fin["borrower_org_id"] == s.orgs["sme2"] and fin["amount"]["amount"] == "200000.00"
    view = client.get(f"{OV}/district/enterprises/{s.orgs['sme2']}", headers=h)
    assert view.status_code == 200 and view.json()["organization"]["district"] == "longhua"
    assert [e["kind"] for e in view.json()["lists"]] == ["red"]
    assert (s.orgs["sme2"], "district", None) in _reads(platform, lh)
    # another district: refused with the reason, and another district's record is not found
    r = client.get(f"{OV}/district?district=baoan", headers=h)
    assert r.status_code == 403 and r.json()["code"] == "district_out_of_scope"
    assert "longhua" in r.json()["detail"]
    for path in ("/district/enterprises", "/district/financings", "/district/alerts"):
        r = client.get(f"{OV}{path}?district=baoan", headers=h)
        assert r.status_code == 403 and r.json()["code"] == "district_out_of_scope", path
    assert client.get(f"{OV}/district/enterprises/{s.orgs['sme1']}", headers=h).status_code == 404
    assert client.get(f"{OV}/district?district=mars", headers=h).status_code == 422


def test_city_regulator_chooses_any_district(client: TestClient, platform: Platform) -> None:
    s = _setup(platform)
    h = {
        "Authorization": "Bearer "
        + client.post(
            "/api/v1/auth/login", json={"username": "regulator", "password": s.password}
        ).json()["token"]
    }
    baoan = client.get(f"{OV}/district?district=baoan", headers=h).json()
    assert baoan["district"] == "baoan" and baoan["figures"]["financings"] == 0
    city = client.get(f"{OV}/district", headers=h).json()
    assert city["district"] is None and city["figures"] == city["city"]
    assert city["figures"]["sme_financings"] == 1
    assert client.get(f"{OV}/district/enterprises/{s.orgs['sme1']}", headers=h).status_code == 200


def _markers(platform: Platform, s: Sample) -> set[str]:
    """Ids and names of records outside Longhua and unrelated to its enterprises' financings."""
    with platform.uow(Actor.system()) as uow:
        orgs = parties.organizations_by_id(
            uow, [s.orgs[k] for k in ("sme1", "shell", "logistics", "warehouse")]
        )
    out = {o.id for o in orgs.values()} | {o.name for o in orgs.values()}
    return out | {s.application_id, s.receivables["sme1"]}


def test_district_regulator_cannot_read_another_district_through_any_route(
    client: TestClient, app: Any, platform: Platform
) -> None:
    """Walk every GET route of the API as Longhua's regulator, with the ids of records of
    other districts in every path parameter and as `district` and `org_id` queries: each
    answer is a refusal or names none of those records, save what the platform shows anyone
    (the public lists and the registry's log), as an unrelated enterprise sees it too."""
    s = _setup(platform)
    _user(platform, "district_regulator", "longhua", "longhua-reg")
    _user(platform, "supplier", "longhua", "stranger")
    h = _headers(client, "longhua-reg")
    stranger = _headers(client, "stranger")
    markers = _markers(platform, s)
    ids = [s.orgs["sme1"], s.orgs["shell"], s.application_id, s.receivables["sme1"]]
    leaks: list[str] = []
    allowed = 0
    for method, path in api_routes(app):
        if method != "GET":
            continue
        for foreign in ids:
            url = re.sub(r"\{[^}]+\}", foreign, path)
            for query in ("", f"?district=baoan&org_id={foreign}"):
                r = client.get(url + query, headers=h)
                if r.status_code >= 400:
                    continue
                allowed += 1
                leaked = sorted(m for m in markers if m in r.text)
                if leaked:
                    public = client.get(url + query, headers=stranger)
                    leaked = [
                        m for m in leaked if public.status_code >= 400 or m not in public.text
                    ]
                if leaked:
                    leaks.append(f"{url}{query}: {leaked}")
            if "{" not in path:
                break  # one call per id is enough for a path without parameters
    assert allowed > 0  # the walk did reach routes that answer
    assert not leaks, "\n".join(leaks)


def test_association_sees_aggregates_of_members(client: TestClient, platform: Platform) -> None:
    s = _setup(platform)
    op = _user(platform, "operator", "futian", "op-user")
    assoc = _user(platform, "industry_association", "futian", "assoc")
    ho, ha = _headers(client, "op-user"), _headers(client, "assoc")
    today = "2025-01-02"
    for key in ("sme1", "sme2"):
        r = client.post(
            f"/api/v1/associations/{assoc}/members",
            json={"member_org_id": s.orgs[key], "joined_on": today},
            headers=ho,
        )
        assert r.status_code == 201, r.text
    held = client.get(f"{OV}/association", headers=ha).json()
    assert held == {"members": 2, "min_members": 3, "withheld": True, "figures": None}
    r = client.post(
        f"/api/v1/associations/{assoc}/members",
        json={"member_org_id": s.orgs["sme2"], "joined_on": today},
        headers=ho,
    )
    assert r.status_code == 409 and r.json()["code"] == "already_member"
    assert len(client.get(f"/api/v1/associations/{assoc}/members", headers=ha).json()) == 2
    client.post(
        f"/api/v1/associations/{assoc}/members",
        json={"member_org_id": s.orgs["core"], "joined_on": today},
        headers=ho,
    )
    shown = client.get(f"{OV}/association", headers=ha).json()
    assert shown["members"] == 3 and shown["withheld"] is False
    assert shown["figures"]["sme_amounts"] == [{"amount": "200000.00", "currency": "CNY"}]
    # no record of a member, and nothing logged as read
    assert client.get(f"/api/v1/organizations/{s.orgs['sme2']}", headers=ha).status_code == 404
    assert client.get(f"{OV}/district", headers=ha).status_code == 403
    assert _reads(platform, assoc) == []
    bad = client.post(
        f"/api/v1/associations/{s.orgs['sme1']}/members",
        json={"member_org_id": s.orgs["sme2"], "joined_on": today},
        headers=ho,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "association"
    del op


def test_department_reads_what_the_operator_granted(client: TestClient, platform: Platform) -> None:
    s = _setup(platform)
    _user(platform, "operator", "futian", "op-user")
    dept = _user(platform, "government_department", "futian", "tax")
    ho, hd = _headers(client, "op-user"), _headers(client, "tax")
    sme2, sme1 = s.orgs["sme2"], s.orgs["sme1"]
    assert client.get(f"{OV}/department/enterprises/{sme2}", headers=hd).status_code == 404
    with platform.uow(Actor.system()) as uow:
        expires = (uow.now() + timedelta(days=30)).isoformat()
    body = {
        "department_org_id": dept,
        "scopes": ["profile"],
        "districts": ["longhua"],
        "expires_at": expires,
        "purpose": "核验享受贴息企业的登记信息",
    }
    bad = client.post("/api/v1/read-grants", json={**body, "scopes": ["everything"]}, headers=ho)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scopes"
    bad = client.post("/api/v1/read-grants", json={**body, "department_org_id": sme1}, headers=ho)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "department_org_id"
    assert client.get("/api/v1/read-grants", headers=hd).json() == []
    g = client.post("/api/v1/read-grants", json=body, headers=ho)
    assert g.status_code == 201, g.text
    grant_id = g.json()["id"]
    got = client.get(f"{OV}/department/enterprises/{sme2}", headers=hd)
    assert got.status_code == 200 and got.json()["district"] == "longhua"
    assert (sme2, "department", grant_id) in _reads(platform, dept)
    assert client.get(f"{OV}/department/enterprises/{sme1}", headers=hd).status_code == 404
    fin = client.get(f"{OV}/department/enterprises/{sme2}/financings", headers=hd)
    assert fin.status_code == 404  # the grant does not cover financings
    assert client.post(f"/api/v1/read-grants/{grant_id}/revoke", headers=ho).status_code == 200
    assert client.get(f"{OV}/department/enterprises/{sme2}", headers=hd).status_code == 404
