"""Risk rules on plain data: scorecard, grades, PSI, limits, graph analytics, training checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from scf.core.errors import InvalidInput
from scf.core.money import Money
from scf.parties.model import Holding, control_map
from scf.risk import features as F
from scf.risk import graph as G
from scf.risk import training
from scf.risk.model import (
    BinnedFeature,
    CompiledScorecard,
    distribution,
    dynamic_limit,
    grade_for,
    psi,
    psi_bins,
)


def test_grades_follow_the_master_scale() -> None:
    assert grade_for(0.0001) == "AAA"
    assert grade_for(0.02) == "BB"
    assert grade_for(0.5) == "C"
    pds = [0.0001, 0.0007, 0.002, 0.005, 0.02, 0.05, 0.1, 0.5]
    grades = [grade_for(p) for p in pds]
    assert grades == ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "C"]


def test_scorecard_reason_codes_name_what_cost_points() -> None:
    card = CompiledScorecard(
        intercept=-3.0,
        features=(
            BinnedFeature("age_years", "numeric", (1.0, 0.0), 0.5, splits=(2.0,)),
            BinnedFeature("dispute_rate", "numeric", (0.0, 2.0), 0.3, splits=(0.1,)),
            BinnedFeature(
                "size_class",
                "categorical",
                (0.2, -0.1),
                0.4,
                categories=(("micro",), ("small", "medium")),
            ),
        ),
    )
    points, pd_, reasons = card.explain(
        {"age_years": 0.5, "dispute_rate": 0.3, "size_class": "small"}
    )
    assert [r.feature for r in reasons] == ["dispute_rate", "age_years"]
    assert reasons[0].points_lost == pytest.approx(2.0 * card.scaling.factor)
    assert pd_ == pytest.approx(1 / (1 + np.exp(-(-3.0 + 1.0 + 2.0 - 0.1))))
    best, _, none = card.explain({"age_years": 5, "dispute_rate": 0.0, "size_class": "medium"})
    assert none == [] and best > points
    # batch scoring agrees with one-by-one, and missing values take the missing bin
    cols = {
        "age_years": np.array([0.5, 5.0, np.nan]),
        "dispute_rate": np.array([0.3, 0.0, 0.0]),
        "size_class": ["small", "medium", None],
    }
    pts, pds = card.score_batch(cols, 3)
    assert pts[0] == pytest.approx(points) and pts[1] == pytest.approx(best)
    assert pds[2] == pytest.approx(1 / (1 + np.exp(-(-3.0 + 0.5 + 0.0 + 0.4))))
    assert CompiledScorecard.from_json(card.as_json()) == card


def test_bad_scorecard_is_refused() -> None:
    with pytest.raises(InvalidInput):
        BinnedFeature("x", "numeric", (1.0,), 0.0, splits=(1.0, 2.0))


def test_features_are_defined_once_and_expert_card_uses_them() -> None:
    rec = F.EnterpriseInputs(
        "org_1",
        date(2025, 3, 1),
        founded_on=date(2024, 9, 1),
        registered_capital_minor=5_000_000,
        size_class="micro",
        trade=F.TradeInputs(sales_90d_minor=100, sales_prev_90d_minor=400, dispute_rate=0.2),
    )
    feats = F.compute_features(rec)
    assert set(feats) == {f.name for f in F.FEATURES}
    assert feats["sales_trend"] == pytest.approx(-0.75)
    assert feats["age_years"] == pytest.approx(181 / 365.25)
    assert feats["repaid_on_time"] is None  # no financing record: missing, not zero
    assert set(F.EXPERT_SCORECARD.feature_names) <= set(F.FEATURES_BY_NAME)
    _, pd_young, reasons = F.EXPERT_SCORECARD.explain(feats)
    good = F.EnterpriseInputs(
        "org_2",
        date(2025, 3, 1),
        founded_on=date(2010, 1, 1),
        registered_capital_minor=10**9,
        trade=F.TradeInputs(
            sales_90d_minor=400,
            sales_prev_90d_minor=400,
            confirmed_share=0.95,
            dispute_rate=0.0,
            authenticity=0.95,
            core_tenure_days=2000,
        ),
        financing=F.FinancingInputs(repaid_on_time_share=1.0),
    )
    _, pd_good, _ = F.EXPERT_SCORECARD.explain(F.compute_features(good))
    assert pd_good < pd_young
    assert {"dispute_rate", "sales_trend", "age_years"} <= {r.feature for r in reasons}


def test_psi_is_zero_for_same_population_and_alerts_on_shift() -> None:
    rng = np.random.default_rng(0)
    ref = rng.normal(0, 1, 5000)
    edges = psi_bins(ref)
    base = distribution(ref, edges)
    assert psi(base, distribution(rng.normal(0, 1, 5000), edges)) < 0.02
    assert psi(base, distribution(rng.normal(1.5, 1, 5000), edges)) > 0.25
    with pytest.raises(InvalidInput):
        psi([0.5, 0.5], [1.0])


def test_dynamic_limit_is_money_and_shrinks_with_grade_exposure_and_alerts() -> None:
    cap = Money.of("1000000", "CNY")
    a = dynamic_limit("A", cap, Money.zero("CNY"))
    assert a == Money.of("300000", "CNY")
    assert dynamic_limit("B", cap, Money.zero("CNY")) == Money.of("100000", "CNY")
    assert dynamic_limit("A", cap, Money.of("250000", "CNY")) == Money.of("50000", "CNY")
    assert dynamic_limit("A", cap, Money.of("900000", "CNY")) == Money.zero("CNY")
    assert dynamic_limit("A", cap, Money.zero("CNY"), cut=Decimal("0.5")) == Money.of(
        "150000", "CNY"
    )
    assert dynamic_limit("C", cap, Money.zero("CNY")) is None
    assert dynamic_limit("AA", cap, Money.zero("CNY"), core=True) == Money.of("2500000", "CNY")
    with pytest.raises(InvalidInput):
        dynamic_limit("Z", cap, Money.zero("CNY"))


def _random_graph(n: int, m: int, seed: int) -> tuple[G.EdgeList, set[tuple[int, ...]]]:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m).tolist()
    dst = rng.integers(0, n, m).tolist()
    amt = (10 ** rng.uniform(4, 7, m)).astype(np.int64).tolist()
    day = rng.integers(0, 90, m).tolist()
    planted = set()
    for k in range(2, 7):
        nodes = rng.choice(n, k, replace=False).tolist()
        ids = []
        for i in range(k):
            ids.append(len(src))
            src.append(nodes[i])
            dst.append(nodes[(i + 1) % k])
            amt.append(5_000_000 - i * 40_000)
            day.append(20 + i)
        planted.add(tuple(sorted(ids)))
    return G.EdgeList.of(src, dst, amt, day, n), planted


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("hop", [None, 0.05])
def test_vectorized_cycles_match_the_networkx_reference(seed: int, hop: float | None) -> None:
    edges, planted = _random_graph(200, 2500, seed)
    found = {tuple(sorted(c.edges)) for c in G.find_cycles(edges, hop_tolerance=hop, chunk=4096)}
    assert found == G.find_cycles_reference(edges, hop_tolerance=hop)
    assert planted <= found


def test_thin_margins_round_a_ring_are_circular_trade_toll_processing_is_not() -> None:
    # four companies pass the goods round adding 3% each: 9% more comes back
    ring = G.EdgeList.of([0, 1, 2, 3], [1, 2, 3, 0], [100, 103, 106, 109], [1, 2, 3, 4], 4)
    # a processor returns the goods 15% dearer: its work, not a round trip
    toll = G.EdgeList.of([0, 1], [1, 0], [100, 115], [1, 12], 2)
    assert len(G.find_cycles(ring, tolerance=0.2, hop_tolerance=0.08)) == 1
    assert len(G.find_cycles(toll)) == 1  # one tolerance for both: toll processing flagged
    assert G.find_cycles(toll, tolerance=0.2, hop_tolerance=0.08) == []
    assert G.find_cycles_reference(toll, tolerance=0.2, hop_tolerance=0.08) == set()


def test_cycles_respect_time_window_and_amounts() -> None:
    # a loop that comes back after 60 days, and one whose amount shrinks by half
    slow = G.EdgeList.of([0, 1, 2], [1, 2, 0], [100, 100, 100], [0, 30, 60], 3)
    assert G.find_cycles(slow, window_days=30) == []
    assert len(G.find_cycles(slow, window_days=90)) == 1
    shrink = G.EdgeList.of([0, 1], [1, 0], [100, 50], [0, 1], 2)
    assert G.find_cycles(shrink) == []
    backwards = G.EdgeList.of([0, 1, 2], [1, 2, 0], [100, 100, 100], [1, 5, 3], 3)
    assert G.find_cycles(backwards) == []
    c = G.find_cycles(G.EdgeList.of([0, 1], [1, 0], [100, 95], [1, 3], 2))[0]
    assert c.nodes == (0, 1) and c.last_day - c.first_day == 2


def test_control_forest_agrees_with_the_parties_rule() -> None:
    rng = np.random.default_rng(5)
    n = 60
    holdings = []
    for org in range(20, n):
        holders = rng.choice(org, size=2, replace=False)
        shares = (
            [Decimal("0.55"), Decimal("0.3")]
            if rng.random() < 0.6
            else [Decimal("0.3"), Decimal("0.3")]
        )
        holdings += [Holding(str(h), str(org), s) for h, s in zip(holders, shares, strict=True)]
    forest = G.control_forest(
        [int(h.holder) for h in holdings],
        [int(h.org) for h in holdings],
        [float(h.share) for h in holdings],
        n,
        max_levels=4,
    )
    ctrl = control_map(holdings, max_depth=4)
    for org in range(n):
        root = int(forest.root[org])
        if root != org:
            assert str(org) in ctrl[str(root)], (org, root)
    # joint control through two subsidiaries (30% + 30%) counts
    f = G.control_forest([0, 0, 1, 2], [1, 2, 3, 3], [0.6, 0.6, 0.3, 0.3], 4)
    assert f.root.tolist() == [0, 0, 0, 0]
    path = f.path(1, 3)
    assert path is not None and path[0] == 1 and path[-1] == 3 and 0 in path
    assert G.control_forest([0], [1], [0.4], 3).path(1, 2) is None


def test_same_group_edges_flag_self_financing() -> None:
    f = G.control_forest([9, 9], [1, 2], [0.8, 0.7], 10)
    e = G.EdgeList.of([1, 1, 3], [2, 3, 1], [10, 10, 10], [0, 0, 0], 10)
    assert G.same_group_edges(f, e).tolist() == [0]


def test_fan_patterns() -> None:
    src = [0] * 12 + list(range(1, 13)) + list(range(20, 32))
    dst = list(range(1, 13)) + [50] * 12 + [40] * 12
    day = [1] * 12 + [3] * 12 + [5] * 12
    e = G.EdgeList.of(src, dst, [100] * 36, day, 60)
    kinds = {(p.kind, p.node) for p in G.fan_patterns(e, min_counterparties=10)}
    assert ("fan_out", 0) in kinds and ("fan_in", 50) in kinds and ("fan_in", 40) in kinds
    assert ("scatter_gather", 0) in kinds


def test_shell_indicators() -> None:
    reasons = G.shell_indicators(
        age_days=100,
        capital_minor=1_000_000,
        shared_with=["address"],
        in_group_share=0.95,
    )
    assert [r.split(":")[0] for r in reasons] == [
        "new",
        "tiny registered capital",
        "shares its address",
        "in-group trade",
    ]
    assert G.shell_score(reasons) == 4.0
    assert (
        G.shell_indicators(age_days=4000, capital_minor=10**10, shared_with=[], in_group_share=0.1)
        == []
    )


def test_contagion_tier_by_tier() -> None:
    # core 0 owes SME 1 (certificate) 1000; SME 1 owes SME 2 800 and bank 9 holds 1000 of 1's
    claims = [
        G.Claim(1, 0, 1000, "certificate"),
        G.Claim(2, 1, 800, "receivable"),
        G.Claim(9, 0, 500, "financing"),
        G.Claim(3, 2, 100, "receivable"),
    ]
    r = G.contagion(claims, 0, terminal={9})
    assert r.tier == {0: 0, 1: 1, 9: 1, 2: 2, 3: 3}
    assert r.exposure[1] == 1000 and r.exposure[9] == 500 and r.exposure[2] == 800
    assert r.exposure[3] == 100
    assert 9 not in r.distressed and 1 in r.distressed


def _synthetic(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.uniform(0, 20, n)
    capital = 10 ** rng.uniform(5, 8, n)
    confirmed = rng.uniform(0, 1, n)
    dispute = rng.beta(1, 10, n)
    late = rng.exponential(10, n)
    logit = -1.0 - 0.03 * age - 3.0 * confirmed + 8 * dispute + 0.05 * late
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "age_years": age,
            "registered_capital": capital,
            "confirmed_share": confirmed,
            "dispute_rate": dispute,
            "debtor_days_late": late,
            "default": np.where(y, "default", "ok"),
        }
    )


def test_supply_chain_features_beat_static_data_on_synthetic_defaults() -> None:
    from scf.risk.service import supply_chain_uplift

    out = supply_chain_uplift(_synthetic(), "default")
    assert out["static"]["features"] == ["age_years", "registered_capital"]
    assert out["supply_chain"]["auc_mean"] > out["static"]["auc_mean"] + 0.1
    assert out["lift_combined_over_static"] > 0.1


def test_training_refuses_missing_labels_one_class_and_leakage() -> None:
    df = _synthetic(300)
    holes = df.copy()
    holes.loc[[3, 7], "default"] = None
    with pytest.raises(InvalidInput) as e:
        training.prepare(holes, "default")
    assert e.value.code == "missing_labels" and e.value.errors[0].field == "default"
    one = df.assign(default="ok")
    with pytest.raises(InvalidInput) as e:
        training.prepare(one, "default")
    assert e.value.code == "one_class"
    leak = df.assign(written_off=np.where(df["default"] == "default", "yes", "no"))
    with pytest.raises(InvalidInput) as e:
        training.prepare(leak, "default")
    assert e.value.code == "label_leakage" and e.value.errors[0].field == "written_off"
    leak_num = df.assign(
        loss=np.where(df["default"] == "default", 1000.0, 0.0)
        + np.random.default_rng(1).uniform(0, 1, 300)
    )
    with pytest.raises(InvalidInput) as e:
        training.prepare(leak_num, "default")
    assert e.value.errors[0].field == "loss"
    # an identifier is not leakage: out-of-fold encoding keeps it near 0.5
    ids = df.assign(customer=[f"c{i}" for i in range(300)])
    assert training.prepare(ids, "default").bad_label == "default"
    with pytest.raises(InvalidInput) as e:
        training.prepare(df, "nope")
    assert e.value.errors[0].field == "target"


def test_compiled_scorecard_matches_optbinning_and_logistic_regression() -> None:
    from optbinning import BinningProcess
    from sklearn.linear_model import LogisticRegression

    ds = training.prepare(_synthetic(800, 3), "default")
    fitted = training.fit_scorecard(ds.X, ds.y)
    bp = BinningProcess(
        list(ds.X.columns), selection_criteria={"iv": {"min": 0.02}}, min_prebin_size=0.05
    ).fit(ds.X, ds.y)
    sel = list(bp.get_support(names=True))
    woe = bp.transform(ds.X[sel], metric="woe")
    lr = LogisticRegression(max_iter=2000).fit(woe.to_numpy(), ds.y)
    expected = lr.predict_proba(woe.to_numpy())[:, 1]
    np.testing.assert_allclose(fitted.predict(ds.X), expected, rtol=1e-6)
    report = training.metrics(ds.y, expected, with_calibration=True)
    assert report["gini"] == pytest.approx(2 * report["auc"] - 1, abs=1e-3)
    assert len(report["calibration"]["deciles"]) == 10
    ch = training.fit_challenger(ds.X, ds.y)
    contrib = ch.contributions(ds.X.iloc[:5])
    assert contrib.shape == (5, ds.X.shape[1] + 1)
    # SHAP contributions add up to the raw log-odds of each decision
    raw = ch.booster.predict(ch.frame(ds.X.iloc[:5]), raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_in_group_shares_of_all_nodes_at_once_equal_one_at_a_time(seed: int) -> None:
    from scf.risk import derived, service

    rng = np.random.default_rng(seed)
    nodes = G.NodeIndex()
    ids = [nodes(f"org_{i}") for i in range(40)]
    m = 300
    src = rng.integers(0, len(ids), m)
    dst = np.where(rng.random(m) < 0.05, src, rng.integers(0, len(ids), m))  # a few self-loops
    amount = rng.integers(0, 10**12, m)
    amount[rng.random(m) < 0.1] = 0
    pg = service.PlatformGraph(G.EdgeList.of(src, dst, amount, np.zeros(m), len(ids)), nodes)
    groups: dict[str, set[str]] = {}
    members = [f"org_{i}" for i in rng.permutation(len(ids) + 5)]  # org_40.. do not trade
    for start in range(0, 30, 6):
        g = set(members[start : start + int(rng.integers(2, 7))]) | {f"person_{start}"}
        for org in g:
            groups.setdefault(org, g)
    shares = derived.in_group_shares(groups, pg)
    for org in nodes.ids:
        one = derived.in_group_share(org, groups.get(org, {org}), pg)
        assert shares[org] == one, org
    assert any(v is not None and 0 < v < 1 for v in shares.values())


def test_every_early_warning_signal_fires_past_its_configured_threshold() -> None:
    from scf.risk import service
    from scf.risk.config import RiskSettings

    quiet = F.EnterpriseInputs(
        org_id="org_a",
        as_of=date(2025, 3, 3),
        trade=F.TradeInputs(
            sales_90d_minor=100_00,
            sales_prev_90d_minor=100_00,
            top_debtor_share=0.5,
            top_debtor_share_prev=0.45,
            debtor_days_late_avg=3.0,
            near_duplicate_invoices_90d=1,
        ),
        financing=F.FinancingInputs(
            overdue_elsewhere=0,
            certificates_received_90d_minor=150_00,
            certificates_received_prev_90d_minor=100_00,
        ),
    )
    s = RiskSettings()
    feats = F.compute_features(quiet)
    assert service.detect_signals(feats, feats, quiet, s) == []
    loud = F.EnterpriseInputs(
        org_id="org_a",
        as_of=date(2025, 3, 3),
        trade=F.TradeInputs(
            sales_90d_minor=20_00,  # -80%: high
            sales_prev_90d_minor=100_00,
            top_debtor_share=0.9,
            top_debtor_share_prev=0.5,
            debtor_days_late_avg=45.0,
            near_duplicate_invoices_90d=3,
        ),
        financing=F.FinancingInputs(
            overdue_elsewhere=1,
            certificates_received_90d_minor=500_00,
            certificates_received_prev_90d_minor=100_00,
        ),
    )
    now = {**F.compute_features(loud), "related_parties": 4.0}
    before = {**feats, "related_parties": 1.0}
    got = {sig.kind: sig for sig in service.detect_signals(now, before, loud, s)}
    assert set(got) == {
        "sales_drop",
        "concentration_jump",
        "debtor_paying_late",
        "near_duplicate_invoices",
        "new_related_parties",
        "overdue_elsewhere",
        "unusual_certificate_inflow",
    }
    assert got["sales_drop"].severity.value == "high"
    assert got["sales_drop"].evidence["sales_90d"] == Money(20_00, "CNY").as_json()
    assert got["concentration_jump"].evidence == {"before": 0.5, "now": 0.9, "threshold": 0.2}
    assert got["new_related_parties"].evidence["before"] == 1.0
    assert got["unusual_certificate_inflow"].evidence["threshold"] == s.certificate_inflow
    assert all(sig.summary and sig.evidence for sig in got.values())
    # the thresholds are configuration: a laxer committee sees fewer signals on the same record
    lax = RiskSettings(
        sales_drop=0.9,
        concentration_jump=0.5,
        debtor_days_late=60,
        near_duplicates=5,
        new_related_parties=5,
        overdue_elsewhere=2,
        certificate_inflow=6.0,
    )
    assert service.detect_signals(now, before, loud, lax) == []
