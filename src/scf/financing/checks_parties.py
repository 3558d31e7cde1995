"""Checks on the parties: lists, key chains, funders and their products, related parties and
circular trade in the risk graph."""

from __future__ import annotations

from scf.core.errors import InvalidInput, NotFound, RuleViolation
from scf.core.money import Money
from scf.financing.checks import CheckContext, Verdict, escalate, passed, refuse, skip
from scf.financing.products import product_for
from scf.financing.tables import FunderProductRow
from scf.parties import service as parties
from scf.risk import service as risk
from scf.risk.model import FindingKind


def check_applicant_lists(ctx: CheckContext) -> Verdict:
    """Refuse a black-listed applicant; note whether it is red-listed (joint incentives)."""
    parties.require_not_blacklisted(ctx.uow, ctx.applicant_org_id)
    ctx.red_listed = parties.is_red_listed(ctx.uow, ctx.applicant_org_id)
    return passed("applicant_lists", "not black-listed", red_listed=ctx.red_listed)


def check_exclusive_chains(ctx: CheckContext) -> Verdict:
    """Refuse a scenario reserved for key chains the applicant is not in."""
    sc = ctx.scenario
    if sc.exclusive_chains and not (ctx.chain_tags & sc.exclusive_chains):
        return refuse(
            "exclusive_chains",
            RuleViolation(
                f"{sc.title} is reserved for the key chains "
                f"{', '.join(sorted(sc.exclusive_chains))}",
                code="exclusive_product",
            ),
        )
    return skip("exclusive_chains")


def _funder_product(ctx: CheckContext, funder: str) -> FunderProductRow:
    """Return the funder's product, refusing an unlisted funder or a product that won't take it."""
    try:
        parties.find_organization(ctx.uow, funder)
    except NotFound:
        raise InvalidInput(f"no organization {funder}", field="funder_org_ids") from None
    parties.require_licensed_funder(ctx.uow, funder)
    amount = ctx.amount
    prod = product_for(ctx.uow, funder, ctx.scenario.code, amount.currency)
    if prod.exclusive_chains and not (ctx.chain_tags & set(prod.exclusive_chains)):
        raise RuleViolation(
            f"the product {prod.name} is reserved for the key chains "
            f"{', '.join(prod.exclusive_chains)}",
            code="exclusive_product",
        )
    if amount.minor > prod.max_amount_minor:
        raise InvalidInput(
            f"{prod.name} lends at most {Money(prod.max_amount_minor, amount.currency)}",
            field="amount",
        )
    return prod


def check_funders(ctx: CheckContext) -> Verdict:
    """Refuse unless every chosen funder is licensed, white-listed and has a fitting product."""
    funders = [] if ctx.scenario.self_funded else list(dict.fromkeys(ctx.funder_org_ids))
    if not funders and not ctx.scenario.self_funded:
        return refuse(
            "funders",
            InvalidInput("send the application to at least one funder", field="funder_org_ids"),
        )
    for funder in funders:
        ctx.products[funder] = _funder_product(ctx, funder)
    ctx.funders = funders
    if not funders:
        return skip("funders_white_listed")
    return passed("funders_white_listed", f"{len(funders)} licensed funders")


def check_debtor_lists(ctx: CheckContext) -> Verdict:
    """Refuse financing whose debtor is black-listed."""
    debtor = ctx.view.debtor_org_id
    if debtor is not None:
        parties.require_not_blacklisted(ctx.uow, debtor)
    return skip("debtor_lists")


def check_related_party(ctx: CheckContext) -> Verdict:
    """Refuse, hold or note related parties as the operator's policy for their links says
    (`SCF_RISK_RELATED_POLICY`); one control group is always refused as self-financing."""
    debtor = ctx.view.debtor_org_id
    if debtor is None or debtor == ctx.applicant_org_id:
        return skip("related_party")
    finding = risk.related_party_check(ctx.platform, ctx.applicant_org_id, debtor)
    if finding is None:
        return passed("related_party", "applicant and debtor independent")
    path = " -> ".join(finding.path)
    decision = finding.evidence.get("decision", "hold")
    if decision == "note":
        return passed("related_party", finding.summary, path=list(finding.path))
    if finding.kind is FindingKind.SELF_FINANCING or decision == "refuse":
        return refuse(
            "related_party",
            RuleViolation(
                f"self-financing refused: {finding.summary}; path {path}",
                code="self_financing",
                details=finding.as_dict(),
            ),
        )
    return escalate(
        "related_party",
        finding.summary,
        reason=f"{finding.summary}; path {path}",
        path=list(finding.path),
    )


def check_circular_trade(ctx: CheckContext) -> Verdict:
    """Escalate when the applicant's trade closes a loop in the risk graph."""
    cycles = [
        f
        for f in risk.graph_findings(ctx.platform, ctx.applicant_org_id)
        if f.kind is FindingKind.CIRCULAR_TRADE
    ]
    if cycles:
        return escalate("circular_trade", cycles[0].summary)
    return passed("circular_trade", "no trade cycle")
