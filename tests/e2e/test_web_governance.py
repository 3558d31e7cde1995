"""The enterprise's "my data" page: the reads of its data by others, its consents' use, the
downloads, and a correction request sent from the page."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.governance import service as governance
from scf.parties import service as parties
from scf.web.common import LANG_COOKIE
from tests.factories import PASSWORD, World


def csrf(client: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert m
    return m.group(1)


def test_an_sme_sees_reads_downloads_and_asks_for_a_correction(
    client: TestClient, world: World
) -> None:
    sme, bank = world.orgs["supplier"], world.orgs["bank"]
    with world.uow("supplier") as uow:
        parties.grant_consent(uow, bank, ["profile"], uow.now() + timedelta(days=9))
    headers = world.headers(client, "bank")
    assert client.get(f"/api/v1/organizations/{sme}", headers=headers).status_code == 200
    with world.uow("bank") as uow:
        bank_name = parties.find_organization(uow, bank).name

    r = client.post(
        "/login",
        data={"username": "supplier", "password": PASSWORD, "csrf": csrf(client, "/login")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/my-data")
    assert page.status_code == 200
    reads = page.text.split('id="reads"')[1].split("</table>")[0]
    assert bank_name in reads and "依授权" in reads
    consents = page.text.split('id="consents"')[1].split("</table>")[0]
    assert bank_name in consents and "<td>1</td>" in consents  # one read under it
    # The page's downloads work with the session cookie.
    got = client.get("/api/v1/governance/my-data")
    assert got.status_code == 200 and got.json()["access_log"]["total"] == 1
    assert client.get("/api/v1/governance/my-data.pdf").content.startswith(b"%PDF")

    token = csrf(client, "/my-data")
    sent = client.post(
        "/my-data/correction",
        data={"csrf": token, "field": "phone", "value": "075588886666", "reason": "电话已更换"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    after = client.get("/my-data").text.split('id="corrections"')[1]
    assert "075588886666" in after and "待处理" in after
    refused = client.post(
        "/my-data/correction",
        data={"csrf": token, "field": "phone", "value": "075588886666", "reason": ""},
        follow_redirects=False,
    )
    assert refused.status_code in (303, 422)
    with world.uow("operator") as uow:
        assert len(governance.corrections(uow)) == 1


def test_each_role_reads_its_own_risk_education(client: TestClient, world: World) -> None:
    seen = {}
    for role in ("supplier", "bank", "warehouse", "regulator"):
        client.cookies.clear()
        r = client.post(
            "/login",
            data={"username": role, "password": PASSWORD, "csrf": csrf(client, "/login")},
            follow_redirects=False,
        )
        assert r.status_code == 303
        page = client.get("/learn")
        assert page.status_code == 200 and "平台如何处理您的数据" in page.text
        seen[role] = {
            s
            for s in ("enterprise", "financier", "services", "platform")
            if f'id="learn-{s}"' in page.text
        }
    assert seen == {
        "supplier": {"enterprise"},
        "bank": {"financier"},
        "warehouse": {"services"},
        "regulator": {"platform"},
    }
    client.cookies.set(LANG_COOKIE, "en")
    english = client.get("/learn")
    assert "What the platform does with your data" in english.text


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": csrf(client, "/login")},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_the_operator_reviews_accepts_and_rejects_corrections(
    client: TestClient, world: World
) -> None:
    sme = world.orgs["supplier"]
    with world.uow("supplier") as uow:
        phone = governance.request_correction(uow, "phone", "075588886666", "电话已更换").id
    with world.uow("supplier") as uow:
        address = governance.request_correction(uow, "address", "深圳市南山区", "地址有误").id
    _login(client, "operator")
    page = client.get("/operator/corrections")
    assert page.status_code == 200
    waiting = page.text.split('id="open-corrections"')[1].split("</table>")[0]
    assert "075588886666" in waiting and "深圳市南山区" in waiting
    token = csrf(client, "/operator/corrections")
    refused = client.post(
        f"/operator/corrections/{address}",
        data={"csrf": token, "decision": "reject", "note": ""},
        follow_redirects=False,
    )
    assert refused.status_code in (303, 422)
    bad = client.post(
        f"/operator/corrections/{address}",
        data={"csrf": token, "decision": "maybe", "note": "x"},
        follow_redirects=False,
    )
    assert bad.status_code in (303, 422)
    with world.uow("operator") as uow:
        assert {r.id: r.status for r in governance.corrections(uow)}[address] == "open"
    ok = client.post(
        f"/operator/corrections/{phone}",
        data={"csrf": token, "decision": "accept", "note": "已核实"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    no = client.post(
        f"/operator/corrections/{address}",
        data={"csrf": token, "decision": "reject", "note": "与营业执照不符"},
        follow_redirects=False,
    )
    assert no.status_code == 303
    with world.uow("operator") as uow:
        assert parties.find_organization(uow, sme).phone == "075588886666"
        assert parties.find_organization(uow, sme).address != "深圳市南山区"
        assert {r.id: r.status for r in governance.corrections(uow)} == {
            phone: "accepted",
            address: "rejected",
        }
    with world.platform.uow(Actor.system()) as uow:
        _, decisions = parties.query_audit(uow, action="correction.decided")
        _, changes = parties.query_audit(uow, aggregate_id=sme, org_id=sme)
    assert decisions == 2 and changes >= 1
    decided = client.get("/operator/corrections").text.split('id="decided-corrections"')[1]
    assert "已更正" in decided and "与营业执照不符" in decided
    _login(client, "supplier")
    assert client.get("/operator/corrections").status_code in (303, 403)
