"""Risk features, cycle detection and contagion on real platform records (issue 8)."""

from __future__ import annotations

from decimal import Decimal

from scf.core.actor import Actor
from scf.core.money import Money
from scf.parties import service as parties
from scf.platform import Platform
from scf.risk import service as risk
from scf.risk.model import FindingKind
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
