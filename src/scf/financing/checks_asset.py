"""Checks on the asset: the amount, the scenario's assessment and rules, the registry,
invoice fingerprints, trade evidence and cover."""

from __future__ import annotations

from scf.core.errors import Conflict, DomainError, InvalidInput
from scf.core.money import Money
from scf.financing.checks import Check, CheckContext, Verdict, escalate, passed, refuse, skip
from scf.financing.claims import policy_for
from scf.financing.context import scenario_context
from scf.financing.reservations import asset_keys, live_reservations, reserved_refusal
from scf.registry import service as registry
from scf.trade import service as trade


def check_amount(ctx: CheckContext) -> Verdict:
    if not ctx.amount.is_positive():
        return refuse("amount", InvalidInput("must be above zero", field="amount"))
    return skip("amount")


def check_asset(ctx: CheckContext) -> Verdict:
    """Let the scenario assess the asset (its refusal names the field); keep its view."""
    ctx.assessed = ctx.scenario.assess(scenario_context(ctx.uow, ctx.applicant_org_id), ctx.asset)
    return skip("asset")


def _advance_refusal(ctx: CheckContext) -> DomainError | None:
    sc, value, amount = ctx.scenario, ctx.view.value, ctx.amount
    if value.currency != amount.currency:
        return InvalidInput(f"the asset is in {value.currency}", field="amount.currency")
    cap = value.scale(sc.limits.max_advance)
    if amount > cap:
        return InvalidInput(
            f"{sc.title} lends at most {sc.limits.max_advance} of the asset's value "
            f"{value}, that is {cap}",
            field="amount",
            code="over_advance",
        )
    if amount < Money.of(sc.limits.min_amount, amount.currency):
        return InvalidInput(f"at least {sc.limits.min_amount}", field="amount")
    return None


def _tenor_refusal(ctx: CheckContext, days: int) -> DomainError | None:
    sc = ctx.scenario
    if days <= 0:
        return InvalidInput("the asset is already due", field="asset", code="asset_due")
    if days > sc.limits.max_tenor_days:
        return InvalidInput(
            f"{sc.title} runs at most {sc.limits.max_tenor_days} days; this runs {days}",
            field="asset",
            code="tenor_too_long",
        )
    return None


def check_scenario_rules(ctx: CheckContext) -> Verdict:
    """Refuse outside the scenario's limits (advance, minimum, tenor); fix the due date."""
    error = _advance_refusal(ctx)
    if error is not None:
        return refuse("scenario_rules", error)
    rolled = ctx.uow.calendar.roll(ctx.view.due_on)
    error = _tenor_refusal(ctx, (rolled.date - ctx.uow.today()).days)
    if error is not None:
        return refuse("scenario_rules", error)
    ctx.due, ctx.due_rolled = rolled.date, rolled
    return passed("scenario_rules", f"{ctx.scenario.code}: eligible", value=ctx.view.value)


def check_registry_conflicts(ctx: CheckContext) -> Verdict:
    """Refuse collateral a live registration covers, naming the earlier one (rule 2)."""
    refs = ctx.view.collateral
    if not (ctx.scenario.checks_registry_conflicts and refs):
        return skip("registry_conflicts")
    earlier = registry.blocking_conflicts(ctx.platform, refs)
    if earlier:
        first = earlier[0]
        return refuse(
            "registry_conflicts",
            Conflict(
                f"the collateral is already registered: registration {first.number} "
                f"of {first.registered_at.date().isoformat()} in favour of "
                f"{first.secured_party.get('name', first.secured_party_org_id)}",
                code="already_pledged",
                details={
                    "registration": first.number,
                    "registrations": [r.number for r in earlier],
                },
            ),
        )
    return passed("registry_conflicts", "no live registration")


def check_asset_reservations(ctx: CheckContext) -> Verdict:
    """Refuse an asset another institution's accepted offer reserves, naming the reservation."""
    keys = asset_keys(
        {"kind": r.kind, "identifier": r.identifier, "quantity": r.quantity}
        for r in ctx.view.collateral
    )
    if not keys:
        return skip("asset_reservations")
    held = live_reservations(ctx.uow, keys)
    if held:
        return refuse("asset_reservations", reserved_refusal(ctx.uow, held[0]))
    return passed("asset_reservations", "not reserved by an accepted offer")


def check_invoice_fingerprints(ctx: CheckContext) -> Verdict:
    """Refuse an invoice another institution already financed or registered, or whose
    near-duplicate was; hold one whose near-duplicate is only on file, naming it."""
    fingerprints = ctx.view.fingerprints
    for fp in fingerprints:
        status = trade.check_fingerprint(ctx.uow, fp)
        if status.financed or status.registered:
            return refuse(
                "invoice_fingerprints",
                Conflict(
                    "the invoice was already financed or registered at another institution "
                    f"({status.institutions} institution(s))",
                    code="duplicate_invoice",
                    details={"fingerprint": fp},
                ),
            )
    near = ctx.view.evidence.get("near_duplicates")
    if near:
        others = ", ".join(f"{o['number']} of {o['issue_date']}" for o in near["invoices"])
        if near.get("encumbered"):
            return refuse(
                "invoice_fingerprints",
                Conflict(
                    f"a near-duplicate of the invoice was already registered or financed: {others}",
                    code="near_duplicate_invoice",
                    details=near,
                ),
            )
        return escalate("invoice_fingerprints", f"near-duplicate of {others}", invoices=near)
    if not fingerprints:
        return skip("invoice_fingerprints")
    return passed("invoice_fingerprints", "not financed elsewhere")


def check_authenticity(ctx: CheckContext) -> Verdict:
    """Escalate trade evidence scored below the platform's minimum, naming what is missing."""
    score = ctx.view.evidence.get("authenticity_score")
    if not isinstance(score, int):
        return skip("authenticity")
    missing = ctx.view.evidence.get("missing", [])
    minimum = ctx.settings.authenticity_min
    if score < minimum:
        return escalate(
            "authenticity",
            f"score {score}",
            reason=f"trade authenticity {score} below {minimum}",
            missing=missing,
        )
    return passed("authenticity", f"score {score}", missing=missing)


def check_cover(ctx: CheckContext) -> Verdict:
    """Refuse unless the named cover policy covers this financing (scenarios with cover)."""
    if not getattr(ctx.scenario, "uses_cover", False):
        return skip("cover")
    ctx.policy = policy = policy_for(
        ctx.uow,
        ctx.asset.get("policy_id"),
        ctx.applicant_org_id,
        ctx.view.debtor_org_id,
        ctx.amount,
        ctx.due_on,
    )
    return passed("cover", f"{policy.kind} {policy.id}")


def scenario_review(reason: str) -> Check:
    """A check that escalates one reason the scenario's assessment asked a person to weigh."""

    def check_scenario_review(ctx: CheckContext) -> Verdict:
        return escalate("scenario_review", reason)

    return check_scenario_review
