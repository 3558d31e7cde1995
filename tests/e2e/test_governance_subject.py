"""The subject's rights: an organization downloads its own data and the reads of it by others
(JSON and PDF), never another's; correction requests go to the operator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from stdnum.cn import ric

from scf.parties import service as parties
from tests.factories import World


def test_an_enterprise_downloads_its_data_and_access_log(client: TestClient, world: World) -> None:
    sme = world.orgs["supplier"]
    with world.uow("operator") as uow:
        number = "11010519491231002"
        parties.add_shareholding(
            uow,
            sme,
            Decimal("0.5"),
            person_id_number=number + ric.calc_check_digit(number + "0"),
            person_name="王小明",
        )
    with world.uow("supplier") as uow:
        parties.grant_consent(uow, world.orgs["bank"], ["profile"], uow.now() + timedelta(days=9))
    bank = world.headers(client, "bank")
    assert client.get(f"/api/v1/organizations/{sme}", headers=bank).status_code == 200
    own = world.headers(client, "supplier")
    data = client.get("/api/v1/governance/my-data", headers=own)
    assert data.status_code == 200, data.text
    body = data.json()
    assert body["organization"]["id"] == sme
    assert body["ownership"]["shareholders"][0]["holder_name"] == "王小明"  # its own, unmasked
    reads = body["access_log"]["items"]
    assert [(r["reader_org_id"], r["basis"]) for r in reads] == [(world.orgs["bank"], "consent")]
    assert any(a["action"] == "consent.granted" for a in body["audit"]["items"])
    assert body["consents"][0]["grantee_org_id"] == world.orgs["bank"]
    pdf = client.get("/api/v1/governance/my-data.pdf", headers=own)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = client.get(f"/api/v1/governance/my-data?org_id={world.subject}", headers=own)
    assert other.status_code == 403 and other.json()["code"] == "not_own_data"


def test_correction_requests_go_to_the_operator(client: TestClient, world: World) -> None:
    own = world.headers(client, "supplier")
    op = world.headers(client, "operator")
    bad = client.post(
        "/api/v1/governance/corrections",
        json={"field": "uscc", "value": "x", "reason": "错了"},
        headers=own,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "field"
    asked = client.post(
        "/api/v1/governance/corrections",
        json={"field": "phone", "value": "075588886666", "reason": "电话已更换"},
        headers=own,
    )
    assert asked.status_code == 201, asked.text
    rid = asked.json()["id"]
    assert [c["id"] for c in client.get("/api/v1/governance/corrections", headers=op).json()] == [
        rid
    ]
    assert (
        client.get("/api/v1/governance/corrections", headers=world.headers(client, "bank")).json()
        == []
    )
    no_note = client.post(
        f"/api/v1/governance/corrections/{rid}/decide", json={"accept": False}, headers=op
    )
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    done = client.post(
        f"/api/v1/governance/corrections/{rid}/decide", json={"accept": True}, headers=op
    )
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    org = client.get(f"/api/v1/organizations/{world.orgs['supplier']}", headers=own).json()
    assert org["phone"] == "075588886666"
    again = client.post(
        f"/api/v1/governance/corrections/{rid}/decide", json={"accept": True}, headers=op
    )
    assert again.status_code == 422 and again.json()["code"] == "already_decided"
