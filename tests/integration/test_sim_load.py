"""The tiny simulated set loads through the services, idempotently, and the checks score it."""

from __future__ import annotations

from sqlalchemy import func, select

from scf.core.actor import Actor
from scf.parties.tables import OrganizationRow, UserRow
from scf.platform import Platform
from scf.sim.eval import evaluate
from scf.sim.generator import build
from scf.sim.loader import load
from scf.sim.model import FRAUD_TYPES
from scf.supervision import service as supervision
from tests.factories import use_registry_key


def _count(platform: Platform, table: type) -> int:
    with platform.uow(Actor.system()) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_tiny_set_loads_is_scored_and_the_demo_does_not_duplicate_it(platform: Platform) -> None:
    from scf.demo import load_demo

    use_registry_key(platform)
    data = build("tiny", 11)
    report = load(platform, data)
    assert report.errors == []
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
    result = evaluate(platform, data, report, sample=40)
    assert set(result["fraud"]) == set(FRAUD_TYPES)
    for kind in ("empty_or_over_pledged_receipt", "fictitious_invoice", "self_financing"):
        assert result["fraud"][kind]["recall"] == 1.0, (kind, result["fraud"][kind])
    # The demo over the same set finds it loaded: nothing is duplicated, logins are added.
    orgs = _count(platform, OrganizationRow)
    summary = load_demo(platform, size="tiny", seed=11)
    again = load_demo(platform, size="tiny", seed=11)
    assert not summary["loaded_now"] and not again["loaded_now"]
    assert _count(platform, OrganizationRow) == orgs
    roles = {login["role"] for login in again["logins"]}
    assert {"core_enterprise", "supplier", "bank", "regulator", "operator", "warehouse"} <= roles
    assert {"marketplace", "local_financial_org", "guarantee_company"} <= roles
    assert _count(platform, UserRow) == len(again["logins"])
