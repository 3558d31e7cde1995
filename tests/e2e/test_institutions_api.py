"""Institutions end to end through the HTTP API: a unit with two officers decides applications
inside and above their authority, one defaults, its officer files for exemption and the
unit's reviewer decides, and the regulator's quarterly assessment ranks the institutions
with breakdowns computed here by hand."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scf import cli as scf_cli
from scf.core.actor import Actor
from scf.institutions import cli as institutions_cli
from scf.ops import scheduler
from tests.factories import World, add_org, add_user, confirmed_receivable, token, use_registry_key

FIN = "/api/v1/financing"
P = "/api/v1/institutions"


def money(x: str) -> dict[str, str]:
    return {"amount": x, "currency": "CNY"}


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def refused(r: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return dict(body)


def bearer(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, username)}"}


def product(client: TestClient, h: dict[str, str], scenario: str = "receivables_factoring") -> str:
    out = ok(
        client.post(
            f"{FIN}/products",
            headers=h,
            json={
                "scenario": scenario,
                "name": scenario.replace("_", " "),
                "base_rate": "0.04",
                "max_amount": money("10000000.00"),
                "rate_groups": [],
            },
        ),
        201,
    )
    return str(out["id"])


def band(lower: str, upper: str, grade: int) -> dict[str, Any]:
    return {
        "lower": money(lower),
        "upper": money(upper),
        "max_tenor_days": 180,
        "min_grade": grade,
        "exceptions": True,
    }


def govern(client: TestClient, h: dict[str, str], unit_id: str, prod: str) -> dict[str, Any]:
    """The product belongs to the unit: up to 100,000 at grade 1 and up to 500,000 at grade 2
    (given out of order), two officers above 200,000."""
    ok(client.post(f"{P}/units/{unit_id}/products", headers=h, json={"product_id": prod}))
    return dict(
        ok(
            client.put(
                f"{P}/units/{unit_id}/authority",
                headers=h,
                json={
                    "product_id": prod,
                    "bands": [band("100000.00", "500000.00", 2), band("0.00", "100000.00", 1)],
                    "second_approval_above": money("200000.00"),
                },
            )
        )
    )


def unit_with_officers(client: TestClient, world: World, h: dict[str, str]) -> dict[str, Any]:
    """The bank's factoring unit: officer_a grade 2, officer_b grade 1, reviewer_r; authority
    up to 100,000 at grade 1 and up to 500,000 at grade 2, two officers above 200,000."""
    bank = world.orgs["bank"]
    for name in ("officer_a", "officer_b", "reviewer_r"):
        add_user(world.platform, bank, name, admin=False)
    prod = product(client, h)
    unit = ok(
        client.post(
            f"{P}/units",
            headers=h,
            json={"name": "供应链金融部", "kind": "department", "nationwide": True},
        ),
        201,
    )
    for username, role, grade in (
        ("officer_a", "officer", 2),
        ("officer_b", "officer", 1),
        ("reviewer_r", "reviewer", 1),
    ):
        ok(
            client.post(
                f"{P}/units/{unit['id']}/officers",
                headers=h,
                json={"username": username, "role": role, "grade": grade},
            ),
            201,
        )
    auth = govern(client, h, unit["id"], prod)
    assert [b["upper"]["amount"] for b in auth["bands"]] == ["100000.00", "500000.00"]
    return {"unit": unit, "product": prod, "authority": auth}


def submit(
    client: TestClient, world: World, h: dict[str, str], seller: str, amount: str, funder: str
) -> dict[str, Any]:
    """A factoring application of the seller on a receivable the core enterprise confirmed."""
    face = str(Decimal(amount) * 2)  # factoring advances at most 90% of the receivable
    rid = confirmed_receivable(
        world.platform, seller, world.orgs["core_enterprise"], face, due_in_days=30
    )
    out = ok(
        client.post(
            f"{FIN}/applications",
            headers=h,
            json={
                "scenario": "receivables_factoring",
                "amount": money(amount),
                "asset": {"receivable_id": rid, "recourse": False},
                "funder_org_ids": [funder],
            },
        ),
        201,
    )
    return dict(out)


def apply(
    client: TestClient, world: World, h: dict[str, str], seller: str, amount: str, funder: str
) -> dict[str, Any]:
    app = submit(client, world, h, seller, amount, funder)
    if app["status"] == "escalated":
        app = ok(
            client.post(
                f"{FIN}/applications/{app['id']}/review",
                headers=bearer(client, "operator"),
                json={"approve": True, "note": "evidence checked by hand"},
            )
        )
    assert app["status"] == "sent", app
    return dict(app)


def fund(
    client: TestClient, app_id: str, seller_h: dict[str, str], funder_h: dict[str, str]
) -> None:
    app = ok(client.get(f"{FIN}/applications/{app_id}", headers=seller_h))
    offer = app["offers"][0]
    ok(
        client.post(
            f"{FIN}/offers/{offer['id']}/accept",
            headers={**seller_h, "Idempotency-Key": f"acc-{app_id}"},
        )
    )
    ok(client.post(f"{FIN}/applications/{app_id}/registration", headers=funder_h))
    ok(
        client.post(
            f"{FIN}/applications/{app_id}/disbursement",
            headers={**funder_h, "Idempotency-Key": f"dis-{app_id}"},
        )
    )


def test_unit_authority_default_exemption_and_assessment(
    client: TestClient, world: World, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_registry_key(world.platform)
    admin = bearer(client, "bank")
    setup = unit_with_officers(client, world, admin)
    a, b = bearer(client, "officer_a"), bearer(client, "officer_b")
    sup = world.orgs["supplier"]
    sup_h = bearer(client, "supplier")
    bank = world.orgs["bank"]

    # inside officer_b's authority (grade 1 up to 100,000): the offer is made and recorded
    app1 = apply(client, world, sup_h, sup, "80000.00", bank)
    ok(client.post(f"{FIN}/applications/{app1['id']}/offers", headers=b), 201)
    # above officer_b's grade, inside officer_a's (150,000 needs grade 2, one officer)
    app2 = apply(client, world, sup_h, sup, "150000.00", bank)
    r = refused(
        client.post(f"{FIN}/applications/{app2['id']}/offers", headers=b), 403, "above_authority"
    )
    assert "grade 2" in r["detail"]
    ok(client.post(f"{FIN}/applications/{app2['id']}/offers", headers=a), 201)
    # above every band: nobody in the unit may approve
    app3 = apply(client, world, sup_h, sup, "600000.00", bank)
    refused(
        client.post(f"{FIN}/applications/{app3['id']}/offers", headers=a), 403, "above_authority"
    )
    refused(
        client.post(f"{P}/approvals", headers=a, json={"application_id": app3["id"]}),
        403,
        "above_authority",
    )
    # above 200,000: officer_a approves first, officer_b is the second pair of eyes
    app4 = apply(client, world, sup_h, sup, "300000.00", bank)
    refused(
        client.post(f"{FIN}/applications/{app4['id']}/offers", headers=a),
        409,
        "second_approval_required",
    )
    first = ok(client.post(f"{P}/approvals", headers=a, json={"application_id": app4["id"]}))
    assert first["status"] == "awaiting_second" and first["offer_id"] is None
    refused(
        client.post(f"{P}/approvals", headers=a, json={"application_id": app4["id"]}),
        409,
        "same_approver",
    )
    both = ok(client.post(f"{P}/approvals", headers=b, json={"application_id": app4["id"]}))
    assert both["status"] == "approved" and both["offer_id"]
    assert [x["username"] for x in both["approvals"]] == ["officer_a", "officer_b"]
    # an admin who is no officer may not decide
    app5 = apply(client, world, sup_h, sup, "10000.00", bank)
    refused(
        client.post(f"{FIN}/applications/{app5['id']}/offers", headers=admin), 403, "not_an_officer"
    )

    decisions = {d["application_id"]: d for d in ok(client.get(f"{P}/decisions", headers=admin))}
    assert set(decisions) == {app1["id"], app2["id"], app4["id"]}
    d2 = decisions[app2["id"]]
    assert d2["approvals"][0]["username"] == "officer_a"
    assert d2["approvals"][0]["authority_revision"] == 1
    assert d2["approvals"][0]["band"]["upper"] == money("500000.00")
    assert d2["offer_id"]

    # the factoring company funds a second SME, without units
    sup2 = add_org(world.platform, "supplier", size_class="micro")
    add_user(world.platform, sup2, "supplier_two")
    sup2_h = bearer(client, "supplier_two")
    fac_h = bearer(client, "factoring_company")
    product(client, fac_h)
    app6 = apply(client, world, sup2_h, sup2, "50000.00", world.orgs["factoring_company"])
    ok(client.post(f"{FIN}/applications/{app6['id']}/offers", headers=fac_h), 201)
    fund(client, app6["id"], sup2_h, fac_h)
    fund(client, app2["id"], sup_h, admin)

    # app2 goes unpaid: overdue, then in default after the grace period
    clock.advance(timedelta(days=40))
    ok(client.post(f"{FIN}/overdue-run", headers=bearer(client, "operator")))
    clock.advance(timedelta(days=60))
    admin, a, b = bearer(client, "bank"), bearer(client, "officer_a"), bearer(client, "officer_b")
    out = ok(client.post(f"{FIN}/applications/{app2['id']}/default", headers=admin))
    assert out["application"]["status"] == "defaulted"

    # NPL against the unit's tolerance, live; the run raises one alert, the regulator sees it
    npl = ok(client.get(f"{P}/units/{setup['unit']['id']}/npl", headers=admin))
    # by default the unit tolerates the institution's overall ratio (here 100%) plus 3 points
    assert npl["institution_npl_ratio"] == "1.0000"
    assert npl["unit"]["npl_ratio"] == "1.0000" and npl["unit"]["tolerated"] == "1.0000"
    assert npl["unit"]["tolerance_source"] == "default" and npl["unit"]["state"] == "near"
    assert npl["unit"]["defaulted"] == money("150000.00")
    ok(
        client.put(
            f"{P}/units/{setup['unit']['id']}/tolerance",
            headers=admin,
            json={"product_id": setup["product"], "ratio": "0.05"},
        )
    )
    refused(
        client.put(
            f"{P}/units/{setup['unit']['id']}/tolerance",
            headers=admin,
            json={"product_id": setup["product"], "ratio": "1.5"},
        ),
        422,
        "invalid_input",
        "ratio",
    )
    npl = ok(client.get(f"{P}/units/{setup['unit']['id']}/npl", headers=admin))
    assert [(x["tolerated"], x["state"]) for x in npl["products"]] == [("0.0500", "over")]
    # the tracking runs as a job (`scf institutions npl-run`), with no HTTP call
    monkeypatch.setattr(institutions_cli, "create_platform", lambda: world.platform)
    run = CliRunner().invoke(scf_cli.app, ["institutions", "npl-run"])
    assert run.exit_code == 0, run.output
    raised = json.loads(run.stdout)
    assert {(x["product_id"], x["kind"]) for x in raised} == {
        (None, "npl_near"),
        (setup["product"], "npl_over"),
    }
    alerts = ok(client.get(f"{P}/npl-alerts", headers=admin))
    assert {x["id"] for x in alerts} >= {x["id"] for x in raised}
    # once per state: neither the scheduler's job nor the HTTP run raises them again
    with world.platform.uow(Actor.system()) as uow:
        assert scheduler.institutions_npl(uow) == {"raised": 0}
    assert ok(client.post(f"{P}/npl-run", headers=admin)) == []
    perf = ok(
        client.get(
            f"{P}/units/{setup['unit']['id']}/performance",
            headers=admin,
            params={"period": "2025-Q1"},
        )
    )
    measured = {m["indicator"]: m["value"] for m in perf["measures"]}
    assert measured["sme_volume"] == "150000.00" and measured["sme_count"] == "1"
    assert measured["first_time_borrowers"] == "1" and measured["npl_ratio"] == "1.0000"
    reg = bearer(client, "regulator")
    inbox = ok(client.get("/api/v1/supervision/alerts", headers=reg))
    assert any(x["source"] == "institutions" and x["kind"] == "npl_over" for x in inbox)

    # exemption: not by someone who did not decide it, not for a financing not in default
    refused(
        client.post(
            f"{P}/exemptions", headers=b, json={"application_id": app2["id"], "reasons": "x"}
        ),
        422,
        "not_the_decider",
        "application_id",
    )
    refused(
        client.post(
            f"{P}/exemptions", headers=b, json={"application_id": app1["id"], "reasons": "x"}
        ),
        422,
        "not_defaulted",
        "application_id",
    )
    assert ok(client.get(f"{P}/exemptions", headers=admin)) == []
    filed = ok(
        client.post(
            f"{P}/exemptions",
            headers=a,
            json={"application_id": app2["id"], "reasons": "核查了发票与确权，按授权审批"},
        ),
        201,
    )
    rec = filed["record"]
    assert rec["decision"]["approvals"][0]["username"] == "officer_a"
    assert rec["authority"]["revision"] == 1
    assert {c["check"] for c in rec["automatic_checks"]} >= {"applicant_lists"}
    assert rec["financing"]["status"] == "defaulted"
    refused(
        client.post(
            f"{P}/exemptions/{filed['id']}/decision",
            headers=a,
            json={"grant": True, "reasons": "mine"},
        ),
        403,
        "not_a_reviewer",
    )
    decided = ok(
        client.post(
            f"{P}/exemptions/{filed['id']}/decision",
            headers=bearer(client, "reviewer_r"),
            json={"grant": True, "reasons": "尽职调查完整，予以免责"},
        )
    )
    assert decided["status"] == "granted" and decided["reviewer"] == "reviewer_r"
    seen = ok(client.get(f"{P}/exemptions", headers=reg))
    assert [(e["id"], e["status"]) for e in seen] == [(filed["id"], "granted")]

    assessment_by_hand(client, world, reg, admin)


def assessment_by_hand(
    client: TestClient, world: World, reg: dict[str, str], bank_h: dict[str, str]
) -> None:
    """2025-Q1 under SME volume 0.5, SMEs 0.2, NPL 0.3, min-max across the three institutions:

    bank: 150,000 to one SME, all of it defaulted; factoring: 50,000 to one SME, performing;
    local financial org: nothing (NPL unmeasured).
      volume  bank 1 x 50 = 50.00; factoring 50,000/150,000 = 0.3333 x 50 = 16.67; local 0
      SMEs    bank 1 x 20 = 20.00; factoring 1 x 20 = 20.00; local 0
      NPL     bank (1 - 1)/1 = 0; factoring (1 - 0)/1 = 1 x 30 = 30.00; local 0
      scores  bank 70.00 (1st), factoring 66.67 (2nd), local 0.00 (3rd)
    """
    bad = client.post(
        f"{P}/assessment/indicator-sets",
        headers=reg,
        json={
            "indicators": [
                {"indicator": "sme_volume", "weight": "0.5"},
                {"indicator": "npl_ratio", "weight": "0.3"},
            ]
        },
    )
    refused(bad, 422, "weights_not_one", "indicators")
    assert ok(client.get(f"{P}/assessment/indicator-sets", headers=reg)) == []
    ok(
        client.post(
            f"{P}/assessment/indicator-sets",
            headers=reg,
            json={
                "indicators": [
                    {"indicator": "sme_volume", "weight": "0.5"},
                    {"indicator": "sme_count", "weight": "0.2"},
                    {"indicator": "npl_ratio", "weight": "0.3"},
                ]
            },
        ),
        201,
    )
    run = ok(client.post(f"{P}/assessments", headers=reg, json={"quarter": "2025-Q1"}), 201)
    bank, fac, local = (world.orgs[k] for k in ("bank", "factoring_company", "local_financial_org"))
    ranking = {x["org_id"]: x for x in run["ranking"]}
    assert [(x["org_id"], x["score"], x["rank"]) for x in run["ranking"]] == [
        (bank, "70.00", 1),
        (fac, "66.67", 2),
        (local, "0.00", 3),
    ]
    points = {o: {p["indicator"]: p["points"] for p in ranking[o]["breakdown"]} for o in ranking}
    assert points[bank] == {"sme_volume": "50.00", "sme_count": "20.00", "npl_ratio": "0.00"}
    assert points[fac] == {"sme_volume": "16.67", "sme_count": "20.00", "npl_ratio": "30.00"}
    assert points[local] == {"sme_volume": "0.00", "sme_count": "0.00", "npl_ratio": "0.00"}
    values = {p["indicator"]: p["value"] for p in ranking[fac]["breakdown"]}
    assert values == {"sme_volume": "50000.00", "sme_count": "1", "npl_ratio": "0.0000"}
    refused(
        client.post(f"{P}/assessments", headers=reg, json={"quarter": "2025-Q1"}),
        409,
        "already_assessed",
    )

    # an institution sees the ranking and its own breakdown, never another's
    mine = ok(client.get(f"{P}/assessments/2025-Q1", headers=bank_h))
    lines = {x["org_id"]: x for x in mine["ranking"]}
    assert lines[bank]["breakdown"] is not None and lines[fac]["breakdown"] is None
    assert ok(client.get(f"{P}/assessment-trend", headers=bank_h)) == [
        {"quarter": "2025-Q1", "score": "70.00", "rank": 1, "of": 3, "revision": 1}
    ]
    # 2025-Q2: nothing funded (volume and SMEs all nil earn nothing); NPL as in Q1
    q2 = ok(client.post(f"{P}/assessments", headers=reg, json={"quarter": "2025-Q2"}), 201)
    assert [(x["org_id"], x["score"], x["rank"]) for x in q2["ranking"]] == [
        (fac, "30.00", 1),
        (bank, "0.00", 2),
        (local, "0.00", 2),
    ]
    assert ok(client.get(f"{P}/assessment-trend", headers=bank_h)) == [
        {"quarter": "2025-Q1", "score": "70.00", "rank": 1, "of": 3, "revision": 1},
        {"quarter": "2025-Q2", "score": "0.00", "rank": 2, "of": 3, "revision": 1},
    ]
    fac_h = bearer(client, "factoring_company")
    assert (
        client.get(f"{P}/assessment-trend", headers=fac_h, params={"org_id": bank}).status_code
        == 404
    )

    from openpyxl import load_workbook

    xlsx = client.get(f"{P}/assessments/2025-Q1/ranking.xlsx", headers=reg)
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content))["ranking"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("rank", "org_id", "name", "score")
    assert [(r[0], r[1], Decimal(str(r[3]))) for r in rows[1:]] == [
        (1, bank, Decimal(70)),
        (2, fac, Decimal("66.67")),
        (3, local, Decimal(0)),
    ]
    pdf = client.get(f"{P}/assessments/2025-Q1/ranking.pdf", headers=reg)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_units_authority_and_targets_are_refused_naming_the_field(
    client: TestClient, world: World
) -> None:
    admin = bearer(client, "bank")
    refused(
        client.post(f"{P}/units", headers=admin, json={"name": "分行", "kind": "branch"}),
        422,
        "invalid_input",
        "districts",
    )
    refused(
        client.post(
            f"{P}/units",
            headers=admin,
            json={"name": "分行", "kind": "branch", "districts": ["atlantis"]},
        ),
        422,
        "invalid_input",
        "districts[0]",
    )
    assert ok(client.get(f"{P}/units", headers=admin)) == []
    unit = ok(
        client.post(
            f"{P}/units",
            headers=admin,
            json={"name": "南山分行", "kind": "branch", "districts": ["nanshan"], "chains": ["ev"]},
        ),
        201,
    )
    assert unit["districts"] == ["nanshan"] and unit["nationwide"] is False
    add_user(world.platform, world.orgs["bank"], "clerk", admin=False)
    clerk = bearer(client, "clerk")
    refused(
        client.post(
            f"{P}/units", headers=clerk, json={"name": "x", "kind": "branch", "nationwide": True}
        ),
        403,
        "admin_only",
    )
    refused(
        client.post(f"{P}/units/{unit['id']}/officers", headers=admin, json={"username": "nobody"}),
        422,
        "invalid_input",
        "username",
    )
    prod = product(client, admin)
    ok(client.post(f"{P}/units/{unit['id']}/products", headers=admin, json={"product_id": prod}))
    url = f"{P}/units/{unit['id']}/authority"
    for bands, field, code in (
        (
            [band("0.00", "100000.00", 1), band("90000.00", "500000.00", 2)],
            "bands[1].lower",
            "band_overlap",
        ),
        (
            [band("0.00", "100000.00", 1), band("120000.00", "500000.00", 2)],
            "bands[1].lower",
            "band_gap",
        ),
        ([band("1000.00", "100000.00", 1)], "bands[0].lower", "band_gap"),
    ):
        body = {"product_id": prod, "bands": bands, "second_approval_above": money("1.00")}
        refused(client.put(url, headers=admin, json=body), 422, code, field)
    assert ok(client.get(url, headers=admin)) == []
    other = bearer(client, "factoring_company")
    assert client.get(f"{P}/units/{unit['id']}", headers=other).status_code == 404
    refused(
        client.put(
            f"{P}/units/{unit['id']}/tolerance",
            headers=admin,
            json={"ratio": "-0.01"},
        ),
        422,
        "invalid_input",
        "ratio",
    )
    # targets and the unit's performance over a quarter (nothing funded yet)
    ok(
        client.put(
            f"{P}/units/{unit['id']}/targets",
            headers=admin,
            json={
                "period_kind": "quarter",
                "targets": [
                    {"indicator": "sme_count", "target": "10"},
                    {"indicator": "npl_ratio", "target": "0.03"},
                ],
            },
        )
    )
    perf = ok(
        client.get(
            f"{P}/units/{unit['id']}/performance", headers=admin, params={"period": "2025-Q1"}
        )
    )
    measures = {m["indicator"]: m for m in perf["measures"]}
    assert measures["sme_count"] == {
        "indicator": "sme_count",
        "value": "0",
        "target": "10",
        "met": False,
    }
    assert measures["npl_ratio"]["met"] is True
    assert measures["tier_reach"]["target"] is None
    regulator = bearer(client, "regulator")
    refused(
        client.post(f"{P}/assessments", headers=regulator, json={"quarter": "2025-Q1"}),
        409,
        "no_indicators",
    )
    refused(
        client.post(f"{P}/assessments", headers=regulator, json={"quarter": "2030-Q1"}),
        422,
        "invalid_input",
        "quarter",
    )
