"""The risk room end to end: scores under consent, findings, limits, signals, governance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from scf.core.actor import Actor
from scf.core.money import Money
from scf.parties import service as parties
from scf.risk import features as F
from scf.risk import graph as G
from scf.risk import rooms, service, training
from tests.factories import World, add_org


def _consent(world: World, grantor_role: str, bank_role: str = "bank") -> None:
    with world.uow(grantor_role) as uow:
        parties.grant_consent(
            uow, world.orgs[bank_role], ["credit"], uow.now() + timedelta(days=30)
        )


def test_score_needs_consent_has_reason_codes_and_404s(client: TestClient, world: World) -> None:
    sme = world.orgs["supplier"]
    bank = world.headers(client, "bank")
    assert client.get(f"/api/v1/risk/scores/{sme}", headers=bank).status_code == 404
    _consent(world, "supplier")
    r = client.get(f"/api/v1/risk/scores/{sme}", headers=bank)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_version"] == F.EXPERT_VERSION
    assert body["grade"] in {"AAA", "AA", "A", "BBB", "BB", "B", "CCC", "C"}
    assert 0 < body["pd"] < 1 and body["reasons"], body
    assert all(x["points_lost"] > 0 for x in body["reasons"])
    reg = world.headers(client, "regulator")
    r = client.get("/api/v1/risk/scores/org_nope", headers=reg)
    assert r.status_code == 404 and r.json()["code"] == "enterprise_not_found"
    with world.uow("regulator") as uow:
        log, _ = parties.access_log(uow, sme)
        assert any(e.resource == f"risk/scores/{sme}" and e.basis == "consent" for e in log)
        entries, _ = parties.query_audit(uow, action="risk.scored")
        assert entries


def test_self_financing_found_through_control_chain(world: World, platform: Any) -> None:
    holding = add_org(platform, "supplier", name="控股母公司")
    applicant = add_org(platform, "supplier", name="申请人")
    mid = add_org(platform, "supplier", name="中间公司")
    debtor = add_org(platform, "core_enterprise", name="关联债务人")
    stranger = add_org(platform, "core_enterprise", name="无关债务人")
    with platform.uow(Actor.system()) as uow:
        uow.actor = Actor(None, None, frozenset({"operator"}), "op")
        parties.add_shareholding(uow, applicant, Decimal("0.6"), holder_org_id=holding)
    with platform.uow(Actor(None, None, frozenset({"operator"}), "op")) as uow:
        parties.add_shareholding(uow, mid, Decimal("0.7"), holder_org_id=holding)
    with platform.uow(Actor(None, None, frozenset({"operator"}), "op")) as uow:
        parties.add_shareholding(uow, debtor, Decimal("0.51"), holder_org_id=mid)
    with platform.uow(Actor.system()) as uow:
        f = service.related_party_check(uow, applicant, debtor)
        assert f is not None and f.kind.value == "self_financing" and f.severity.value == "high"
        assert f.path[0] == applicant and f.path[-1] == debtor and holding in f.path
        assert service.related_party_check(uow, applicant, stranger) is None


def test_circular_trade_and_signals_raise_alerts_and_cut_limit(
    client: TestClient, world: World, platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = world.orgs["supplier"], world.orgs["distributor"], world.subject
    day = platform.clock.now().date().toordinal()

    def fake_graph(uow: Any) -> service.PlatformGraph:
        nodes = G.NodeIndex()
        src = [nodes(a), nodes(b), nodes(c)]
        dst = [nodes(b), nodes(c), nodes(a)]
        return service.PlatformGraph(
            G.EdgeList.of(
                src, dst, [10_000_000, 9_800_000, 9_700_000], [day - 9, day - 6, day - 2]
            ),
            nodes,
        )

    healthy = F.TradeInputs(
        sales_90d_minor=100_000_000,
        sales_prev_90d_minor=100_000_000,
        sales_365d_minor=400_000_000,
        confirmed_sales_365d_minor=300_000_000,
        confirmed_share=0.95,
        core_tenure_days=2000,
        authenticity=0.95,
        dispute_rate=0.0,
    )
    trade = {"now": healthy}
    monkeypatch.setattr(rooms, "trade_inputs_from_trade_room", lambda uow, org: trade["now"])
    monkeypatch.setattr(rooms, "exposed_institutions", lambda uow, org: [world.orgs["bank"]])
    reg = world.headers(client, "regulator")
    before = client.get(f"/api/v1/risk/limits/{a}", headers=reg).json()["limit"]
    assert before is not None and Decimal(before["amount"]) > 0
    trade["now"] = F.TradeInputs(
        **{**healthy.__dict__, "sales_90d_minor": 20_000_000, "near_duplicate_invoices_90d": 3}
    )
    r = client.post(f"/api/v1/risk/signals/{a}/evaluate", headers=reg)
    assert r.status_code == 200, r.text
    kinds = {x["kind"] for x in r.json()}
    assert {"sales_drop", "near_duplicate_invoices"} <= kinds
    assert all(x["evidence"] for x in r.json())
    monkeypatch.setattr(rooms, "platform_trade_graph", fake_graph)
    service.clear_derived_cache()  # the graphs are cached until the platform changes
    r = client.get(f"/api/v1/risk/findings/{a}", headers=reg)
    assert r.status_code == 200, r.text
    cycles = [x for x in r.json() if x["kind"] == "circular_trade"]
    assert cycles and cycles[0]["path"][0] == cycles[0]["path"][-1]
    assert cycles[0]["evidence"]["first_amount"] == {"amount": "100000.00", "currency": "CNY"}
    # the same signals are not raised twice while open
    assert client.post(f"/api/v1/risk/signals/{a}/evaluate", headers=reg).json() == []
    after = client.get(f"/api/v1/risk/limits/{a}", headers=reg).json()["limit"]
    assert after is None or Decimal(after["amount"]) < Decimal(before["amount"])
    bank = world.headers(client, "bank")
    seen = client.get("/api/v1/risk/alerts", headers=bank).json()
    assert seen["total"] == len(kinds)
    assert (
        client.get("/api/v1/risk/alerts", headers=world.headers(client, "insurer")).json()["total"]
        == 0
    )
    alert_id = seen["items"][0]["id"]
    r = client.post(
        f"/api/v1/risk/alerts/{alert_id}/resolve", json={"resolution": "  "}, headers=reg
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/risk/alerts/{alert_id}/resolve", json={"resolution": "visited"}, headers=reg
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    assert client.get("/api/v1/risk/alerts?status=bogus", headers=reg).status_code == 422


def test_contagion_reaches_suppliers_and_banks_tier_by_tier(world: World) -> None:
    core, t1, t2, bank = (
        world.orgs["core_enterprise"],
        world.orgs["supplier"],
        world.orgs["distributor"],
        world.orgs["bank"],
    )
    nodes = G.NodeIndex()
    claims = [
        G.Claim(nodes(t1), nodes(core), 1_000_00, "certificate"),
        G.Claim(nodes(bank), nodes(core), 500_00, "financing"),
        G.Claim(nodes(t2), nodes(t1), 600_00, "receivable"),
    ]
    with world.uow("regulator") as uow:
        out = service.contagion_of(uow, core, claims, nodes)
    tiers = {t["tier"]: {p["org_id"]: p for p in t["parties"]} for t in out["tiers"]}
    assert tiers[1][t1]["exposure"] == Money.of("1000", "CNY").as_json()
    assert tiers[1][bank]["institution"] is True
    assert tiers[2][t2]["exposure"] == Money.of("600", "CNY").as_json()
    assert out["total"] == Money.of("2100", "CNY").as_json()


def _platform_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age_years": rng.uniform(0, 15, n),
            "confirmed_share": rng.uniform(0, 1, n),
            "dispute_rate": rng.beta(1, 8, n),
        }
    )
    logit = -0.5 - 2.5 * df["confirmed_share"] + 6 * df["dispute_rate"] - 0.05 * df["age_years"]
    df["default"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "default", "ok")
    return df


def test_governance_register_promote_and_psi(client: TestClient, world: World) -> None:
    report = training.train(_platform_table(), "default", folds=3)
    with world.uow("operator") as uow:
        rows = service.register_models(uow, report, "platform-pd")
    card_id = next(r.id for r in rows if r.kind == "scorecard")
    gbm_id = next(r.id for r in rows if r.kind == "lightgbm")
    op = world.headers(client, "operator")
    r = client.post(
        f"/api/v1/risk/models/{gbm_id}/promote", json={"status": "champion"}, headers=op
    )
    assert r.status_code == 422 and r.json()["code"] == "not_explainable"
    r = client.post(
        f"/api/v1/risk/models/{card_id}/promote", json={"status": "champion"}, headers=op
    )
    assert r.status_code == 200, r.text
    assert (
        client.post(
            f"/api/v1/risk/models/{gbm_id}/promote", json={"status": "challenger"}, headers=op
        ).json()["status"]
        == "challenger"
    )
    models = client.get("/api/v1/risk/models", headers=world.headers(client, "regulator")).json()
    got = {m["id"]: m for m in models}
    assert got[card_id]["data_hash"] == report.dataset.data_hash
    assert got[card_id]["model_card"]["validation"]["out_of_time"]["scorecard"]["auc"] > 0.6
    sme = world.orgs["supplier"]
    score = client.get(f"/api/v1/risk/scores/{sme}", headers=op).json()
    assert score["model_version"] == card_id
    shifted = _platform_table(600, 1)
    shifted["dispute_rate"] = shifted["dispute_rate"] + 0.4
    fitted = report.scorecard
    cols = {c: shifted[c].to_numpy() for c in fitted.card.feature_names}
    points, _ = fitted.card.score_batch(cols, len(shifted))
    with world.uow("regulator") as uow:
        out = service.stability_report(
            uow, card_id, {c: shifted[c].tolist() for c in shifted.columns}, points.tolist()
        )
    assert out["psi"]["dispute_rate"] > 0.25 and "dispute_rate" in out["alerts"]
    assert out["psi"]["age_years"] < 0.1
    with world.uow("regulator") as uow:
        alerts, _ = service.list_alerts(uow, kind="model_drift")
    assert alerts and alerts[0].evidence["model_id"] == card_id
