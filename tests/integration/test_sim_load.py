"""The tiny simulated set loads through the services, idempotently, and the checks score it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.parties.tables import OrganizationRow, UserRow
from scf.platform import Platform
from scf.sim.eval import evaluate, feature_snapshot, observation_month
from scf.sim.generator import build
from scf.sim.load_payouts import PAYOUT_FINANCED_TWICE
from scf.sim.loader import load
from scf.sim.model import FRAUD_TYPES, Org
from scf.supervision import service as supervision
from tests.factories import use_registry_key


def _count(platform: Platform, table: type) -> int:
    with platform.uow(Actor.system()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_tiny_set_loads_is_scored_and_the_demo_does_not_duplicate_it(platform: Platform) -> None:
    from scf.demo import load_demo

    use_registry_key(platform)
    data = build("tiny", 11)
    snapshot, hook = feature_snapshot(data)
    report = load(platform, data, at_month_end=hook)
    assert report.errors == []
    # The default study's features were read while the clock stood at the observation day.
    month = observation_month(data)  # 0 is January
    assert snapshot.as_of == date(2025, month + 2, 1) - timedelta(days=1)
    smes = {o.key for o in data.of(Org) if o.roles[0] in ("supplier", "distributor")}
    assert snapshot.inputs and set(snapshot.inputs) <= smes
    assert all(i.as_of == snapshot.as_of for i in snapshot.inputs.values())
    c = report.counts
    assert c["invoices"] > 50 and c["orders"] > 50 and c["payments"] > 20
    assert c["certificates"] >= 1 and c["warehouse_receipts"] >= 1
    assert c["organizations"] == len(data.generator.orgs)
    # Financing goes through the financing room, as the right actors, in several scenarios.
    assert c["invoice_financings"] >= 1 and c["pledges"] >= 1 and c["financings_repaid"] >= 1
    assert c["financing_products"] > 0
    # Its automatic checks refuse the injected empty or over-pledged receipts and self-financing.
    assert c["pledges_refused"] >= 1
    assert any(code.endswith(":self_financing") for code in report.refusals), report.refusals
    with platform.uow(Actor(None, None, frozenset({"regulator"}), "test")) as uow:
        ind = supervision.indicators(uow)
    scenarios = {r["key"] for r in ind["sme_volume"]["by_scenario"]}
    assert len(scenarios) > 1, scenarios
    result = evaluate(platform, data, report, sample=40, snapshot=snapshot)
    assert set(result["fraud"]) == {*FRAUD_TYPES, PAYOUT_FINANCED_TWICE}
    # Cross-border sellers' payouts are financed once; presented again, they are refused.
    assert c["payouts"] >= 3 and c["applications:cross_border_payout"] >= 3, c
    twice = result["fraud"][PAYOUT_FINANCED_TWICE]
    assert twice["labelled"] >= 1 and twice["recall"] == 1.0 and twice["precision"] == 1.0, twice
    # One payout is left confirmed and unfinanced; rights are recorded and valued, not pledged.
    assert c["payouts_open"] == 1 and c["ip_valued"] == c["ip_rights"] >= 1, c
    study = result["default_uplift"]
    assert study["observed_on"] == snapshot.as_of.isoformat()
    assert 0 < study["enterprises"] <= len(snapshot.inputs)
    for kind in ("empty_or_over_pledged_receipt", "fictitious_invoice", "self_financing"):
        assert result["fraud"][kind]["recall"] == 1.0, (kind, result["fraud"][kind])
    # The demo over the same set finds it loaded: nothing is duplicated, logins are added.
    # The first demo run adds only the parks' operators and the supervisors (once).
    from scf.web.sample_parks import PARKS, SUPERVISORS

    orgs = _count(platform, OrganizationRow)
    summary = load_demo(platform, size="tiny", seed=11)
    assert _count(platform, OrganizationRow) == orgs + len(PARKS) + len(SUPERVISORS)
    orgs = _count(platform, OrganizationRow)
    again = load_demo(platform, size="tiny", seed=11)
    assert not summary["loaded_now"] and not again["loaded_now"]
    assert _count(platform, OrganizationRow) == orgs
    roles = {login["role"] for login in again["logins"]}
    assert {"core_enterprise", "supplier", "bank", "regulator", "operator", "warehouse"} <= roles
    assert {"marketplace", "local_financial_org", "guarantee_company", "appraiser"} <= roles
    assert _count(platform, UserRow) == len(again["logins"])


def test_dynamic_discounting_runs_through_the_financing_room(platform: Platform) -> None:
    """Programme cores offer their cash each month; suppliers bid on confirmed receivables;
    the financing room clears the book and the winners are paid early, once; the last
    month's programme is left open for bids."""
    from scf.financing import service as fin
    from scf.sim.model import DiscountProgram
    from scf.trade import service as trade

    use_registry_key(platform)
    data = build("tiny", 2)
    programs = data.of(DiscountProgram)
    assert programs and all(p.bids for p in programs if p.pay_on <= data.end)
    report = load(platform, data)
    assert report.errors == []
    c = report.counts
    assert c["discount_programs"] == len(programs)
    assert c["discount_bids"] == sum(len(p.bids) for p in programs)
    assert 1 <= c["early_payments"] <= c["discount_bids"]
    regulator = Actor(None, None, frozenset({"regulator"}), "test")
    with platform.uow(regulator) as uow:
        books = fin.list_programs(uow)
        assert len(books) == len(programs)
        # the year's last programme pays after its last day: it still takes bids
        for p in books:
            after = date.fromisoformat(p["pay_on"]) > data.end
            assert p["status"] == ("open" if after else "cleared"), p
        assert c["discount_programs_open"] == sum(p.pay_on > data.end for p in programs)
        won = [b for p in books for b in p["bids"] if b["status"] == "won"]
        assert len(won) == c["early_payments"]
        for p in books:  # a bid under the hurdle never wins
            for b in p["bids"]:
                if Decimal(b["rate"]) < Decimal(p["hurdle_rate"]):
                    assert b["status"] == "lost", b
        for b in won:
            app = fin.application_dict(uow, fin.get_application(uow, b["application_id"]))
            assert app["scenario"] == "dynamic_discounting"
            assert app["status"] == "closed"
            assert app["funder_org_id"] == app["debtor_org_id"]  # the buyer's own cash
            info = trade.receivable_info(uow, b["receivable_id"])
            assert info.paid == info.amount  # settled once, not paid again at the due date
    with platform.uow(regulator) as uow:
        ind = supervision.indicators(uow)
    scenarios = {r["key"] for r in ind["sme_volume"]["by_scenario"]}
    assert "dynamic_discounting" in scenarios, scenarios
