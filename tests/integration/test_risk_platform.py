"""Risk features, cycle detection and contagion on real platform records (issue 8)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from scf.core.actor import Actor
from scf.core.ids import new_id
from scf.core.money import Money
from scf.core.uow import UnitOfWork, jsonable
from scf.parties import service as parties
from scf.platform import Platform
from scf.risk import features as F
from scf.risk import graph as G
from scf.risk import service as risk
from scf.risk.config import risk_settings
from scf.risk.model import CompiledScorecard, FindingKind
from scf.risk.tables import RiskModelRow
from tests.factories import add_org, confirmed_receivable
from tests.integration.certificates_helpers import Chain

OP = Actor(None, None, frozenset({"operator"}), "operator")


def test_features_follow_real_trade_and_certificates(platform: Platform) -> None:
    chain = Chain.build(platform)  # core <- s1 <- s2 ..., each a confirmed 1,000,000 invoice
    s1, s2 = chain.tiers[:2]
    fresh = add_org(platform, "supplier")
    with platform.uow(Actor.system()) as uow:
        before = risk.enterprise_inputs(uow, fresh)
        assert before.trade is not None and before.trade.sales_365d_minor == 0
        assert before.trade.confirmed_share is None
        score_before = risk.score_enterprise(uow, fresh)
    confirmed_receivable(platform, fresh, chain.core, amount="400000.00")
    confirmed_receivable(platform, fresh, s1, amount="100000.00")
    with platform.uow(Actor.system()) as uow:
        after = risk.enterprise_inputs(uow, fresh)
        t = after.trade
        assert t is not None
        assert t.sales_365d_minor == t.sales_90d_minor == 50_000_000
        assert t.confirmed_sales_365d_minor == 50_000_000
        assert t.confirmed_share == 1.0
        assert t.debtor_count == 2 and t.invoices_365d == 2
        assert t.top_debtor_share == 0.8
        assert t.core_tenure_days == 0  # first traded with the core enterprise today
        assert t.dispute_rate == 0.0
        score_after = risk.score_enterprise(uow, fresh)
    assert score_after.features["confirmed_share"] == 1.0
    assert score_before.features["confirmed_share"] is None
    assert score_after.score != score_before.score
    # certificates received and the core enterprise's line utilization
    chain.issue(face="600000.00")
    with platform.uow(Actor.system()) as uow:
        fin = risk.enterprise_inputs(uow, s1).financing
        assert fin is not None and fin.certificates_received_90d_minor == 60_000_000
        assert fin.certificates_received_prev_90d_minor == 0
        core_fin = risk.enterprise_inputs(uow, chain.core).financing
        assert core_fin is not None and core_fin.utilization == 600_000 / 5_000_000
        s2_trade = risk.enterprise_inputs(uow, s2).trade
        assert s2_trade is not None and s2_trade.sales_365d_minor == 100_000_000


def test_trade_cycle_among_related_companies_is_found(platform: Platform) -> None:
    a, b, c = (add_org(platform, "supplier") for _ in range(3))
    outsider = add_org(platform, "supplier")
    with platform.uow(OP) as uow:
        for org in (a, b, c):
            parties.add_shareholding(
                uow, org, Decimal("0.8"), person_id_number="110101198001010010", person_name="X"
            )
    for seller, buyer, amount in ((a, b, "1000000.00"), (b, c, "990000.00"), (c, a, "980000.00")):
        confirmed_receivable(platform, seller, buyer, amount=amount)
    confirmed_receivable(platform, outsider, a, amount="50000.00")
    with platform.uow(Actor.system()) as uow:
        findings = risk.graph_findings(uow, a)
        cycles = [f for f in findings if f.kind is FindingKind.CIRCULAR_TRADE]
        assert len(cycles) == 1
        assert set(cycles[0].org_ids) == {a, b, c}
        assert cycles[0].path[0] == cycles[0].path[-1]
        assert any(f.kind is FindingKind.SELF_FINANCING for f in findings)
        inputs = risk.enterprise_inputs(uow, b)
        assert inputs.graph.cycles == 1 and inputs.graph.related_parties == 2
        assert not [
            f for f in risk.graph_findings(uow, outsider) if f.kind is FindingKind.CIRCULAR_TRADE
        ]


def test_contagion_reaches_tier_two_holder_of_a_transferred_piece(platform: Platform) -> None:
    chain = Chain.build(platform)
    s1, s2, s3 = chain.tiers[:3]
    cert_id = chain.issue(face="600000.00")
    ((piece, _),) = chain.live(s1)
    with platform.uow(chain.actors[s1]) as uow:
        from scf.certificates import service as certs

        p2 = certs.transfer_piece(uow, piece, s2, amount=Money.of("250000.00", "CNY"))
        assert p2.tier == 2
    assert cert_id
    with platform.uow(Actor.system()) as uow:
        out = risk.contagion_of(uow, chain.core)
    rows = {p["org_id"]: (t["tier"], p) for t in out["tiers"] for p in t["parties"]}
    # s1 loses the rest of its piece and its receivable on the core not turned into a
    # certificate: its whole book, so it is distressed at tier 1
    assert rows[s1][0] == 1 and rows[s1][1]["distressed"]
    assert rows[s1][1]["exposure"] == {"amount": "750000.00", "currency": "CNY"}
    # s2 holds its piece of the certificate directly (tier 1); then loses what s1 still owes
    # it on the receivable the piece only partly paid
    assert rows[s2][0] == 1 and rows[s2][1]["distressed"]
    assert rows[s2][1]["exposure"] == {"amount": "1000000.00", "currency": "CNY"}
    # s3 is owed by s2 only through a receivable: reached once s2 is distressed
    assert rows[s3][0] == 3
    assert rows[s3][1]["exposure"] == {"amount": "1000000.00", "currency": "CNY"}
    assert Decimal(out["total"]["amount"]) > Decimal("1000000")


def test_cached_graphs_score_like_fresh_ones_and_follow_writes(platform: Platform) -> None:
    a, b, c = (add_org(platform, "supplier") for _ in range(3))
    confirmed_receivable(platform, a, b, amount="1000000.00")
    confirmed_receivable(platform, b, c, amount="990000.00")
    with platform.uow(Actor.system()) as uow:
        cached = risk.enterprise_inputs(uow, a)
        assert risk.derived_graphs(uow) is risk.derived_graphs(uow)  # no change, no rebuild
        assert cached.graph.cycles == 0
    confirmed_receivable(platform, c, a, amount="980000.00")  # closes the loop
    with platform.uow(Actor.system()) as uow:
        warm = risk.score_inputs(risk.champion(uow), risk.enterprise_inputs(uow, a))
        assert warm.features["cycles"] == 1.0
    risk.clear_derived_cache()
    with platform.uow(Actor.system()) as uow:
        cold = risk.score_inputs(risk.champion(uow), risk.enterprise_inputs(uow, a))
    assert cold == warm


def _inputs_the_long_way(uow: UnitOfWork, org_id: str) -> F.EnterpriseInputs:
    """Every input straight from the rooms, and the graph features counted from full findings
    and the raw trade edges: no cached graphs' per-enterprise memo, no shortcuts."""
    from scf.trade import service as trade

    org = parties.find_organization(uow, org_id)
    related = parties.related_party_graph(uow)
    group = next((g for g in related.groups() if org_id in g), {org_id})
    findings = risk.graph_findings(uow, org_id)
    total = inside = 0
    for seller, buyer, money, _ in trade.trade_edges(uow):
        if org_id in (seller, buyer):
            other = buyer if seller == org_id else seller
            total += money.minor
            inside += money.minor if other in group and other != org_id else 0
    # fan patterns are features, not findings: counted from the detector itself
    s = risk_settings()
    pg = risk.platform_trade_graph(uow)
    me = pg.nodes.index.get(org_id)
    fans = [
        p
        for p in G.fan_patterns(
            pg.edges, min_counterparties=s.fan_counterparties, window_days=s.fan_window_days
        )
        if me is not None and me in (p.node, p.sink, *p.counterparties)
    ]
    loops = {FindingKind.CIRCULAR_TRADE, FindingKind.RETURNING_FUNDS}
    return F.EnterpriseInputs(
        org_id=org_id,
        as_of=uow.today(),
        founded_on=org.founded_on,
        registered_capital_minor=org.registered_capital.minor,
        size_class=org.size_class,
        is_core="core_enterprise" in org.roles,
        key_chain=bool(org.chain_tags),
        trade=risk.trade_inputs_from_trade_room(uow, org_id),
        financing=risk.financing_inputs_from_rooms(uow, org_id),
        graph=F.GraphInputs(
            related_parties=len(group) - 1,
            control_group_size=len(group),
            cycles=sum(f.kind in loops for f in findings),
            fan_patterns=len(fans) if len(pg.edges) else 0,
            shell_indicators=len(risk.shell_reasons(uow, org_id)),
            in_group_trade_share=inside / total if total else None,
        ),
    )


def test_stored_score_equals_the_score_computed_the_long_way(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCF_RISK_FAN_COUNTERPARTIES", "2")  # so fan-outs show at this size
    risk_settings.cache_clear()
    try:
        a, b, c = (add_org(platform, "supplier") for _ in range(3))
        core = add_org(platform, "core_enterprise", chain_tags=["ev"])
        new_shell = add_org(platform, "supplier", founded_on=date(2025, 1, 2))
        with platform.uow(OP) as uow:
            for org in (a, b, c):
                parties.add_shareholding(
                    uow, org, Decimal("0.8"), person_id_number="110101198001010010", person_name="X"
                )
        for seller, buyer, amount in (
            (a, b, "1000000.00"),
            (b, c, "990000.00"),
            (c, a, "980000.00"),
            (a, core, "300000.00"),
            (new_shell, core, "20000.00"),
        ):
            confirmed_receivable(platform, seller, buyer, amount=amount)
        orgs = (a, b, c, core, new_shell)
        with platform.uow(Actor.system()) as uow:
            expected = {
                o: risk.score_inputs(risk.champion(uow), _inputs_the_long_way(uow, o)) for o in orgs
            }
            graphs = risk.derived_graphs(uow)
        assert expected[a].features["cycles"] == 1.0 and expected[a].features["fan_patterns"] >= 1
        assert expected[b].features["in_group_trade_share"] == 1.0
        for org in orgs:
            with platform.uow(Actor.system()) as uow:
                got = risk.score_enterprise(uow, org)
            assert got == expected[org]  # score, grade, PD, reason codes and features
            with platform.uow(Actor.system()) as uow:
                (stored,) = risk.score_history(uow, org, limit=1)
                entries, _ = parties.query_audit(
                    uow, action="risk.scored", aggregate_id=str(stored.id)
                )
            assert (stored.score, stored.grade, stored.model_version) == (
                got.score,
                got.grade,
                got.model_version,
            )
            assert stored.reasons == [r.as_dict() for r in got.reasons]
            assert len(entries) == 1 and entries[0].after == jsonable(got.as_dict())
            assert entries[0].org_id == org
        with platform.uow(Actor.system()) as uow:
            assert risk.derived_graphs(uow) is graphs  # scoring changed no graph: no rebuild
    finally:
        risk_settings.cache_clear()


def test_champion_card_is_read_once_per_version_and_scores_like_a_fresh_read(
    platform: Platform,
) -> None:
    org = add_org(platform, "supplier")
    card = CompiledScorecard(
        intercept=-3.0,
        features=tuple(f for f in F.EXPERT_SCORECARD.features if f.name != "age_years"),
    )
    model_id = new_id("rmd")  # ids are unique across databases: the card cache relies on it
    with platform.uow(Actor.system()) as uow:
        uow.session.add(
            RiskModelRow(
                id=model_id,
                name="test",
                kind="scorecard",
                status="champion",
                data_hash="0" * 64,
                features=card.feature_names,
                metrics={},
                model_card={},
                reference={},
                artifact=json.dumps(card.as_json()),
                created_at=uow.now(),
            )
        )
        uow.commit()
    with platform.uow(Actor.system()) as uow:
        first = risk.champion(uow)
        assert first.version == model_id and first.card == card
        assert risk.champion(uow) is first  # the compiled card is cached by version
        fresh = risk.score_inputs(
            risk.ActiveModel(first.version, card), risk.enterprise_inputs(uow, org)
        )
        assert risk.score_enterprise(uow, org) == fresh
