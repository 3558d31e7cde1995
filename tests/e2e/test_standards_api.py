"""The SCF standards: valid schemas, and the platform's own API emitting documents that
validate against them (SCF-1 evidence package, SCF-2 notice and search certificate, SCF-3
payable certificate), on both backends."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from scf.core.money import Money
from scf.standards import service as standards
from tests.e2e.test_financing_api import API as FIN
from tests.e2e.test_financing_api import money, ok, setup, walk
from tests.factories import World, add_user, confirmed_receivable, token, use_registry_key
from tests.integration.certificates_helpers import Chain

STD = "/api/v1/standards"


def valid(doc: dict[str, Any]) -> dict[str, Any]:
    verdict = standards.check_document(doc)
    assert verdict.valid, verdict.as_dict()
    return doc


@pytest.mark.parametrize("std", standards.STANDARDS, ids=lambda s: s.id)
def test_every_schema_is_a_valid_draft_2020_12_schema(std: standards.Standard) -> None:
    schema = standards.schema_of(std.schema_file)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert std.id in schema["$id"] and std.version in schema["$id"]
    Draft202012Validator.check_schema(standards.schema_of(standards.INDEX_SCHEMA))


def financed(client: TestClient, world: World) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    h = setup(client, world)
    sup, core = world.orgs["supplier"], world.orgs["core_enterprise"]
    rid = confirmed_receivable(world.platform, sup, core, "100000.00")
    body = {
        "scenario": "receivables_factoring",
        "amount": money("80000.00"),
        "asset": {"receivable_id": rid, "recourse": False},
        "funder_org_ids": [world.orgs["bank"]],
    }
    app = ok(client.post(f"{FIN}/applications", headers=h["supplier"], json=body), 201)
    if app["status"] == "escalated":
        review = {"approve": True, "note": "checked"}
        app = ok(
            client.post(
                f"{FIN}/applications/{app['id']}/review", headers=h["operator"], json=review
            )
        )
    return walk(client, h, app), h


def test_evidence_package_and_registration_notice(client: TestClient, world: World) -> None:
    app, h = financed(client, world)
    pkg = valid(ok(client.get(f"{STD}/documents/evidence-package/{app['id']}", headers=h["bank"])))
    assert pkg["financing"]["application_id"] == app["id"]
    assert pkg["financing"]["applicant"]["name"]
    assert pkg["asset"] == {
        **pkg["asset"],
        "kind": "receivable",
        "id": app["asset"]["receivable_id"],
    }
    assert [d["type"] for d in pkg["documents"]] == ["invoice"]
    assert pkg["matches"][0]["status"] == "no_order"
    assert pkg["authenticity"]["verdict"] in ("consistent", "review")
    assert "order" in pkg["authenticity"]["missing"]
    assert {c["check"] for c in pkg["checks"]} >= {"registry_conflicts", "authenticity"}
    number = pkg["registrations"][0]["number"]
    # the notice is public, like the registry itself
    notice = valid(ok(client.get(f"{STD}/documents/registration-notice/{number}")))
    assert notice["registration"]["number"] == number
    assert notice["registration"]["status"] == "active"
    assert notice["log"]["tree_size"] >= 1
    # another tenant may not read the evidence package
    r = client.get(f"{STD}/documents/evidence-package/{app['id']}", headers=h["insurer"])
    assert r.status_code == 404, r.text
    r = client.get(f"{STD}/documents/registration-notice/R000")
    assert r.status_code == 404 and r.json()["code"] == "registration_not_found", r.text


def test_search_certificate_is_scf_2(client: TestClient, world: World) -> None:
    financed(client, world)
    cert = ok(
        client.get(
            "/api/v1/registry/search/certificate",
            params={"grantor_uscc": _uscc(world, "supplier")},
        )
    )
    valid(cert)
    assert cert["certificate"]["result_count"] == 1
    assert ok(client.post("/api/v1/registry/search/certificate/verify", json=cert))["valid"]


def _uscc(world: World, role: str) -> str:
    from scf.core.actor import Actor
    from scf.parties import service as parties

    with world.platform.uow(Actor.system()) as uow:
        return str(parties.find_organization(uow, world.orgs[role]).uscc)


def test_payable_certificate_with_its_transfer_record(client: TestClient, world: World) -> None:
    p = world.platform
    use_registry_key(p)
    chain = Chain.build(p)
    cid = chain.issue()
    ((piece, _),) = chain.live(chain.tiers[0])
    from scf.certificates import service as certs

    with chain.uow(chain.tiers[0]) as uow:  # type: ignore[attr-defined]
        certs.transfer_piece(
            uow,
            piece,
            chain.tiers[1],
            amount=Money.of("100000.00", "CNY"),
            receivable_id=chain.receivables[chain.tiers[1]],
        )
    add_user(p, chain.core, "chaincore")
    h = {"Authorization": f"Bearer {token(client, 'chaincore')}"}
    doc = valid(ok(client.get(f"{STD}/documents/payable-certificate/{cid}", headers=h)))
    assert doc["certificate"]["id"] == cid
    assert doc["certificate"]["registration_number"]
    hops = {x["piece_id"]: x for x in doc["pieces"]}
    transfer = next(x for x in doc["pieces"] if x["origin"] == "transfer")
    assert transfer["tier"] == 2
    assert transfer["trade_background"] == {"receivable_id": chain.receivables[chain.tiers[1]]}
    assert hops[transfer["parent_id"]]["origin"] == "split"
    assert doc["pieces"][0]["parent_id"] is None and doc["pieces"][0]["origin"] == "issue"
    for hop in doc["pieces"]:  # a spent piece's children add up to its face
        kids = [x for x in doc["pieces"] if x["parent_id"] == hop["piece_id"]]
        if hop["status"] == "spent":
            total = sum(Money.of(k["face"]["amount"], "CNY").minor for k in kids)
            assert total == Money.of(hop["face"]["amount"], "CNY").minor
    # the index lists it for the issuer, and every listed document validates
    idx = ok(client.get(STD, headers=h))
    valid_index = standards.schema_of(standards.INDEX_SCHEMA)
    Draft202012Validator(valid_index).validate(idx)
    scf3 = next(s for s in idx["standards"] if s["id"] == "SCF-3")
    assert f"{STD}/documents/payable-certificate/{cid}" in scf3["documents"]
    for url in scf3["documents"]:
        valid(ok(client.get(url, headers=h)))


def test_index_names_each_standard_in_the_callers_language(client: TestClient) -> None:
    zh = ok(client.get(STD))
    en = ok(client.get(STD, headers={"Accept-Language": "en"}))
    assert [s["id"] for s in zh["standards"]] == ["SCF-1", "SCF-2", "SCF-3"]
    assert zh["standards"][0]["title"] == "贸易背景证据包"
    assert en["standards"][0]["title"] == "Trade-background evidence package"
    assert all(s["documents"] == [] for s in zh["standards"])  # nothing private without a token
    schema = ok(client.get(f"{STD}/SCF-1/1.0/schema.json"))
    assert schema == standards.schema_of("scf-1-evidence-package-1.0.schema.json")
    r = client.get(f"{STD}/SCF-1/9.0/schema.json")
    assert r.status_code == 404 and r.json()["code"] == "standard_not_found"


def test_online_check_names_each_violation_by_its_path(client: TestClient, world: World) -> None:
    app, h = financed(client, world)
    pkg = ok(client.get(f"{STD}/documents/evidence-package/{app['id']}", headers=h["bank"]))
    bad = copy.deepcopy(pkg)
    bad["financing"]["amount"]["amount"] = 80000.0  # a float, not a decimal string
    del bad["financing"]["applicant"]["uscc"]
    bad["documents"][0]["fingerprint"] = "xyz"
    bad["surprise"] = True
    out = ok(client.post(f"{STD}/check", json=bad))
    assert not out["valid"]
    paths = {v["path"] for v in out["violations"]}
    assert paths == {
        "$",
        "$.financing.amount.amount",
        "$.financing.applicant.uscc",
        "$.documents[0].fingerprint",
    }, out
    assert ok(client.post(f"{STD}/check", json=pkg))["valid"]
    unknown = ok(client.post(f"{STD}/check", json={"standard": "SCF-9"}))
    assert unknown["violations"][0]["path"] == "$.standard"


DOCS = Path(__file__).resolve().parents[2] / "docs" / "standards"


def test_published_examples_validate_and_every_standard_has_its_page() -> None:
    examples = sorted((DOCS / "examples").glob("*.json"))
    assert {json.loads(p.read_text("utf-8"))["standard"] for p in examples} == {
        s.id for s in standards.STANDARDS
    }
    for p in examples:
        valid(json.loads(p.read_text("utf-8")))
    index = (DOCS / "README.md").read_text("utf-8")
    for s in standards.STANDARDS:
        page = DOCS / f"{s.id.lower()}.md"
        assert page.exists(), page
        assert f"{s.id} " in index and s.schema_file in page.read_text("utf-8")
