"""The application's check pipeline on fakes: each check's verdict, the runner, the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from scf.core.calendar import ChinaCalendar
from scf.core.errors import DomainError, InvalidInput, RuleViolation
from scf.core.money import Money
from scf.financing import checks_limits, checks_parties
from scf.financing.checks import (
    Check,
    CheckContext,
    Outcome,
    Verdict,
    check_name,
    escalate,
    passed,
    refuse,
    run_checks,
    skip,
)
from scf.financing.checks_asset import (
    check_amount,
    check_authenticity,
    check_cover,
    check_invoice_fingerprints,
    check_registry_conflicts,
    check_scenario_rules,
    scenario_review,
)
from scf.financing.config import FinancingSettings
from scf.financing.scenario import AssetView, Limits, Scenario
from scf.financing.workflow import PLATFORM_CHECKS, application_checks
from scf.registry.service import CollateralRef
from scf.risk.model import FindingKind, GraphFinding, Severity

TODAY = date(2025, 3, 3)


@dataclass
class FakeUow:
    """The two things the pure checks ask of a unit of work: the calendar and today."""

    calendar: ChinaCalendar

    def today(self) -> date:
        return TODAY


class Plain(Scenario):
    code: ClassVar[str] = "plain"
    title: ClassVar[str] = "Plain financing"
    limits: ClassVar[Limits] = Limits(max_tenor_days=90, max_advance=Decimal("0.8"))


@pytest.fixture(scope="module")
def calendar() -> ChinaCalendar:
    return ChinaCalendar.default()


def cny(x: str) -> Money:
    return Money.of(x, "CNY")


def context(
    calendar: ChinaCalendar,
    *,
    scenario: Scenario | None = None,
    amount: str = "50000.00",
    tags: tuple[str, ...] = (),
    view: AssetView | None = None,
    funders: tuple[str, ...] = ("org_bank",),
) -> CheckContext:
    uow: Any = FakeUow(calendar)
    return CheckContext(
        uow=uow,
        scenario=scenario or Plain(),
        applicant=SimpleNamespace(id="org_sme", chain_tags=list(tags)),
        amount=cny(amount),
        asset={},
        funder_org_ids=list(funders),
        settings=FinancingSettings(),
        assessed=view,
    )


def view(value: str = "100000.00", due_in: int = 60, **kw: Any) -> AssetView:
    return AssetView(value=cny(value), due_on=TODAY + timedelta(days=due_in), **kw)


# ---------------------------------------------------------------- verdicts and records


def test_a_pass_and_an_escalation_keep_the_stored_record_shape() -> None:
    v = passed("scenario_rules", "plain: eligible", value=cny("10.00"))
    assert v.recorded and v.outcome is Outcome.PASS
    assert v.record() == {
        "check": "scenario_rules",
        "result": "pass",
        "detail": "plain: eligible",
        "value": {"amount": "10.00", "currency": "CNY"},
    }
    e = escalate("related_party", "common owner", reason="common owner; path a -> b", path=["a"])
    assert e.record() == {
        "check": "related_party",
        "result": "escalate",
        "detail": "common owner",
        "path": ["a"],
    }
    assert e.reason == "common owner; path a -> b"
    assert escalate("circular_trade", "a loop").reason == "a loop"


def test_a_refusal_carries_the_error_code_message_and_field_and_stores_no_record() -> None:
    v = refuse("amount", InvalidInput("must be above zero", field="amount"))
    assert (v.code, v.message, v.error_field) == ("invalid_input", "must be above zero", "amount")
    assert not v.recorded
    rule = refuse("exclusive_chains", RuleViolation("reserved", code="exclusive_product"))
    assert (rule.code, rule.error_field) == ("exclusive_product", None)
    assert not skip("amount").recorded and skip("amount").code is None


# ---------------------------------------------------------------- each check on fakes


def test_amount_must_be_above_zero(calendar: ChinaCalendar) -> None:
    v = check_amount(context(calendar, amount="0.00"))
    assert (v.outcome, v.code, v.error_field) == (Outcome.REFUSE, "invalid_input", "amount")
    assert check_amount(context(calendar)).outcome is Outcome.SKIP


def test_a_product_reserved_for_key_chains_refuses_others(calendar: ChinaCalendar) -> None:
    class ChipsOnly(Plain):
        exclusive_chains: ClassVar[frozenset[str]] = frozenset({"semiconductors"})

    v = checks_parties.check_exclusive_chains(context(calendar, scenario=ChipsOnly()))
    assert v.code == "exclusive_product"
    assert v.message == "Plain financing is reserved for the key chains semiconductors"
    member = context(calendar, scenario=ChipsOnly(), tags=("semiconductors",))
    assert checks_parties.check_exclusive_chains(member).outcome is Outcome.SKIP
    assert checks_parties.check_exclusive_chains(context(calendar)).outcome is Outcome.SKIP


def test_a_funded_scenario_needs_a_funder_and_a_self_funded_one_goes_to_none(
    calendar: ChinaCalendar,
) -> None:
    v = checks_parties.check_funders(context(calendar, funders=()))
    assert (v.code, v.error_field) == ("invalid_input", "funder_org_ids")

    class BuyerPays(Plain):
        self_funded: ClassVar[bool] = True

    ctx = context(calendar, scenario=BuyerPays(), funders=("org_bank",))
    assert checks_parties.check_funders(ctx).outcome is Outcome.SKIP
    assert ctx.funders == []


@pytest.mark.parametrize(
    ("amount", "asset", "code", "field", "message"),
    [
        ("50000.00", view(value="100000.00", due_in=0), "asset_due", "asset", None),
        ("80000.01", view(), "over_advance", "amount", None),
        ("999.99", view(), "invalid_input", "amount", "at least 1000"),
        (
            "50000.00",
            view(due_in=120),
            "tenor_too_long",
            "asset",
            "Plain financing runs at most 90 days; this runs 120",
        ),
        (
            "50000.00",
            AssetView(value=Money.of("100000.00", "USD"), due_on=TODAY),
            "invalid_input",
            "amount.currency",
            "the asset is in USD",
        ),
    ],
)
def test_the_scenario_rules_refuse_outside_its_limits(
    calendar: ChinaCalendar,
    amount: str,
    asset: AssetView,
    code: str,
    field: str,
    message: str | None,
) -> None:
    ctx = context(calendar, amount=amount, view=asset)
    v = check_scenario_rules(ctx)
    assert (v.outcome, v.code, v.error_field) == (Outcome.REFUSE, code, field)
    if message is not None:
        assert v.message == message
    assert ctx.due is None


def test_the_scenario_rules_pass_with_the_due_date_rolled_to_a_working_day(
    calendar: ChinaCalendar,
) -> None:
    class Yearly(Plain):
        limits: ClassVar[Limits] = Limits(max_tenor_days=365, max_advance=Decimal("0.8"))

    national_day = date(2025, 10, 1)
    asset = AssetView(value=cny("100000.00"), due_on=national_day)
    ctx = context(calendar, scenario=Yearly(), view=asset)
    v = check_scenario_rules(ctx)
    assert v.record() == {
        "check": "scenario_rules",
        "result": "pass",
        "detail": "plain: eligible",
        "value": {"amount": "100000.00", "currency": "CNY"},
    }
    assert ctx.due_on == calendar.adjust(national_day) > national_day


def test_weak_trade_evidence_escalates_naming_what_is_missing(calendar: ChinaCalendar) -> None:
    weak = view(evidence={"authenticity_score": 40, "missing": ["delivery"]})
    v = check_authenticity(context(calendar, view=weak))
    assert v.outcome is Outcome.ESCALATE
    assert v.reason == "trade authenticity 40 below 60"
    assert v.record() == {
        "check": "authenticity",
        "result": "escalate",
        "detail": "score 40",
        "missing": ["delivery"],
    }
    strong = check_authenticity(context(calendar, view=view(evidence={"authenticity_score": 90})))
    assert strong.record() == {
        "check": "authenticity",
        "result": "pass",
        "detail": "score 90",
        "missing": [],
    }
    assert check_authenticity(context(calendar, view=view())).outcome is Outcome.SKIP


def test_checks_that_do_not_apply_skip_without_a_record(calendar: ChinaCalendar) -> None:
    class NoRegistryCheck(Plain):
        checks_registry_conflicts: ClassVar[bool] = False

    piece = view(collateral=[CollateralRef("certificate_piece", "pce_1")])
    for v in (
        check_registry_conflicts(context(calendar, view=view())),  # no collateral
        check_registry_conflicts(context(calendar, scenario=NoRegistryCheck(), view=piece)),
        check_invoice_fingerprints(context(calendar, view=view())),
        check_cover(context(calendar, view=view())),
        checks_parties.check_related_party(context(calendar, view=view())),  # no debtor
        checks_parties.check_related_party(
            context(calendar, view=view(debtor_org_id="org_sme"))  # owes itself
        ),
        checks_limits.check_exposure_caps(context(calendar, view=view())),  # no funders yet
    ):
        assert v.outcome is Outcome.SKIP and not v.recorded, v


def finding(kind: FindingKind) -> GraphFinding:
    return GraphFinding(kind, Severity.HIGH, ("org_sme", "org_core"), "one owner", ("a", "b"))


def test_self_financing_is_refused_and_other_related_parties_escalate(
    calendar: ChinaCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = context(calendar, view=view(debtor_org_id="org_core"))
    ctx.__dict__["platform"] = object()  # no platform reads: the risk room is faked below
    found: list[GraphFinding | None] = [finding(FindingKind.SELF_FINANCING)]
    monkeypatch.setattr(checks_parties.risk, "related_party_check", lambda *a: found[0])
    v = checks_parties.check_related_party(ctx)
    assert v.code == "self_financing"
    assert v.message == "self-financing refused: one owner; path a -> b"
    found[0] = finding(FindingKind.RELATED_PARTY)
    v = checks_parties.check_related_party(ctx)
    assert (v.outcome, v.reason) == (Outcome.ESCALATE, "one owner; path a -> b")
    assert v.record()["path"] == ["a", "b"]
    found[0] = None
    assert checks_parties.check_related_party(ctx).record() == {
        "check": "related_party",
        "result": "pass",
        "detail": "applicant and debtor independent",
    }


def test_a_trade_cycle_escalates(calendar: ChinaCalendar, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context(calendar)
    ctx.__dict__["platform"] = object()
    cycles = [finding(FindingKind.FAN_IN), finding(FindingKind.CIRCULAR_TRADE)]
    monkeypatch.setattr(checks_parties.risk, "graph_findings", lambda *a: cycles)
    v = checks_parties.check_circular_trade(ctx)
    assert (v.outcome, v.detail, v.reason) == (Outcome.ESCALATE, "one owner", "one owner")
    cycles.pop()
    assert checks_parties.check_circular_trade(ctx).outcome is Outcome.PASS


def test_an_amount_over_the_applicants_limit_escalates_where_it_carries_the_risk(
    calendar: ChinaCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    class OwnRisk(Plain):
        applicant_carries_risk: ClassVar[bool] = True

    monkeypatch.setattr(checks_limits.risk, "limit_for", lambda *a, **k: cny("40000.00"))
    ctx = context(calendar, scenario=OwnRisk())
    ctx.__dict__["platform"] = object()
    v = checks_limits.check_applicant_limit(ctx)
    assert (v.check, v.outcome, v.detail) == ("risk_limit", Outcome.ESCALATE, "limit CNY 40000.00")
    assert v.reason == "CNY 50000.00 is over the risk limit CNY 40000.00"
    other = context(calendar)  # the asset carries the risk: the limit is not even read
    assert checks_limits.check_applicant_limit(other).detail.startswith("the debtor, acceptor")


# ---------------------------------------------------------------- the runner and the order


def test_the_runner_stops_at_the_first_refusal_and_raises_that_checks_own_error(
    calendar: ChinaCalendar,
) -> None:
    error = RuleViolation("the applicant is black-listed", code="blacklisted")
    ran: list[str] = []

    def check_lists(ctx: CheckContext) -> Verdict:
        ran.append("lists")
        return passed("applicant_lists", "not black-listed")

    def check_loop(ctx: CheckContext) -> Verdict:
        ran.append("loop")
        return escalate("circular_trade", "a loop")

    def check_guard(ctx: CheckContext) -> Verdict:
        ran.append("guard")
        raise error  # a guard of another room refusing

    def check_never(ctx: CheckContext) -> Verdict:
        ran.append("never")
        return passed("never", "")

    run = run_checks(context(calendar), [check_lists, check_loop, check_guard, check_never])
    assert ran == ["lists", "loop", "guard"]
    assert run.refusal is not None and run.refusal.check == "guard"
    assert run.refusal.code == "blacklisted"
    assert [r["check"] for r in run.records()] == ["applicant_lists", "circular_trade"]
    assert run.escalations == ["a loop"]
    with pytest.raises(DomainError) as raised:
        run.raise_refusal()
    assert raised.value is error
    clean = run_checks(context(calendar), [check_lists])
    assert clean.refusal is None
    clean.raise_refusal()  # nothing to raise


def test_the_platform_checks_run_in_the_order_of_the_workflow() -> None:
    assert [check_name(c) for c in PLATFORM_CHECKS] == [
        "applicant_lists",
        "exclusive_chains",
        "amount",
        "funders",
        "asset",
        "debtor_lists",
        "exposure_caps",
        "scenario_rules",
        "registry_conflicts",
        "asset_reservations",
        "invoice_fingerprints",
        "authenticity",
        "related_party",
        "circular_trade",
        "applicant_limit",
        "cover",
    ]


def test_a_scenarios_reviews_and_own_checks_run_after_the_platforms(
    calendar: ChinaCalendar,
) -> None:
    def check_season(ctx: CheckContext) -> Verdict:
        return escalate("season", f"{ctx.view.value} in the off season")

    class Seasonal(Plain):
        def checks(self) -> tuple[Check, ...]:
            return (check_season,)

    ctx = context(calendar, scenario=Seasonal(), view=view(escalate=["a", "b"]))
    order = list(application_checks(ctx))
    assert order[: len(PLATFORM_CHECKS)] == list(PLATFORM_CHECKS)
    assert order[-1] is check_season
    tail = run_checks(ctx, order[len(PLATFORM_CHECKS) :])
    assert tail.records() == [
        {"check": "scenario_review", "result": "escalate", "detail": "a"},
        {"check": "scenario_review", "result": "escalate", "detail": "b"},
        {"check": "season", "result": "escalate", "detail": "CNY 100000.00 in the off season"},
    ]
    assert tail.escalations == ["a", "b", "CNY 100000.00 in the off season"]
    assert scenario_review("c")(ctx).reason == "c"


def test_a_shipped_scenario_adds_no_checks_of_its_own() -> None:
    assert Plain().checks() == ()
